"""The gate every signed-in request passes: the idle timeout, then the second factor, then a
password that must be changed. It reads the session only (no query), which the sign-in filled."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.policy import idle_timeout_seconds
from audit.models import AuditKind, AuditResult
from audit.services import audit_record

SEEN = "accounts.seen"  # the instant of the last request (epoch seconds)
PASSWORD = "accounts.password_change"  # why the password must change first ("" when not)
OTP = "accounts.otp"  # "verify" or "enrol" until the second factor is passed
OTP_VERIFY = "verify"
OTP_ENROL = "enrol"
# The pages a gated session may still open, by URL name.
OPEN = {
    "login",
    "logout",
    "set_language",
    "accounts:password-change",
    "accounts:otp-verify",
    "accounts:otp-setup",
    "accounts:otp-sms",
    "accounts:session",
}


def start(request, *, now, password_change: str, otp: str) -> None:
    request.session[SEEN] = int(now.timestamp())
    request.session[PASSWORD] = password_change
    request.session[OTP] = otp


def password_changed(request) -> None:
    request.session[PASSWORD] = ""


def otp_passed(request) -> None:
    request.session[OTP] = ""


def wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "") or (
        request.headers.get("X-Requested-With") == "XMLHttpRequest"
    )


class SecurityGateMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if not user.is_authenticated:
            return self.get_response(request)
        match = request.resolver_match or _resolve(request)
        name = match.view_name if match else ""
        if ended := self._idle(request, user, name):
            return ended
        if name not in OPEN:
            otp = request.session.get(OTP)
            if otp and not _verified(user):
                target = "accounts:otp-verify" if otp == OTP_VERIFY else "accounts:otp-setup"
                return _send_to(request, target)
            if request.session.get(PASSWORD):
                return _send_to(request, "accounts:password-change")
        return self.get_response(request)

    def _idle(self, request, user, name):
        """End the session after the role's idle time; else note this request as activity
        (the status poll is not activity). Writes the session at most once a minute."""
        limit = idle_timeout_seconds(user)
        if not limit:
            return None
        now = int(request.now.timestamp())
        seen = request.session.get(SEEN) or now
        if now - seen >= limit:
            audit_record(
                kind=AuditKind.SESSION_IDLE,
                request=request,
                result=AuditResult.FAILURE,
                minutes=limit // 60,
            )
            logout(request)
            message = _("Your session ended after %(minutes)d minutes without activity.") % {
                "minutes": limit // 60
            }
            messages.info(request, message, fail_silently=True)
            if wants_json(request):
                return JsonResponse({"error": "session_ended", "message": message}, status=401)
            return redirect_to_login(request.get_full_path())
        if name != "accounts:session" and now - seen >= settings.SESSION_IDLE_TOUCH_SECONDS:
            request.session[SEEN] = now
        return None


def _resolve(request):
    from django.urls import Resolver404, resolve

    try:
        return resolve(request.path_info)
    except Resolver404:
        return None


def _verified(user) -> bool:
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified and is_verified())


def _send_to(request, name):
    if wants_json(request):
        return JsonResponse({"error": "sign_in_incomplete"}, status=401)
    if name == "accounts:password-change":
        return redirect(name)
    return redirect(f"{reverse(name)}?{urlencode({'next': request.get_full_path()})}")
