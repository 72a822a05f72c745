"""Sign-in security beside the core's users: every password a user has had (for the no-reuse rule,
the expiry and the one-time passwords) and the SMS second factor."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_otp.models import SideChannelDevice, ThrottlingMixin

from baobao import clock


class PasswordRecord(models.Model):  # 密码记录
    """One row per password set, newest last: the latest says when the current password was set
    and whether it is a one-time password; the earlier ones are the history no new password may
    repeat. Only the hash is kept."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="password_records",
        verbose_name=_("user"),
        db_index=False,
    )
    password = models.CharField(_("password hash"), max_length=128)
    set_at = models.DateTimeField(_("set at"), default=clock.now)
    one_time = models.BooleanField(
        _("one-time"), default=False, help_text=_("Must be changed at the next sign-in.")
    )

    class Meta:
        verbose_name = _("password record")
        verbose_name_plural = _("password records")
        indexes = [
            models.Index(
                "user", models.F("set_at").desc(), models.F("id").desc(), name="password_latest"
            )
        ]

    def __str__(self):
        return f"{self.user_id} {self.set_at:%Y-%m-%d}"


class SmsDevice(ThrottlingMixin, SideChannelDevice):  # 短信验证码
    """The second factor by SMS, through the project's SMS channel, to the user's phone."""

    number = models.CharField(_("phone"), max_length=20)

    class Meta:
        verbose_name = _("SMS device")
        verbose_name_plural = _("SMS devices")

    def get_throttle_factor(self):
        return 1

    def generate_challenge(self):
        """Send a six-digit code valid for five minutes. An SMS that cannot be sent raises
        ``SmsError`` (the backend's timeout applies): the page offers the other factors."""
        from baobao.sms import get_sms_backend

        self.generate_token(valid_secs=300)
        text = _("Your sign-in code is %(token)s, valid for 5 minutes.") % {"token": self.token}
        get_sms_backend().send(phone=self.number, text=str(text))
        return _("A code was sent to your phone.")
