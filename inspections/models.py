"""Supervision visits (督导), checklists (督导清单), issues (问题) and their handling to closure (销号)."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from baobao.scoping import ScopedQuerySet
from baobao.uploads import private_upload_name
from cadres.models import Assignment, Cadre
from entities.models import Entity


class ChecklistTemplate(models.Model):  # 督导清单模板
    """The checklist a visit fills in, chosen by business type and grade; edited by the admin."""

    name = models.CharField(_("name"), max_length=100)
    # Empty means "any": a template for all types, or for all grades.
    business_types = models.JSONField(_("business types"), default=list, blank=True)
    grades = models.JSONField(_("grades"), default=list, blank=True)
    is_active = models.BooleanField(_("in use"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("checklist template")
        verbose_name_plural = _("checklist templates")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def applies_to(self, entity: Entity) -> bool:
        return (not self.business_types or entity.business_type in self.business_types) and (
            not self.grades or entity.grade in self.grades
        )


class ChecklistArea(models.TextChoices):  # 任务清单的四个方面 and the concrete checks
    MANAGEMENT = "management", _("Safety management system")
    ROUTINE = "routine", _("Routine prevention and control")
    EMERGENCY = "emergency", _("Emergency response")
    TRAINING = "training", _("Publicity and training")
    ON_SITE = "on_site", _("On-site checks")


class ChecklistItem(models.Model):
    template = models.ForeignKey(
        ChecklistTemplate,
        on_delete=models.CASCADE,
        related_name="items",
        verbose_name=_("template"),
    )
    area = models.CharField(_("area"), max_length=20, choices=ChecklistArea.choices)
    text = models.CharField(_("check"), max_length=200)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["template", "order", "id"]

    def __str__(self):
        return self.text


class VisitQuerySet(ScopedQuerySet):
    area_path = "entity__division_path"
    cadre_fields = ("cadre_id",)

    def update(self, **kwargs):
        raise TypeError("A submitted visit is immutable: append a remark instead.")


class Visit(models.Model):  # 督导记录
    """One supervision visit. Immutable once submitted; corrections are appended as remarks."""

    entity = models.ForeignKey(
        Entity, on_delete=models.PROTECT, related_name="visits", verbose_name=_("food business")
    )
    # The cadre the visit counts for; logged_by may be their 协保员 or 联络员.
    cadre = models.ForeignKey(
        Cadre, on_delete=models.PROTECT, related_name="visits", verbose_name=_("cadre")
    )
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("logged by"),
    )
    visited_at = models.DateTimeField(_("visited at"))
    # Quarter.code of visited_at in local time (20263 = 2026 Q3): the quarter the visit counts for.
    quarter = models.PositiveIntegerField(_("quarter"), editable=False)
    on_site = models.BooleanField(_("on site"), default=True)
    companions = models.CharField(_("came along"), max_length=200, blank=True)
    findings = models.TextField(_("findings"), blank=True)
    template = models.ForeignKey(
        ChecklistTemplate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("checklist"),
    )
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    accuracy_m = models.PositiveIntegerField(_("location accuracy (m)"), null=True, blank=True)
    # One per visit form: a double tap or a resend of the same form never makes a second visit.
    idempotency_key = models.UUIDField(_("form key"), unique=True, editable=False)
    created_at = models.DateTimeField(_("submitted at"), auto_now_add=True)

    objects = VisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("supervision visit")
        verbose_name_plural = _("supervision visits")
        ordering = ["-visited_at", "-id"]
        indexes = [
            models.Index(fields=["entity", "quarter"], name="visit_entity_quarter"),
            models.Index(fields=["cadre", "quarter"], name="visit_cadre_quarter"),
            models.Index(fields=["quarter", "visited_at"], name="visit_quarter_time"),
        ]

    def __str__(self):
        return f"{self.entity} · {self.visited_at:%Y-%m-%d}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("A submitted visit is immutable: append a remark instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Visits are never deleted.")


class CheckResult(models.TextChoices):
    PASS = "pass", _("Pass")
    PROBLEM = "problem", _("Problem")
    NOT_APPLICABLE = "na", _("Not applicable")


class VisitCheck(models.Model):
    """One checklist line of a visit; the item's text is copied so a later template edit cannot
    change what was checked."""

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="checks")
    item = models.ForeignKey(
        ChecklistItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    area = models.CharField(_("area"), max_length=20, choices=ChecklistArea.choices)
    text = models.CharField(_("check"), max_length=200)
    result = models.CharField(_("result"), max_length=10, choices=CheckResult.choices)
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("checklist result")
        verbose_name_plural = _("checklist results")
        ordering = ["visit", "id"]

    def __str__(self):
        return f"{self.text}: {self.get_result_display()}"


def visit_photo_upload_to(instance, filename):
    return private_upload_name("visits", filename)


class VisitPhoto(models.Model):
    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="photos")
    image = models.ImageField(_("photo"), upload_to=visit_photo_upload_to, max_length=200)
    width = models.PositiveIntegerField(editable=False, default=0)
    height = models.PositiveIntegerField(editable=False, default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("visit photo")
        verbose_name_plural = _("visit photos")
        ordering = ["visit", "id"]

    def __str__(self):
        return self.image.name


class VisitRemark(models.Model):
    """A correction or addition to a submitted visit, appended, never edited."""

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="remarks")
    text = models.TextField(_("remark"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        verbose_name = _("visit remark")
        verbose_name_plural = _("visit remarks")
        ordering = ["visit", "created_at", "id"]

    def __str__(self):
        return self.text[:50]


class IssueSeverity(models.TextChoices):
    MINOR = "minor", _("Minor")
    GENERAL = "general", _("General")
    SERIOUS = "serious", _("Serious")


# Default rectification period (days) by severity; the form proposes it, the user may change it.
DEFAULT_DEADLINE_DAYS = {
    IssueSeverity.MINOR: 30,
    IssueSeverity.GENERAL: 15,
    IssueSeverity.SERIOUS: 7,
}


class IssueCategory(models.TextChoices):
    MANAGEMENT = "management", _("Safety management")
    HYGIENE = "hygiene", _("Hygiene and cleanliness")
    HEALTH_CERTIFICATES = "health", _("Staff health certificates")
    LICENCE = "licence", _("Licence and records")
    DISINFECTION = "disinfection", _("Tableware disinfection")
    STORAGE = "storage", _("Raw materials and storage")
    OTHER = "other", _("Other")


class ActorKind(models.TextChoices):  # who must act
    BUSINESS = "business", _("The business")
    REGULATOR = "regulator", _("Market regulator")
    DEPARTMENT = "department", _("Another department")


class IssueStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RECTIFYING = "rectifying", _("Rectifying")
    FIXED = "fixed", _("Fixed, awaiting verification")
    CLOSED = "closed", _("Verified and closed (销号)")


# The status flow; a reopen of a fixed or closed issue goes back to rectifying.
ISSUE_TRANSITIONS = {
    IssueStatus.OPEN: {IssueStatus.RECTIFYING, IssueStatus.FIXED},
    IssueStatus.RECTIFYING: {IssueStatus.FIXED},
    IssueStatus.FIXED: {IssueStatus.CLOSED, IssueStatus.RECTIFYING},
    IssueStatus.CLOSED: {IssueStatus.RECTIFYING},
}


class IssueQuerySet(ScopedQuerySet):
    area_path = "entity__division_path"

    @classmethod
    def held(cls, cadre_id: int) -> Q:
        """Issues raised in the cadre's visits or on a business they hold now. Both sides are id
        subqueries on the issue's own columns: an OR across a join to the visits made PostgreSQL
        join every open issue of the province (220 ms on a cadre's phone page at province
        scale)."""
        visits = Visit.objects.filter(cadre_id=cadre_id).values("pk")
        held = Assignment.objects.filter(cadre_id=cadre_id, end_date__isnull=True)
        return Q(visit_id__in=visits) | Q(entity_id__in=held.values("entity_id"))

    def overdue(self, today):
        return self.exclude(status=IssueStatus.CLOSED).filter(deadline__lt=today)


def issue_photo_upload_to(instance, filename):
    return private_upload_name("issues", filename)


class Issue(models.Model):  # 问题与处理
    entity = models.ForeignKey(
        Entity, on_delete=models.PROTECT, related_name="issues", verbose_name=_("food business")
    )
    visit = models.ForeignKey(
        Visit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="issues",
        verbose_name=_("visit"),
    )
    visit_check = models.ForeignKey(
        VisitCheck,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="issues",
        verbose_name=_("checklist item"),
    )
    category = models.CharField(_("category"), max_length=20, choices=IssueCategory.choices)
    severity = models.CharField(_("severity"), max_length=10, choices=IssueSeverity.choices)
    description = models.TextField(_("description"))
    photo = models.ImageField(
        _("photo"), upload_to=issue_photo_upload_to, blank=True, max_length=200
    )
    deadline = models.DateField(_("rectification deadline"))
    actor_kind = models.CharField(_("who must act"), max_length=20, choices=ActorKind.choices)
    actor_name = models.CharField(_("name of who must act"), max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=IssueStatus.choices, default=IssueStatus.OPEN
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("raised at"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = IssueQuerySet.as_manager()

    class Meta:
        verbose_name = _("issue")
        verbose_name_plural = _("issues")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "deadline"], name="issue_status_deadline"),
            models.Index(fields=["entity", "status"], name="issue_entity_status"),
            models.Index(fields=["created_at"], name="issue_created"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=IssueStatus.CLOSED, closed_at__isnull=False)
                | (~Q(status=IssueStatus.CLOSED) & Q(closed_at__isnull=True)),
                name="issue_closed_at_iff_closed",
            ),
        ]

    def __str__(self):
        return f"{self.entity}: {self.get_category_display()}"


class IssueEvent(models.Model):
    """Every status change of an issue, with who, when, and the evidence given. Append-only."""

    issue = models.ForeignKey(Issue, on_delete=models.PROTECT, related_name="events")
    from_status = models.CharField(max_length=12, choices=IssueStatus.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=IssueStatus.choices)
    note = models.TextField(_("note"), blank=True)
    photo = models.ImageField(
        _("evidence photo"), upload_to=issue_photo_upload_to, blank=True, max_length=200
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("issue event")
        verbose_name_plural = _("issue events")
        ordering = ["issue", "at", "id"]

    def __str__(self):
        return f"{self.from_status or '-'} → {self.to_status}"


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class ReminderPolicy(models.Model):  # 督导提醒与预警规则
    """When reminders and warnings go out: one row, edited by the admin. Beat runs every job
    daily and each job reads this row to decide whether today is a sending day, so a change
    takes effect the next morning without restarting anything."""

    quarter_start_enabled = models.BooleanField(_("send the quarter's task"), default=True)
    in_quarter_day = models.PositiveSmallIntegerField(
        _("reminder day of the 2nd and 3rd month"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(28)],
        help_text=_(
            "Cadres with unvisited businesses are reminded on this day of the quarter's "
            "second and third month."
        ),
    )
    final_weeks = models.PositiveSmallIntegerField(
        _("weekly reminders in the last weeks"),
        default=2,
        validators=[MaxValueValidator(6)],
        help_text=_("Weekly reminders in this many last weeks of the quarter (0: none)."),
    )
    final_weekday = models.PositiveSmallIntegerField(
        _("weekday of the weekly reminders"), choices=Weekday.choices, default=Weekday.MONDAY
    )
    overdue_delay_days = models.PositiveSmallIntegerField(
        _("days after quarter end for the overdue warning"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
    )
    issue_lead_days = models.PositiveSmallIntegerField(
        _("days before a rectification deadline to warn"),
        default=3,
        validators=[MaxValueValidator(60)],
    )
    issue_repeat_days = models.PositiveSmallIntegerField(
        _("days between overdue issue warnings"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
    )
    reassign_limit_working_days = models.PositiveSmallIntegerField(
        _("re-assignment limit (working days)"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    catch_up_days = models.PositiveSmallIntegerField(
        _("days a missed sending day is made up"),
        default=3,
        validators=[MaxValueValidator(14)],
        help_text=_(
            "If the jobs did not run on a sending day (a server outage), they send "
            "that day's messages on the next run within this many days."
        ),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("reminder policy")
        verbose_name_plural = _("reminder policy")

    def __str__(self):
        return str(_("Reminder policy"))

    def save(self, *args, **kwargs):
        self.pk = 1  # a singleton
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("The reminder policy is edited, never deleted.")

    @classmethod
    def load(cls) -> "ReminderPolicy":
        """The policy in force: the saved row, or the defaults when none was saved yet."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)


class HolidayKind(models.TextChoices):
    DAY_OFF = "off", _("Day off (holiday)")
    WORKING_DAY = "work", _("Make-up working day")


class Holiday(models.Model):  # 放假安排, one day of it: 休 or 班 (调休)
    """A day whose status the office entered: a day off, or a weekend made a working day (调休).
    Once a year has any row, that year's days without one are working days iff Monday to Friday,
    whatever the chinese-calendar package says (see ``inspections.reminders.days``)."""

    day = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=4, choices=HolidayKind.choices)
    name = models.CharField(
        _("holiday name"), max_length=50, help_text=_("As in the notice, e.g. 春节 or 国庆节.")
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("holiday arrangement")
        verbose_name_plural = _("holiday arrangements")
        ordering = ["day"]

    def __str__(self):
        return f"{self.day.isoformat()} {self.name} ({self.get_kind_display()})"
