"""The public side (社会共治): what an office publishes on a business's card, the public's
requests (随手拍) and their history, 你点我查 campaigns with their nominations and votes, and the
office's block list.

Glossary: 公示设置 PublicationSetting, 随手拍/群众诉求 PublicRequest, 处理记录 RequestEvent,
你点我查 Campaign, 提名 Nomination, 投票 Vote, 黑名单 BlockEntry.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from baobao import clock
from baobao.scoping import ScopedQuerySet
from baobao.uploads import private_upload_name

DEFAULT_DUTIES = _(
    "Supervise the business's own food-safety responsibility (日管控、周排查、月调度), visit it "
    "at least once a quarter, and follow every problem found to its fix."
)


class PublicationSetting(models.Model):  # 公示设置
    """What an office publishes about the cadres of its area on the public card and the printed
    board. The nearest office above a business decides; without any, the defaults (no phones)."""

    division = models.OneToOneField(
        "baobao.Division",
        on_delete=models.PROTECT,
        related_name="publication",
        verbose_name=_("office area"),
    )
    show_post = models.BooleanField(_("publish the cadre's post"), default=True)
    show_unit = models.BooleanField(_("publish the cadre's unit"), default=True)
    show_cadre_phone = models.BooleanField(_("publish the cadre's phone"), default=False)
    show_aides = models.BooleanField(_("publish the 协保员"), default=True)
    show_aide_phone = models.BooleanField(_("publish the 协保员's phone"), default=False)
    contact_phone = models.CharField(
        _("office contact line"), max_length=40, blank=True, help_text=_("e.g. the office's line")
    )
    duties = models.TextField(_("duties"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("publication setting")
        verbose_name_plural = _("publication settings")

    def __str__(self):
        return str(self.division)


class RequestCategory(models.TextChoices):
    HYGIENE = "hygiene", _("Poor hygiene")
    EXPIRED = "expired", _("Expired or spoiled food")
    LICENCE = "licence", _("No licence or licence not displayed")
    HEALTH = "health", _("Staff without health certificate")
    ADDITIVE = "additive", _("Illegal additives")
    OTHER = "other", _("Other")


class RequestStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    ASSIGNED = "assigned", _("Assigned to a cadre")
    HANDLED = "handled", _("Handled, reply awaiting approval")
    CLOSED = "closed", _("Replied and closed")
    REJECTED = "rejected", _("Rejected")
    MERGED = "merged", _("Merged into another request")


OPEN_STATUSES = (RequestStatus.RECEIVED, RequestStatus.ASSIGNED, RequestStatus.HANDLED)


class RequestSource(models.TextChoices):
    REPORT = "report", _("随手拍")
    CAMPAIGN = "campaign", _("你点我查")


class PublicRequestQuerySet(ScopedQuerySet):
    area_path = "division_path"
    # The holder's inbox and the assigned cadre's work list.
    cadre_fields = ("assigned_cadre_id", "holder_id")

    def overdue(self, today):
        return self.filter(status=RequestStatus.ASSIGNED, deadline__lt=today)


class PublicRequest(models.Model):  # 随手拍 / 群众诉求
    code = models.CharField(_("receipt code"), max_length=12, unique=True)
    source = models.CharField(
        _("source"), max_length=10, choices=RequestSource.choices, default=RequestSource.REPORT
    )
    # The county office whose queue it is in (the business's county, or the page's county).
    division = models.ForeignKey(
        "baobao.Division",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("request area"),
    )
    division_path = models.CharField(_("area path"), max_length=12, editable=False)
    entity = models.ForeignKey(
        "entities.Entity",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="public_requests",
        verbose_name=_("food business"),
    )
    holder = models.ForeignKey(
        "cadres.Cadre",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("holding cadre when received"),
    )
    category = models.CharField(_("category"), max_length=12, choices=RequestCategory.choices)
    text = models.TextField(_("what is wrong"), max_length=1000)
    place = models.CharField(_("location"), max_length=200, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    phone = models.CharField(_("reporter's phone"), max_length=20, blank=True)
    client_ip = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.RECEIVED
    )
    assigned_cadre = models.ForeignKey(
        "cadres.Cadre",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="public_requests",
        verbose_name=_("assigned cadre"),
    )
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name=_("duplicate of"),
    )
    visit = models.ForeignKey(
        "inspections.Visit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="public_requests",
        verbose_name=_("visit"),
    )
    handling = models.TextField(_("cadre's handling"), blank=True)
    reply = models.TextField(_("reply to the reporter"), blank=True)
    created_at = models.DateTimeField(_("received at"), default=clock.now)
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    campaign = models.ForeignKey(
        "public.Campaign",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tasks",
        verbose_name=_("campaign"),
    )

    objects = PublicRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("public request")
        verbose_name_plural = _("public requests")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The office's queue: its area, by status, newest first (keyset-paged).
            models.Index(
                "division_path",
                "status",
                models.F("id").desc(),
                name="publicrequest_queue",
            ),
            models.Index(
                fields=["deadline"],
                condition=Q(status="assigned"),
                name="publicrequest_due",
            ),
            models.Index(fields=["assigned_cadre", "status"], name="publicrequest_cadre"),
        ]

    def __str__(self):
        return self.code

    def save(self, *args, **kwargs):
        self.division_path = self.division.path
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


def request_photo_upload_to(instance, filename):
    return private_upload_name("public", filename)


class RequestPhoto(models.Model):
    request = models.ForeignKey(PublicRequest, on_delete=models.PROTECT, related_name="photos")
    image = models.ImageField(_("photo"), upload_to=request_photo_upload_to, max_length=200)
    width = models.PositiveIntegerField(editable=False, default=0)
    height = models.PositiveIntegerField(editable=False, default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.image.name


class EventKind(models.TextChoices):
    RECEIVED = "received", _("Received")
    ASSIGNED = "assigned", _("Accepted and assigned")
    MERGED = "merged", _("Merged as a duplicate")
    REJECTED = "rejected", _("Rejected")
    HANDLED = "handled", _("Handled by the cadre")
    VISITED = "visited", _("Supervision visit recorded")
    REPLIED = "replied", _("Reply approved, closed")
    REMINDED = "reminded", _("Deadline reminder sent")
    OVERDUE = "overdue", _("Overdue warning sent")


# What the reporter sees of the history (the rest is the office's).
PUBLIC_EVENT_KINDS = (
    EventKind.RECEIVED,
    EventKind.ASSIGNED,
    EventKind.MERGED,
    EventKind.REJECTED,
    EventKind.VISITED,
    EventKind.REPLIED,
)


class RequestEvent(models.Model):  # 处理记录
    request = models.ForeignKey(PublicRequest, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("step"), max_length=10, choices=EventKind.choices)
    by = models.ForeignKey(
        "baobao.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("at"), default=clock.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.request_id} {self.kind}"


class CampaignStatus(models.TextChoices):
    OPEN = "open", _("Open for nominations")
    CLOSED = "closed", _("Closed, being checked")
    PUBLISHED = "published", _("Results published")


class CampaignQuerySet(ScopedQuerySet):
    area_path = "division_path"

    @classmethod
    def held(cls, cadre_id: int) -> Q:
        """A cadre sees the campaigns that gave them a business to check."""
        return Q(tasks__assigned_cadre_id=cadre_id)

    def for_user(self, user):
        return super().for_user(user).distinct()


class Campaign(models.Model):  # 你点我查
    division = models.ForeignKey(
        "baobao.Division",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("request area"),
    )
    division_path = models.CharField(_("area path"), max_length=12, editable=False)
    theme = models.CharField(_("theme"), max_length=100)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    status = models.CharField(
        _("status"), max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.OPEN
    )
    results = models.TextField(_("results summary"), blank=True)
    created_by = models.ForeignKey(
        "baobao.User", on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="campaign_dates"
            )
        ]

    def __str__(self):
        return self.theme

    def save(self, *args, **kwargs):
        self.division_path = self.division.path
        super().save(*args, **kwargs)

    def is_open_on(self, day) -> bool:
        return self.status == CampaignStatus.OPEN and self.starts_on <= day <= self.ends_on


class Nomination(models.Model):  # 提名
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="nominations")
    entity = models.ForeignKey("entities.Entity", on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("why check it"), max_length=200, blank=True)
    votes = models.PositiveIntegerField(_("votes"), default=0)
    task = models.OneToOneField(
        PublicRequest,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="nomination",
        verbose_name=_("check task"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "entity"], name="nomination_once"),
        ]
        indexes = [models.Index(fields=["campaign", "-votes"], name="nomination_rank")]

    def __str__(self):
        return f"{self.campaign_id} {self.entity_id}"


class Vote(models.Model):  # 投票: one per business per address per day
    nomination = models.ForeignKey(Nomination, on_delete=models.PROTECT, related_name="+")
    voter = models.CharField(max_length=64)  # a keyed hash of the client address
    day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["nomination", "voter", "day"], name="vote_once_a_day"),
        ]

    def __str__(self):
        return f"{self.nomination_id} {self.day}"


class BlockKind(models.TextChoices):
    IP = "ip", _("Address")
    PHONE = "phone", _("Phone")


class BlockEntry(models.Model):  # 黑名单: office-only (public.selectors.block_list)
    division = models.ForeignKey("baobao.Division", on_delete=models.PROTECT, related_name="+")
    division_path = models.CharField(max_length=12, editable=False)
    kind = models.CharField(_("kind"), max_length=5, choices=BlockKind.choices)
    value = models.CharField(_("value"), max_length=64)
    reason = models.CharField(_("reason"), max_length=200)
    created_by = models.ForeignKey("baobao.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["division", "kind", "value"], name="block_once"),
        ]

    def __str__(self):
        return f"{self.kind} {self.value}"

    def save(self, *args, **kwargs):
        self.division_path = self.division.path
        super().save(*args, **kwargs)
