"""A business's own side (主体责任, SAMR Order 60): its people's accounts, the office's policy of
which records it keeps, the daily check items, and the records themselves (日管控 / 周排查 /
月调度), append-only."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from baobao.models import Division
from baobao.scoping import ScopedQuerySet
from baobao.uploads import private_upload_name
from cadres.models import Assignment
from entities.models import BusinessType, Entity, Grade


class Position(models.TextChoices):  # 企业岗位
    HEAD = "head", _("Principal (主要负责人)")
    DIRECTOR = "director", _("Food safety director (食品安全总监)")
    OFFICER = "officer", _("Food safety officer (食品安全员)")


class Membership(models.Model):  # 企业账号: a business user's place in one business
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("user"),
    )
    entity = models.ForeignKey(
        Entity, on_delete=models.PROTECT, related_name="members", verbose_name=_("food business")
    )
    position = models.CharField(_("position"), max_length=10, choices=Position.choices)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("business account")
        verbose_name_plural = _("business accounts")
        ordering = ["entity", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "entity"], name="membership_user_entity"),
        ]

    def __str__(self):
        return f"{self.entity}: {self.user} ({self.get_position_display()})"


class RecordKind(models.TextChoices):
    DAILY = "daily", _("Daily check (日管控)")
    WEEKLY = "weekly", _("Weekly screening report (周排查)")
    MONTHLY = "monthly", _("Monthly scheduling minutes (月调度)")


class Requirement(models.TextChoices):
    FULL = "full", _("Daily, weekly and monthly")
    DAILY_ONLY = "daily_only", _("Daily checks only")
    EXEMPT = "exempt", _("Exempt")


REQUIRED_KINDS = {
    Requirement.FULL: (RecordKind.DAILY, RecordKind.WEEKLY, RecordKind.MONTHLY),
    Requirement.DAILY_ONLY: (RecordKind.DAILY,),
    Requirement.EXEMPT: (),
}


class RecordPolicy(models.Model):  # 主体责任落实要求: which businesses keep which records
    """An office's rule for a business type and grade (blank means any) in its area; no area is
    the default shipped with the system. For a business, the nearest area with a rule that
    matches decides (county, then city, then province, then the default), and within an area
    the most specific rule (type and grade, then type, then grade, then the catch-all); none at
    all means FULL. A rule withdrawn is kept inactive, and every change is in ``history``."""

    division = models.ForeignKey(
        Division,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("area"),
    )
    business_type = models.CharField(
        _("business type"), max_length=20, choices=BusinessType.choices, blank=True
    )
    grade = models.CharField(_("grade"), max_length=1, choices=Grade.choices, blank=True)
    requirement = models.CharField(
        _("requirement"), max_length=12, choices=Requirement.choices, default=Requirement.FULL
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    is_active = models.BooleanField(_("in force"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("self-management policy")
        verbose_name_plural = _("self-management policies")
        ordering = ["division", "business_type", "grade"]
        constraints = [
            models.UniqueConstraint(
                fields=["division", "business_type", "grade"],
                name="recordpolicy_unique_in_area",
                nulls_distinct=False,
            ),
        ]

    def __str__(self):
        return f"{self.business_type or '*'}/{self.grade or '*'}: {self.get_requirement_display()}"


class DailyCheckItem(models.Model):  # 每日检查项目, by business type; edited like the checklists
    """A check of the daily record. The default list has no area; an office adds its own items
    for its area. An item is never deleted: it is taken out of use (``is_active``)."""

    division = models.ForeignKey(
        Division,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("area"),
    )
    business_types = models.JSONField(_("business types"), default=list, blank=True)
    text = models.CharField(_("check"), max_length=200)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("daily check item")
        verbose_name_plural = _("daily check items")
        ordering = ["order", "id"]

    def __str__(self):
        return self.text

    def applies_to(self, entity: Entity) -> bool:
        in_area = self.division_id is None or entity.division_path.startswith(self.division.path)
        return in_area and (not self.business_types or entity.business_type in self.business_types)


class RecordQuerySet(ScopedQuerySet):
    area_path = "entity__division_path"

    @classmethod
    def held(cls, cadre_id: int) -> Q:
        """The records of the businesses the cadre holds now."""
        held = Assignment.objects.filter(cadre_id=cadre_id, end_date__isnull=True)
        return Q(entity_id__in=held.values("entity_id"))

    @classmethod
    def member(cls, user_id: int) -> Q:
        """A business user's own businesses' records."""
        own = Membership.objects.filter(user_id=user_id, is_active=True)
        return Q(entity_id__in=own.values("entity_id"))


class Record(models.Model):  # 日管控 / 周排查 / 月调度 记录
    """One submitted record. Never changed once written: a correction is a new record whose
    ``corrects`` names the old one. ``period_start`` is the day (daily), the Monday (weekly) or
    the first of the month (monthly) the record is for. ``content`` holds the form's answers."""

    entity = models.ForeignKey(
        Entity, on_delete=models.PROTECT, related_name="self_records", verbose_name=_("business")
    )
    kind = models.CharField(_("kind"), max_length=8, choices=RecordKind.choices)
    period_start = models.DateField(_("for"))
    content = models.JSONField(_("content"), default=dict)
    problems = models.PositiveSmallIntegerField(_("problems found"), default=0)
    open_problems = models.PositiveSmallIntegerField(_("problems still open"), default=0)
    corrects = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
        verbose_name=_("corrects"),
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted at"))
    idempotency_key = models.UUIDField(null=True, blank=True, editable=False)

    objects = RecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("self-management record")
        verbose_name_plural = _("self-management records")
        ordering = ["-period_start", "-id"]
        indexes = [
            # A business's records of a kind by period: the cadre's evidence and the pages.
            models.Index(fields=["entity", "kind", "period_start"], name="record_entity_kind_day"),
            # The office's rates and the reminders: a kind's records of a period, all businesses.
            models.Index(fields=["kind", "period_start", "entity"], name="record_kind_day_entity"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["idempotency_key"], name="record_unique_idempotency_key"
            ),
            # One original per business, kind and period; corrections reference it.
            models.UniqueConstraint(
                fields=["entity", "kind", "period_start"],
                condition=Q(corrects__isnull=True),
                name="record_one_original_per_period",
            ),
        ]

    def __str__(self):
        return f"{self.entity}: {self.get_kind_display()} {self.period_start}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError(_("A submitted record cannot be changed; add a correction."))
        super().save(*args, **kwargs)


