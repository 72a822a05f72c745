"""The cross-cutting core: the administrative division tree, users with a role and a scope, and
the notifications they receive with their deliveries by e-mail and SMS."""

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from baobao import clock
from baobao.divisions import division_change_check, path_copies_update
from baobao.scoping import scope_divisions


class Level(models.IntegerChoices):
    """Administrative level, highest first: a smaller number is a higher level."""

    PROVINCE = 1, _("Province")
    CITY = 2, _("City")
    COUNTY = 3, _("County")
    TOWNSHIP = 4, _("Township")
    VILLAGE = 5, _("Village")


# How many leading digits of the 12-digit statistical code identify a division at each level:
# 52 / 5206 / 520602 / 520602001 / 520602001001.
PATH_DIGITS = {
    Level.PROVINCE: 2,
    Level.CITY: 4,
    Level.COUNTY: 6,
    Level.TOWNSHIP: 9,
    Level.VILLAGE: 12,
}


class DivisionQuerySet(models.QuerySet):
    def subtree(self, division):
        """The division and everything below it, in one indexed prefix query."""
        return self.filter(path__startswith=division.path)

    def for_user(self, user):
        return scope_divisions(self, user)


class Division(models.Model):  # 行政区划
    code = models.CharField(_("code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=64)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    # Materialised path: the significant prefix of the code (see PATH_DIGITS); a subtree is
    # every row whose path starts with the root's path.
    path = models.CharField(_("path"), max_length=12, unique=True, editable=False)

    objects = DivisionQuerySet.as_manager()

    class Meta:
        verbose_name = _("administrative division")
        verbose_name_plural = _("administrative divisions")
        ordering = ["code"]
        indexes = [
            models.Index(
                fields=["path"], name="division_path_prefix", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(fields=["parent", "name"], name="division_parent_name"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__gte=Level.PROVINCE) & Q(level__lte=Level.VILLAGE),
                name="division_level_valid",
            ),
            models.CheckConstraint(
                condition=Q(level=Level.PROVINCE, parent__isnull=True)
                | Q(level__gt=Level.PROVINCE, parent__isnull=False),
                name="division_parent_unless_province",
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.path = self.path_for(self.code, self.level)
        before = None if self._state.adding else division_change_check(self)
        super().save(*args, **kwargs)
        if before is not None and before != self.path:
            # The businesses, the public's requests and the running counts keep a copy of their
            # division's path (``division_path``): a re-coded division takes them along.
            path_copies_update(division_id=self.pk, path=self.path)

    def clean(self):
        super().clean()
        division_change_check(self)

    @staticmethod
    def path_for(code: str, level: int) -> str:
        return code[: PATH_DIGITS[Level(level)]]

    def contains(self, other: "Division") -> bool:
        """True when ``other`` is this division or lies below it."""
        return other.path.startswith(self.path)

    def ancestors(self):
        """This division's ancestors, highest first, in one query."""
        prefixes = [self.path[:n] for lvl, n in PATH_DIGITS.items() if lvl < self.level]
        return Division.objects.filter(path__in=prefixes).order_by("level")


class Role(models.TextChoices):
    PROVINCE_OFFICE = "province_office", _("Province office")
    CITY_OFFICE = "city_office", _("City office")
    COUNTY_OFFICE = "county_office", _("County office")
    TOWNSHIP_OFFICE = "township_office", _("Township office")
    CADRE = "cadre", _("Cadre")
    ASSISTANT = "assistant", _("Assistant (协保员)")
    LIAISON = "liaison", _("Liaison (联络员)")
    ADMIN = "admin", _("System administrator")
    # Separation of duties (等保 三员): policies, locks and second factors; the audit log.
    SECURITY_ADMIN = "security_admin", _("Security administrator")
    AUDITOR = "auditor", _("Auditor")
    # A business's own people (主要负责人 / 食品安全总监 / 食品安全员): they see their own
    # business(es) only, through the business side's pages (the enterprises app).
    BUSINESS = "business", _("Business user")


OFFICE_ROLES = {Role.PROVINCE_OFFICE, Role.CITY_OFFICE, Role.COUNTY_OFFICE, Role.TOWNSHIP_OFFICE}
# Office roles that keep the registers; the province office only reads roll-up figures.
REGISTER_WRITER_ROLES = {Role.CITY_OFFICE, Role.COUNTY_OFFICE, Role.TOWNSHIP_OFFICE, Role.ADMIN}
OFFICE_ROLE_LEVEL = {
    Role.PROVINCE_OFFICE: Level.PROVINCE,
    Role.CITY_OFFICE: Level.CITY,
    Role.COUNTY_OFFICE: Level.COUNTY,
    Role.TOWNSHIP_OFFICE: Level.TOWNSHIP,
}


class BaobaoUserManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        """A superuser is the system admin, who has no division scope."""
        extra_fields.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    role = models.CharField(
        _("role"), max_length=20, choices=Role.choices, default=Role.COUNTY_OFFICE
    )
    division = models.ForeignKey(
        Division,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("scope division"),
    )
    # A cadre's own login.
    cadre = models.OneToOneField(
        "cadres.Cadre",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="user",
        verbose_name=_("cadre"),
    )
    # A 协保员's or 联络员's login: the aide record names the cadre they work for.
    aide = models.OneToOneField(
        "cadres.CadreAide",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="user",
        verbose_name=_("assistant or liaison"),
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    objects = BaobaoUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=~Q(role__in=sorted(OFFICE_ROLES)) | Q(division__isnull=False),
                name="user_office_has_division",
            ),
            models.CheckConstraint(
                condition=~Q(role=Role.CADRE) | Q(cadre__isnull=False),
                name="user_cadre_has_cadre",
            ),
            models.CheckConstraint(
                condition=~Q(role__in=[Role.ASSISTANT, Role.LIAISON]) | Q(aide__isnull=False),
                name="user_aide_has_aide",
            ),
        ]

    @property
    def is_office(self) -> bool:
        return self.role in OFFICE_ROLES

    @property
    def is_system_admin(self) -> bool:
        return self.role == Role.ADMIN or self.is_superuser

    @property
    def can_write_registers(self) -> bool:
        return self.is_system_admin or self.role in REGISTER_WRITER_ROLES

    @property
    def is_business(self) -> bool:
        return self.role == Role.BUSINESS

    @property
    def acting_cadre_id(self) -> int | None:
        """The cadre whose work this user does: themselves, or the cadre they assist."""
        if self.role == Role.CADRE:
            return self.cadre_id
        if self.role in (Role.ASSISTANT, Role.LIAISON) and self.aide_id:
            return self.aide.cadre_id
        return None


# --- notifications (督导提醒与预警 as delivered) --------------------------------------------------


class NotificationKind(models.TextChoices):
    QUARTER_START = "quarter_start", _("Quarter's task")
    IN_QUARTER = "in_quarter", _("Supervision reminder")
    QUARTER_END_OVERDUE = "quarter_end_overdue", _("Overdue supervision warning")
    ISSUE_DEADLINE_SOON = "issue_deadline_soon", _("Rectification deadline near")
    ISSUE_OVERDUE = "issue_overdue", _("Rectification overdue")
    COVERAGE_GAP = "coverage_gap", _("Coverage gap")
    SYSTEM_ALARM = "system_alarm", _("System alarm")
    SELF_CHECK_MISSING = "self_check_missing", _("Self-management record missing")
    SELF_CHECK_DIGEST = "self_check_digest", _("Businesses missing self-management records")
    PUBLIC_REQUEST = "public_request", _("Public request")
    PUBLIC_REQUEST_DUE = "public_request_due", _("Public request deadline near")
    PUBLIC_REQUEST_OVERDUE = "public_request_overdue", _("Public request overdue")


class NotificationQuerySet(models.QuerySet):
    def for_user(self, user):
        """Everyone sees only their own messages, the admin included."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(recipient=user)

    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):  # 提醒 / 预警
    """One message to one user: the in-app inbox row, written whatever the other channels do.

    ``key`` is deterministic (kind:recipient:subject:period) and unique, so a job run twice, two
    workers at once, or a retry after a crash can never write the same message twice.
    """

    recipient = models.ForeignKey(
        "baobao.User",
        on_delete=models.PROTECT,
        related_name="notifications",
        verbose_name=_("recipient"),
        db_index=False,
    )
    kind = models.CharField(_("kind"), max_length=24, choices=NotificationKind.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"))
    link = models.CharField(_("link"), max_length=300, blank=True)
    key = models.CharField(_("key"), max_length=200, unique=True)
    created_at = models.DateTimeField(_("sent at"), default=clock.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The inbox, newest first, keyset-paged.
            models.Index(
                "recipient",
                models.F("created_at").desc(),
                models.F("id").desc(),
                name="notification_inbox",
            ),
            # The header's unread count: only unread rows are in this index.
            models.Index(
                fields=["recipient"],
                condition=Q(read_at__isnull=True),
                name="notification_unread",
            ),
        ]

    def __str__(self):
        return self.title


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    # Committed just before the SMTP/SMS call: a row still "sending" after the lease belongs to a
    # worker that died mid-call, and is tried again (at most that one message goes twice).
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    RETRYING = "retrying", _("Failed, will retry")
    # Final: still failing at the end of NOTIFY_RETRY_HORIZON_HOURS; last_error says why.
    FAILED = "failed", _("Failed")


# The statuses the delivery task picks up when next_attempt_at has come.
DELIVERY_DUE_STATUSES = ["pending", "sending", "retrying"]


class Delivery(models.Model):
    """A notification sent over one outside channel; retried with backoff until sent or, at the
    end of the retry horizon, failed."""

    notification = models.ForeignKey(
        Notification,
        on_delete=models.PROTECT,
        related_name="deliveries",
        verbose_name=_("notification"),
        db_index=False,
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    # The e-mail address or phone number when the notification was written.
    address = models.CharField(_("address"), max_length=254)
    status = models.CharField(
        _("status"), max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    # When the current attempt began (status "sending"): the claim a dead worker leaves behind.
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    # A failure after this is final; empty: created_at + NOTIFY_RETRY_HORIZON_HOURS. A retry
    # from the delivery log starts a fresh horizon.
    retry_until = models.DateTimeField(_("retry until"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=clock.now)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [
            # What the delivery task picks up: only rows still to be sent are in this index.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status__in=DELIVERY_DUE_STATUSES),
                name="delivery_due",
            ),
            models.Index(fields=["status", "channel"], name="delivery_status_channel"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel"], name="delivery_one_per_channel"
            ),
        ]

    def __str__(self):
        return f"{self.get_channel_display()} → {self.address}"


from baobao.ops_models import Alarm, Heartbeat, Outbox  # noqa: E402, F401  (tables of the core)
