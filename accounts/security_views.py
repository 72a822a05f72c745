"""The security administrator's desk (安全管理员): locked-out sign-ins to release, second factors
to reset. Nobody else opens it, and it shows no business data."""

from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import SmsDevice
from audit.models import AuditKind, AuditResult
from audit.services import audit_record
from baobao.models import Role, User


class UsernameForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("Username"), max_length=150)


def _require_security_admin(user):
    if user.role != Role.SECURITY_ADMIN:
        raise PermissionDenied(_("This page is for the security administrator."))


@login_required
@require_GET
def security_home(request):
    _require_security_admin(request.user)
    locked = AccessAttempt.objects.filter(
        failures_since_start__gte=settings.AXES_FAILURE_LIMIT
    ).order_by("-attempt_time")[:200]
    return render(
        request,
        "accounts/security.html",
        {"locked": locked, "form": UsernameForm(), "policy": _policy()},
    )


def _policy() -> dict:
    return {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_hours": settings.AXES_COOLOFF_TIME,
        "idle_minutes": settings.SESSION_IDLE_SECONDS // 60,
        "max_age_days": settings.PASSWORD_MAX_AGE_DAYS,
        "two_factor_roles": [Role(role).label for role in settings.TWO_FACTOR_ROLES],
        "first_login_change": settings.PASSWORD_FIRST_LOGIN_CHANGE,
    }


@login_required
@require_POST
def unlock(request):
    _require_security_admin(request.user)
    username = request.POST.get("username", "")
    count = axes_reset(username=username)
    audit_record(kind=AuditKind.UNLOCK, request=request, target=username, attempts=count)
    messages.success(request, _("%(name)s can sign in again.") % {"name": username})
    return redirect("accounts:security")


@login_required
@require_POST
def otp_reset(request):
    """Remove a user's second factors: they enrol again at their next sign-in."""
    _require_security_admin(request.user)
    form = UsernameForm(request.POST)
    user = None
    if form.is_valid():
        user = User.objects.filter(username=form.cleaned_data["username"]).first()
    if user is None:
        audit_record(
            kind=AuditKind.OTP_RESET,
            request=request,
            target=request.POST.get("username", ""),
            result=AuditResult.FAILURE,
        )
        messages.error(request, _("There is no user with that username."))
        return redirect("accounts:security")
    with transaction.atomic():
        for model in (TOTPDevice, StaticDevice, SmsDevice):
            model.objects.filter(user=user).delete()
        audit_record(kind=AuditKind.OTP_RESET, request=request, target=user)
    messages.success(
        request, _("%(name)s will enrol a second factor again.") % {"name": user.username}
    )
    return redirect("accounts:security")
