"""The security audit log (安全审计): one append-only row per security-relevant event.

The database refuses an UPDATE of any row and a DELETE of a row younger than
``RETENTION_FLOOR_DAYS`` (triggers installed by migration 0002), so neither the application,
the system administrator nor someone at a database prompt can quietly rewrite it.

The model is unmanaged: its table is created by migration 0001 and never flushed, truncated or
altered by Django's own machinery (a test run's flush skips it; a schema change is a
hand-written migration that keeps the triggers).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from baobao import clock

# The triggers refuse to delete a row younger than this; the purge keeps AUDIT_RETENTION_DAYS,
# which settings refuse to set lower.
RETENTION_FLOOR_DAYS = 180


class AuditKind(models.TextChoices):
    LOGIN = "login", _("Sign-in")
    LOGIN_FAILED = "login_failed", _("Failed sign-in")
    LOGOUT = "logout", _("Sign-out")
    LOCKOUT = "lockout", _("Account locked out")
    UNLOCK = "unlock", _("Account unlocked")
    SUPERUSER_LOGIN = "superuser_login", _("Superuser sign-in")
    SESSION_IDLE = "session_idle", _("Session ended after inactivity")
    OTP_ENROL = "otp_enrol", _("Two-factor enrolment")
    OTP_VERIFY = "otp_verify", _("Two-factor check")
    OTP_RESET = "otp_reset", _("Two-factor reset")
    PASSWORD_CHANGE = "password_change", _("Password change")
    PASSWORD_RESET = "password_reset", _("Password reset")
    USER_CREATE = "user_create", _("User created")
    USER_DEACTIVATE = "user_deactivate", _("User deactivated")
    USER_ACTIVATE = "user_activate", _("User reactivated")
    ROLE_CHANGE = "role_change", _("Role or scope change")
    EXPORT = "export", _("Export")
    IMPORT = "import", _("Import")
    BULK_TRANSFER = "bulk_transfer", _("Bulk transfer")
    PUBLIC_TRIAGE = "public_triage", _("Public request triage")
    PUBLIC_REPLY = "public_reply", _("Public request reply")
    ADMIN_CHANGE = "admin_change", _("Administration site change")
    PERSONAL_VIEW = "personal_view", _("Personal data viewed")
    AUDIT_EXPORT = "audit_export", _("Audit log export")


class AuditResult(models.TextChoices):
    SUCCESS = "success", _("Success")
    FAILURE = "failure", _("Failure")


class AuditEvent(models.Model):  # 安全审计记录
    at = models.DateTimeField(_("time"), default=clock.now, db_index=True)
    kind = models.CharField(_("event"), max_length=24, choices=AuditKind.choices)
    # No foreign-key constraint: a row must never change, not even when a user row does.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    # The name as typed or held at the time (a failed sign-in has no user row).
    username = models.CharField(_("username"), max_length=150, blank=True, db_index=True)
    ip = models.GenericIPAddressField(_("source address"), null=True, blank=True)
    target = models.CharField(_("target"), max_length=300, blank=True)
    result = models.CharField(
        _("result"), max_length=8, choices=AuditResult.choices, default=AuditResult.SUCCESS
    )
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-id"]
        managed = False
        db_table = "audit_auditevent"
        indexes = [models.Index(fields=["kind", "at"], name="audit_kind_at")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.get_kind_display()} {self.username}"
