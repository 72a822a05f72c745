"""What the audit log hears without anyone calling it: Django's sign-in signals, axes' lockouts,
changes to users' roles, scope and status, and every change made on the administration site."""

from axes.signals import user_locked_out
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from audit.context import current_request
from audit.models import AuditKind, AuditResult
from audit.services import audit_record

User = get_user_model()
# The fields whose change is a change of what the account may do.
_POWER_FIELDS = ("role", "division_id", "cadre_id", "aide_id", "is_staff", "is_superuser")
_WATCHED = {field.removesuffix("_id") for field in _POWER_FIELDS} | {"is_active"}


@receiver(user_logged_in, dispatch_uid="audit_login")
def _logged_in(sender, request, user, **kwargs):
    audit_record(kind=AuditKind.LOGIN, request=request, user=user, target=user.get_username())
    if user.is_superuser:
        # The superuser is for installation only: every use of it stands out in the log.
        audit_record(kind=AuditKind.SUPERUSER_LOGIN, request=request, user=user)


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    username = (credentials or {}).get("username", "")
    audit_record(
        kind=AuditKind.LOGIN_FAILED,
        request=request,
        username=username,
        target=username,
        result=AuditResult.FAILURE,
    )


@receiver(user_logged_out, dispatch_uid="audit_logout")
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit_record(kind=AuditKind.LOGOUT, request=request, user=user)


@receiver(user_locked_out, dispatch_uid="audit_lockout")
def _locked_out(sender, request, username, ip_address, **kwargs):
    audit_record(
        kind=AuditKind.LOCKOUT,
        request=request,
        username=username or "",
        target=username or "",
        ip=ip_address,
        result=AuditResult.FAILURE,
    )


@receiver(pre_save, sender=User, dispatch_uid="audit_user_before")
def _user_before(sender, instance, raw=False, update_fields=None, **kwargs):
    """Remember what the row held, unless the save cannot touch a watched field (a sign-in
    stamps ``last_login`` only: no extra query then)."""
    if raw or instance.pk is None:
        return
    if update_fields is not None and not _WATCHED & {f.removesuffix("_id") for f in update_fields}:
        return
    old = sender.objects.filter(pk=instance.pk).values(*_POWER_FIELDS, "is_active").first()
    instance._audit_before = old


@receiver(post_save, sender=User, dispatch_uid="audit_user_after")
def _user_after(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    request = current_request()
    by = getattr(request, "user", None) if request is not None else None
    if created:
        audit_record(
            kind=AuditKind.USER_CREATE,
            request=request,
            user=by,
            target=instance.get_username(),
            role=instance.role,
            division=instance.division_id,
        )
        return
    old = getattr(instance, "_audit_before", None)
    instance._audit_before = None
    if not old:
        return
    changed = {
        field: [old[field], getattr(instance, field)]
        for field in _POWER_FIELDS
        if old[field] != getattr(instance, field)
    }
    if changed:
        audit_record(
            kind=AuditKind.ROLE_CHANGE,
            request=request,
            user=by,
            target=instance.get_username(),
            **changed,
        )
    if old["is_active"] != instance.is_active:
        audit_record(
            kind=AuditKind.USER_ACTIVATE if instance.is_active else AuditKind.USER_DEACTIVATE,
            request=request,
            user=by,
            target=instance.get_username(),
        )


def _admin_logged(action):
    """Wrap a ModelAdmin log method: the admin's own LogEntry, and one audit row beside it."""
    original = getattr(admin.ModelAdmin, action)

    def logged(self, request, obj, *args):
        entry = original(self, request, obj, *args)
        many = action == "log_deletions"
        audit_record(
            kind=AuditKind.ADMIN_CHANGE,
            request=request,
            target=self.opts.label_lower if many else f"{self.opts.label_lower}:{obj.pk} {obj}",
            action=action.removeprefix("log_"),
            count=obj.count() if many else 1,
            message=str(args[0]) if args and not many else "",
        )
        return entry

    logged.__wrapped__ = original
    setattr(admin.ModelAdmin, action, logged)


for _action in ("log_addition", "log_change", "log_deletions"):
    _admin_logged(_action)
