"""The running counts the cadres' services keep beside the register (``cadres.tallies``,
``cadres.loads``): each business's and each cadre's last-counted part, and the tallies."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from baobao.models import Level
from baobao.tallies import Tally
from cadres.models.register import Cadre
from entities.models import Entity


class HoldingMark(models.Model):  # one business's part of the holding tallies (cadres.tallies)
    """What a business held now adds to the holding tallies, as last counted: its place, grade,
    holder, and whether it is open, held by a leaver or held below the level its grade needs."""

    entity = models.OneToOneField(
        Entity, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    cadre_id = models.BigIntegerField(_("cadre"), db_index=True)
    division_id = models.BigIntegerField(_("division"))
    division_path = models.CharField(_("area path"), max_length=64)
    grade = models.CharField(_("grade"), max_length=1)
    open = models.BooleanField(_("open"))
    left = models.BooleanField(_("held by a leaver"))
    below = models.BooleanField(_("held below level"))

    class Meta:
        verbose_name = _("holding mark")
        verbose_name_plural = _("holding marks")
        indexes = [
            # Coverage's "below the level" list: the few marks that break the rule, by area.
            models.Index(
                fields=["division_path"], condition=Q(below=True), name="holding_mark_below"
            ),
        ]

    def __str__(self):
        return f"{self.entity_id} {self.division_path} {self.grade}"


class HoldingTally(Tally):  # the holdings' running counts (cadres.tallies)
    """Open businesses of one grade in a division (a leaf of the tree) held now (``held``), held by
    a cadre who left (``left``), held by a cadre in post below the grade's level (``below``)."""

    grade = models.CharField(_("grade"), max_length=1)
    held = models.IntegerField(_("held"), default=0)
    left = models.IntegerField(_("held by a leaver"), default=0)
    below = models.IntegerField(_("held below level"), default=0)

    class Meta(Tally.Meta):
        verbose_name = _("holding tally")
        verbose_name_plural = _("holding tallies")
        constraints = [
            models.UniqueConstraint(
                fields=["division", "grade", "rollup"], name="holding_tally_unique"
            ),
        ]

    def __str__(self):
        return f"{self.division_path} {self.grade}: {self.held}"


class CadreLoad(models.Model):  # one cadre's part of the load tallies (cadres.loads)
    """A cadre's load (the businesses they hold now, whatever the business's status) and where it
    is counted in the load tallies, as last counted; kept by the services (issue 18)."""

    cadre = models.OneToOneField(
        Cadre, on_delete=models.CASCADE, primary_key=True, related_name="load_mark"
    )
    division_id = models.BigIntegerField(_("division"))
    division_path = models.CharField(_("area path"), max_length=64)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    in_post = models.BooleanField(_("in post"))
    load = models.IntegerField(_("load"))

    class Meta:
        verbose_name = _("cadre load")
        verbose_name_plural = _("cadre loads")
        indexes = [
            # The overloaded (a load above the smallest threshold, heaviest first) and the idle
            # (load 0) of an area, on the balance page.
            models.Index(
                fields=["-load", "division_path"],
                name="cadre_load_heavy",
                condition=Q(in_post=True),
            ),
            models.Index(
                fields=["division_path"],
                name="cadre_load_idle",
                condition=Q(in_post=True, load=0),
                opclasses=["varchar_pattern_ops"],
            ),
        ]

    def __str__(self):
        return f"{self.cadre_id}: {self.load}"


class LoadTally(Tally):  # the loads' running histogram (cadres.loads)
    """How many cadres in post at a division (of its level) hold ``load`` businesses now."""

    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    load = models.IntegerField(_("load"))
    cadres = models.IntegerField(_("cadres"), default=0)

    class Meta(Tally.Meta):
        verbose_name = _("load tally")
        verbose_name_plural = _("load tallies")
        constraints = [
            models.UniqueConstraint(
                fields=["division", "level", "load", "rollup"], name="load_tally_unique"
            ),
        ]

    def __str__(self):
        return f"{self.division_path} {self.load}: {self.cadres}"
