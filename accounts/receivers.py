"""At sign-in, settle once what the session must do before anything else (second factor,
password change) and warn of a password about to expire; the gate middleware then reads only
the session."""

from django.contrib import messages
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils.translation import gettext as _
from django_otp import user_has_device

from accounts import gate
from accounts.policy import two_factor_required
from accounts.selectors import password_state
from baobao import clock


@receiver(user_logged_in, dispatch_uid="accounts_signed_in")
def _signed_in(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    now = getattr(request, "now", None) or clock.now()
    state = password_state(user=user, now=now)
    if user_has_device(user):
        otp = gate.OTP_VERIFY
    elif two_factor_required(user):
        otp = gate.OTP_ENROL
    else:
        otp = ""
    gate.start(request, now=now, password_change=state.change, otp=otp)
    if not state.change and state.warn(now=now):
        messages.warning(
            request,
            _("Your password expires in %(days)d days. Change it now from the menu.")
            % {"days": state.days_left(now=now)},
            fail_silently=True,
        )
