"""The second factor (双因素认证): enrolment of an authenticator app (TOTP, the QR code drawn
here as SVG) with recovery codes, the check at sign-in, and SMS codes where an SMS channel is
configured and the user has a phone number."""

from base64 import b32encode
from urllib.parse import urlencode

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp import match_token, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import gate
from accounts.models import SmsDevice
from audit.models import AuditKind, AuditResult
from audit.services import audit_record
from baobao.sms import SmsError

RECOVERY_CODES = 10


class TokenForm(forms.Form):
    token = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return settings.LOGIN_REDIRECT_URL


def _verify_url(request) -> str:
    return f"{reverse('accounts:otp-verify')}?{urlencode({'next': _next(request)})}"


def sms_available(user) -> bool:
    return settings.TWO_FACTOR_SMS and bool(user.phone)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def otp_setup(request):
    """Enrol an authenticator app; on success show the recovery codes once."""
    user = request.user
    if user_has_device(user) and request.session.get(gate.OTP):
        return redirect(_verify_url(request))
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"].strip()):
            codes = _enrol(user=user, device=device)
            otp_login(request, device)
            gate.otp_passed(request)
            audit_record(kind=AuditKind.OTP_ENROL, request=request, target=user, method="totp")
            return render(
                request, "accounts/otp_codes.html", {"codes": codes, "next": _next(request)}
            )
        form.add_error("token", _("That code is not right. Check the phone's clock and retry."))
    qr = segno.make(device.config_url, error="m").svg_inline(
        scale=4, title=_("QR code for the authenticator app")
    )
    return render(
        request,
        "accounts/otp_setup.html",
        {
            "form": form,
            "qr": mark_safe(qr),  # drawn by segno from the device's own URL
            "secret": _grouped(device.bin_key),
            "enrolled": user_has_device(user),
            "next": _next(request),
        },
    )


@transaction.atomic
def _enrol(*, user, device) -> list[str]:
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    StaticDevice.objects.filter(user=user).delete()
    static = StaticDevice.objects.create(user=user, name="recovery")
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=static, token=code) for code in codes)
    return codes


def _grouped(key: bytes) -> str:
    text = b32encode(key).decode()
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def otp_verify(request):
    """The second step of signing in: a code from the app, an SMS code or a recovery code."""
    user = request.user
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(user, form.cleaned_data["token"].strip().replace(" ", ""))
        if device is not None:
            otp_login(request, device)
            gate.otp_passed(request)
            audit_record(kind=AuditKind.OTP_VERIFY, request=request, method=type(device).__name__)
            return redirect(_next(request))
        audit_record(kind=AuditKind.OTP_VERIFY, request=request, result=AuditResult.FAILURE)
        form.add_error("token", _("That code is not right, or it has already been used."))
    return render(
        request,
        "accounts/otp_verify.html",
        {"form": form, "sms": sms_available(user), "next": _next(request)},
    )


@login_required
@require_POST
def otp_sms(request):
    """Send an SMS code to the user's phone; the SMS device is made on first use."""
    user = request.user
    if not sms_available(user):
        messages.error(request, _("SMS codes are not available for this account."))
        return redirect(_verify_url(request))
    device, _created = SmsDevice.objects.get_or_create(
        user=user, defaults={"name": "sms", "number": user.phone, "confirmed": True}
    )
    if device.number != user.phone:
        device.number = user.phone
        device.save(update_fields=["number"])
    try:
        device.generate_challenge()
        messages.info(request, _("A code was sent to your phone."))
    except SmsError:
        messages.error(
            request,
            _("The SMS could not be sent. Use your authenticator app or a recovery code."),
        )
    return redirect(_verify_url(request))
