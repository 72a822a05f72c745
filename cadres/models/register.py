"""The register: cadres (包保干部), their 协保员/联络员, zones (分片包保), holdings (包保关系) and the
adjustment ledger (动态调整台账)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from baobao.models import Division, Level
from baobao.scoping import ScopedQuerySet
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