class RecordMonth(models.Model):  # 记录月汇总: the rates' summary of the records
    """Which periods of one month a business kept a record of one kind for: bit ``d - 1`` of
    ``days`` is set when an original record's ``period_start`` is day ``d`` of ``month``.
    Written by ``record_submit`` in the record's transaction; ``record_months_rebuild`` (the
    command ``enterprises_rebuild_months``) derives it again from the records. The office's
    rates read it: a few rows per business instead of one per record."""

    entity = models.ForeignKey(Entity, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=8, choices=RecordKind.choices)
    month = models.DateField()
    days = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entity", "kind", "month"], name="recordmonth_unique"),
        ]
        indexes = [
            models.Index(fields=["kind", "month", "entity"], name="recordmonth_kind_month"),
        ]

    def __str__(self):
        return f"{self.entity_id} {self.kind} {self.month:%Y-%m}: {self.days:031b}"


def record_photo_upload_to(instance, filename):
    return private_upload_name("self_records", filename)


class RecordPhoto(models.Model):
    record = models.ForeignKey(Record, on_delete=models.PROTECT, related_name="photos")
    # The daily check item's position in ``content["items"]``; None for the record as a whole.
    item = models.PositiveSmallIntegerField(null=True, blank=True)
    image = models.ImageField(_("photo"), upload_to=record_photo_upload_to, max_length=200)

    class Meta:
        ordering = ["record", "id"]

    def __str__(self):
        return self.image.name


class RateTally(models.Model):  # 完成率汇总: the active businesses of one county, type, grade
    """How many active businesses of one type and grade a county (``area_path``: the county
    part of their divisions' paths) has: the rates' denominators of the city and province
    pages. Kept with ``RateDays`` by ``enterprises.rollup`` in the transaction of every change
    of a business or a record; ``rate_rollup_rebuild`` derives both again."""

    area_path = models.CharField(max_length=12)
    business_type = models.CharField(max_length=20)
    grade = models.CharField(max_length=1)
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["area_path", "business_type", "grade"], name="ratetally_unique"
            ),
        ]
        indexes = [
            models.Index(
                fields=["area_path"], name="ratetally_path", opclasses=["varchar_pattern_ops"]
            ),
        ]

    def __str__(self):
        return f"{self.area_path} {self.business_type} {self.grade}: {self.n}"


class RateDays(models.Model):  # 完成率汇总: the kept days of one county, type, grade, kind, month
    """Of the active businesses of one county, type and grade, how many kept a record of
    ``kind`` for each day of ``month``: ``days[d - 1]`` counts the ``RecordMonth`` bits of day
    ``d``. A city's or province's rates sum these rows, whatever its number of businesses."""

    area_path = models.CharField(max_length=12)
    business_type = models.CharField(max_length=20)
    grade = models.CharField(max_length=1)
    kind = models.CharField(max_length=8, choices=RecordKind.choices)
    month = models.DateField()
    days = ArrayField(models.IntegerField(), size=31)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["area_path", "business_type", "grade", "kind", "month"],
                name="ratedays_unique",
            ),
        ]
        indexes = [
            models.Index(
                fields=["area_path", "month"],
                name="ratedays_path_month",
                opclasses=["varchar_pattern_ops", "date_ops"],
            ),
        ]

    def __str__(self):
        return f"{self.area_path} {self.business_type} {self.grade} {self.kind} {self.month}"
