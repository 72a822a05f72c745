"""The running counts of visits and issues (inspections.tallies), per division (a leaf of the tree)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from baobao.tallies import Tally


class InspectionMark(models.Model):
    """Where a business's visits and issues are counted, and the quarter whose visited count
    includes it (a business due then and visited in it), as last counted."""

    entity = models.OneToOneField(
        "entities.Entity", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    division_id = models.BigIntegerField(_("division"))
    division_path = models.CharField(_("area path"), max_length=64)
    quarter = models.PositiveIntegerField(_("visited in quarter"), null=True, blank=True)

    class Meta:
        verbose_name = _("inspection mark")
        verbose_name_plural = _("inspection marks")

    def __str__(self):
        return f"{self.entity_id} {self.division_path} {self.quarter}"


class VisitTally(Tally):
    """Businesses of a division due in a quarter (held now) and visited in it."""

    quarter = models.PositiveIntegerField(_("quarter"))
    visited = models.IntegerField(_("visited"), default=0)

    class Meta(Tally.Meta):
        verbose_name = _("visit tally")
        verbose_name_plural = _("visit tallies")
        constraints = [
            models.UniqueConstraint(
                fields=["division", "quarter", "rollup"], name="visit_tally_unique"
            ),
        ]

    def __str__(self):
        return f"{self.division_path} {self.quarter}: {self.visited}"


class IssueOpenTally(Tally):
    """Issues of a division not closed yet, by deadline (overdue on a day: the deadlines before)."""

    deadline = models.DateField(_("rectification deadline"))
    open = models.IntegerField(_("open"), default=0)

    class Meta(Tally.Meta):
        verbose_name = _("open issue tally")
        verbose_name_plural = _("open issue tallies")
        constraints = [
            models.UniqueConstraint(
                fields=["division", "deadline", "rollup"], name="issue_open_tally_unique"
            ),
        ]

    def __str__(self):
        return f"{self.division_path} {self.deadline}: {self.open}"


class IssueMonthTally(Tally):
    """Issues of a division raised in a month (local time), those of them closed, and the time
    they took to close (microseconds)."""

    month = models.DateField(_("month"))
    raised = models.IntegerField(_("raised"), default=0)
    closed = models.IntegerField(_("closed"), default=0)
    close_us = models.BigIntegerField(_("time to close"), default=0)

    class Meta(Tally.Meta):
        verbose_name = _("issue month tally")
        verbose_name_plural = _("issue month tallies")
        constraints = [
            models.UniqueConstraint(
                fields=["division", "month", "rollup"], name="issue_month_tally_unique"
            ),
        ]

    def __str__(self):
        return f"{self.division_path} {self.month}: {self.raised}"
