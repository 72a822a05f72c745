"""Issues found in visits (问题与处理), their status flow and event history."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from baobao.scoping import ScopedQuerySet
from baobao.uploads import private_upload_name
from cadres.models import Assignment
from entities.models import Entity
from inspections.models.visits import Visit, VisitCheck


class IssueSeverity(models.TextChoices):
    MINOR = "minor", _("Minor")
    GENERAL = "general", _("General")
    SERIOUS = "serious", _("Serious")


# The rectification periods (days) by severity a new ReminderPolicy starts with; the office edits
# them in the admin, the visit form proposes them, and an issue raised without a deadline gets one.
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
            # The ledger's seek paging: its order, alone and after the status filter.
            models.Index(fields=["-created_at", "-id"], name="issue_seek"),
            models.Index(fields=["status", "-created_at", "-id"], name="issue_status_seek"),
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
    # The rectification report form's key (the phone may send it twice); empty for office changes.
    idempotency_key = models.UUIDField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("issue event")
        verbose_name_plural = _("issue events")
        ordering = ["issue", "at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["idempotency_key"], name="issueevent_unique_idempotency_key"
            ),
        ]

    def __str__(self):
        return f"{self.from_status or '-'} → {self.to_status}"


class IssueEventPhoto(models.Model):
    """A further evidence photo of an event (a business's fix report carries several)."""

    event = models.ForeignKey(IssueEvent, on_delete=models.PROTECT, related_name="photos")
    image = models.ImageField(_("evidence photo"), upload_to=issue_photo_upload_to, max_length=200)

    class Meta:
        verbose_name = _("evidence photo")
        verbose_name_plural = _("evidence photos")
        ordering = ["event", "id"]

    def __str__(self):
        return self.image.name
