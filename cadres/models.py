"""Cadres (包保干部), their 协保员/联络员, holdings (包保关系) and the adjustment ledger (动态调整台账)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from baobao.models import Division, Level
from baobao.scoping import ScopedQuerySet
from baobao.tallies import Tally
from baobao.uploads import private_upload_name, validate_document_field
from baobao.validators import validate_mobile, validate_phone
from entities.models import Entity, Grade, Zone


class CadreStatus(models.TextChoices):
    ACTIVE = "active", _("In post")
    LEFT = "left", _("Left")


class CadreQuerySet(ScopedQuerySet):
    area_path = "division__path"
    cadre_fields = ("pk",)

    def active(self):
        return self.filter(status=CadreStatus.ACTIVE)


def commitment_upload_to(instance, filename):
    return private_upload_name("commitments", filename)


class Cadre(models.Model):  # 包保干部
    name = models.CharField(_("name"), max_length=50)
    # The cadre's level is the level of the division they serve (a county leader sits in a county).
    division = models.ForeignKey(
        Division, on_delete=models.PROTECT, related_name="cadres", verbose_name=_("division")
    )
    unit = models.CharField(_("unit"), max_length=100, blank=True)
    post = models.CharField(_("post"), max_length=100, blank=True)
    phone = models.CharField(
        _("mobile phone"), max_length=20, unique=True, validators=[validate_mobile]
    )
    status = models.CharField(
        _("status"), max_length=10, choices=CadreStatus.choices, default=CadreStatus.ACTIVE
    )
    left_on = models.DateField(_("left on"), null=True, blank=True)
    left_reason = models.CharField(_("reason for leaving"), max_length=255, blank=True)
    commitment_signed_on = models.DateField(_("commitment letter signed on"), null=True, blank=True)
    commitment_scan = models.FileField(
        _("commitment letter scan"),
        upload_to=commitment_upload_to,
        blank=True,
        max_length=200,
        validators=[validate_document_field],
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = CadreQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("cadre")
        verbose_name_plural = _("cadres")
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["status", "division"], name="cadre_status_division"),
            # The register's filters: phone search by prefix, commitment letter signed or not.
            # Name search uses a pg_trgm index created in migration 0004 (PostgreSQL only).
            models.Index(
                fields=["phone"], name="cadre_phone_prefix", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(fields=["commitment_signed_on"], name="cadre_commitment_signed"),
            # The register's seek paging (its order, name then id).
            models.Index(fields=["name", "id"], name="cadre_seek"),
            # The few who left (全覆盖: their holdings are gaps). Through (status, division)
            # PostgreSQL preferred scanning every cadre, in parallel, to find them.
            models.Index(
                fields=["division"],
                name="cadre_left_division",
                condition=Q(status=CadreStatus.LEFT),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=CadreStatus.ACTIVE, left_on__isnull=True)
                | Q(status=CadreStatus.LEFT, left_on__isnull=False),
                name="cadre_left_on_iff_left",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def level(self) -> Level:
        return Level(self.division.level)

    def get_level_display(self) -> str:
        return self.level.label

    @property
    def has_left(self) -> bool:
        return self.status == CadreStatus.LEFT


class AideKind(models.TextChoices):
    ASSISTANT = "assistant", _("Assistant (协保员)")
    LIAISON = "liaison", _("Liaison (联络员)")


# 每名市、县级包保干部配备1至2名协保员.
ASSISTANT_LEVELS = {Level.PROVINCE, Level.CITY, Level.COUNTY}
MAX_ASSISTANTS = 2
MAX_LIAISONS = 1


class CadreAide(models.Model):  # 协保员 / 联络员
    cadre = models.ForeignKey(
        Cadre, on_delete=models.PROTECT, related_name="aides", verbose_name=_("cadre")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=AideKind.choices)
    name = models.CharField(_("name"), max_length=50)
    unit = models.CharField(_("unit"), max_length=100, blank=True)
    post = models.CharField(_("post"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=20, validators=[validate_phone])
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("assistant or liaison")
        verbose_name_plural = _("assistants and liaisons")
        ordering = ["cadre", "kind", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cadre", "kind", "phone"],
                condition=Q(is_active=True),
                name="aide_unique_active_per_cadre",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.get_kind_display()})"


class ZoneAssignment(models.Model):  # 分片包保
    """A cadre holding a whole zone; each entity in it gets an Assignment that points here."""

    zone = models.ForeignKey(
        Zone, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("zone")
    )
    cadre = models.ForeignKey(
        Cadre, on_delete=models.PROTECT, related_name="zone_assignments", verbose_name=_("cadre")
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("zone holding")
        verbose_name_plural = _("zone holdings")
        constraints = [
            models.UniqueConstraint(
                fields=["zone"], condition=Q(end_date__isnull=True), name="zone_one_active_holder"
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="zone_assignment_dates_ordered",
            ),
        ]

    def __str__(self):
        return f"{self.cadre} ↔ {self.zone}"


class AssignmentQuerySet(ScopedQuerySet):
    area_path = "entity__division_path"
    cadre_fields = ("cadre_id",)

    def current(self):
        return self.filter(end_date__isnull=True)


class Assignment(models.Model):  # 包保关系
    """A cadre holds an entity from start_date until end_date (exclusive); open while end_date is null."""

    entity = models.ForeignKey(
        Entity,
        on_delete=models.PROTECT,
        related_name="assignments",
        verbose_name=_("food business"),
    )
    cadre = models.ForeignKey(
        Cadre,
        on_delete=models.PROTECT,
        related_name="assignments",
        verbose_name=_("cadre"),
        db_index=False,
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    via_zone = models.ForeignKey(
        ZoneAssignment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assignments",
        verbose_name=_("held through zone"),
    )
    escalated = models.BooleanField(_("escalated (提级包保)"), default=False)
    escalation_reason = models.CharField(_("escalation reason"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("holding")
        verbose_name_plural = _("holdings")
        ordering = ["-start_date", "-id"]
        indexes = [
            models.Index(fields=["cadre", "end_date"], name="assignment_cadre_end"),
            # The few escalated holdings (提级包保, under 1%): the business list's "escalated"
            # filter reads their businesses from here in one index-only scan.
            models.Index(
                fields=["entity"],
                name="assignment_escalated_current",
                condition=Q(escalated=True, end_date__isnull=True),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["entity"],
                condition=Q(end_date__isnull=True),
                name="assignment_one_active_holder",
            ),
            models.CheckConstraint(
                condition=Q(escalated=False) | ~Q(escalation_reason=""),
                name="assignment_escalation_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="assignment_dates_ordered",
            ),
        ]

    def __str__(self):
        return f"{self.cadre} ↔ {self.entity}"


class AdjustmentKind(models.TextChoices):
    ASSIGN = "assign", _("Assigned")
    TRANSFER = "transfer", _("Transferred")
    ESCALATE = "escalate", _("Escalated (提级包保)")
    END = "end", _("Holding ended")
    ZONE_ASSIGN = "zone_assign", _("Held through zone (分片包保)")
    ZONE_END = "zone_end", _("Zone holding ended")
    CADRE_LEFT = "cadre_left", _("Cadre left post")
    REGRADE = "regrade", _("Business regraded")
    ENTITY_STATUS = "entity_status", _("Business status changed")
    ENTITY_CLOSED = "entity_closed", _("Business closed")


class AdjustmentQuerySet(ScopedQuerySet):
    area_path = "entity__division_path"
    cadre_fields = ("from_cadre_id", "to_cadre_id")

    def update(self, **kwargs):
        raise TypeError("The adjustment ledger is append-only: rows are never updated.")

    def delete(self):
        raise TypeError("The adjustment ledger is append-only: rows are never deleted.")


class Adjustment(models.Model):  # 包保干部动态调整台账
    """One row of the dynamic adjustment ledger. Written once by a service, never changed."""

    kind = models.CharField(_("kind"), max_length=20, choices=AdjustmentKind.choices)
    entity = models.ForeignKey(
        Entity,
        on_delete=models.PROTECT,
        related_name="adjustments",
        verbose_name=_("food business"),
        db_index=False,
    )
    from_cadre = models.ForeignKey(
        Cadre,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("from cadre"),
    )
    to_cadre = models.ForeignKey(
        Cadre,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("to cadre"),
    )
    zone = models.ForeignKey(
        Zone,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("zone"),
    )
    old_grade = models.CharField(_("old grade"), max_length=1, choices=Grade.choices, blank=True)
    new_grade = models.CharField(_("new grade"), max_length=1, choices=Grade.choices, blank=True)
    reason = models.CharField(_("reason"), max_length=255)
    effective_date = models.DateField(_("effective date"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = AdjustmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("adjustment")
        verbose_name_plural = _("adjustment ledger")
        ordering = ["-effective_date", "-id"]
        indexes = [
            models.Index(fields=["effective_date", "kind"], name="adjustment_date_kind"),
            models.Index(fields=["entity", "effective_date"], name="adjustment_entity_date"),
            # The ledger page (/adjustments/): newest first, and narrowed by kind. A cadre filter
            # uses the from_cadre and to_cadre foreign-key indexes.
            models.Index(fields=["effective_date", "id"], name="adjustment_date_id"),
            models.Index(fields=["kind", "effective_date"], name="adjustment_kind_date"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.entity_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("The adjustment ledger is append-only: rows are never updated.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("The adjustment ledger is append-only: rows are never deleted.")


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
