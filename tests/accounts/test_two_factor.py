"""Two-factor sign-in (等保 双因素认证): office staff and administrators enrol an authenticator
app at their first sign-in when the policy requires it, then pass a code at every sign-in; an SMS
code or a recovery code does too; cadres stay on password and lockout unless the policy adds them."""

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import SmsDevice
from audit.models import AuditEvent, AuditKind
from baobao.sms import BaseSmsBackend, SmsError
from tests.factories import CadreFactory, cadre_user, county, office_user

pytestmark = pytest.mark.django_db
PASSWORD = "pw-for-tests-1"


@pytest.fixture
def policy(settings):
    settings.TWO_FACTOR_ROLES = ["county_office", "admin"]
    return settings


def login(client, user):
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return response


def code_of(device) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def enrol(client, user) -> list[str]:
    page = client.get(reverse("accounts:otp-setup"))
    assert "<svg" in page.text
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    done = client.post(reverse("accounts:otp-setup"), {"token": code_of(device)})
    assert done.status_code == 200
    return done.context["codes"]


def test_an_office_user_enrols_at_first_sign_in_then_is_asked_each_time(client, policy):
    user = office_user(county())
    # first sign-in: every page sends to the enrolment
    login(client, user)
    response = client.get(reverse("entities:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:otp-setup"))
    codes = enrol(client, user)
    assert len(codes) == 10
    assert client.get(reverse("entities:list")).status_code == 200
    assert AuditEvent.objects.filter(kind=AuditKind.OTP_ENROL, user=user).count() == 1
    # next sign-in: the password alone opens nothing
    client.post(reverse("logout"))
    login(client, user)
    response = client.get(reverse("entities:list"))
    assert response["Location"].startswith(reverse("accounts:otp-verify"))
    # a wrong code is refused in Chinese and audited
    wrong = client.post(reverse("accounts:otp-verify"), {"token": "000000"})
    assert "验证码不正确" in wrong.text
    assert client.get(reverse("entities:list")).status_code == 302
    # the app's code lets them in, back to the page they asked for
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.last_t = -1
    device.save()
    ok = client.post(
        reverse("accounts:otp-verify") + "?next=" + reverse("entities:list"),
        {"token": code_of(device), "next": reverse("entities:list")},
    )
    assert ok["Location"] == reverse("entities:list")
    assert client.get(reverse("entities:list")).status_code == 200
    assert AuditEvent.objects.filter(kind=AuditKind.OTP_VERIFY, result="failure").count() == 1


def test_a_recovery_code_signs_in_once(client, policy):
    user = office_user(county())
    login(client, user)
    codes = enrol(client, user)
    for attempt in (1, 2):
        client.post(reverse("logout"))
        login(client, user)
        client.post(reverse("accounts:otp-verify"), {"token": codes[0]})
        opened = client.get(reverse("entities:list")).status_code == 200
        assert opened == (attempt == 1)
    assert StaticToken.objects.filter(device__user=user).count() == 9


def test_an_sms_code_signs_in(client, policy, settings):
    sent = []

    class Recording(BaseSmsBackend):
        def send(self, *, phone, text):
            sent.append((phone, text))

    settings.SMS_BACKEND = f"{__name__}.RecordingSms"
    globals()["RecordingSms"] = Recording
    user = office_user(county(), phone="13800138000")
    TOTPDevice.objects.create(user=user, name="phone")  # enrolled already
    login(client, user)
    client.post(reverse("accounts:otp-sms"))
    [(phone, text)] = sent
    code = SmsDevice.objects.get(user=user).token
    assert phone == "13800138000" and code in text
    client.post(reverse("accounts:otp-verify"), {"token": code})
    assert client.get(reverse("entities:list")).status_code == 200


def test_an_sms_outage_points_to_the_other_factors(client, policy, settings):
    class Failing(BaseSmsBackend):
        def send(self, *, phone, text):
            raise SmsError("gateway timeout")

    settings.SMS_BACKEND = f"{__name__}.FailingSms"
    globals()["FailingSms"] = Failing
    user = office_user(county(), phone="13800138000")
    TOTPDevice.objects.create(user=user, name="phone")
    login(client, user)
    page = client.post(reverse("accounts:otp-sms"), follow=True)
    assert "短信未能发出" in page.text
    assert client.get(reverse("entities:list")).status_code == 302


def test_a_cadre_stays_on_password_and_lockout_by_default(client, policy):
    cadre = cadre_user(CadreFactory())
    login(client, cadre)
    assert client.get(reverse("inspections:my")).status_code == 200


def test_cadres_can_be_added_to_the_policy(client, settings):
    settings.TWO_FACTOR_ROLES = ["cadre"]
    cadre = cadre_user(CadreFactory())
    login(client, cadre)
    assert client.get(reverse("inspections:my"))["Location"].startswith(
        reverse("accounts:otp-setup")
    )


def test_without_the_policy_the_password_is_enough(client, settings):
    settings.TWO_FACTOR_ROLES = []
    login(client, office_user(county()))
    assert client.get(reverse("entities:list")).status_code == 200


def test_the_login_page_stays_light(client):
    """3G: the sign-in page is one small HTML, one stylesheet, one small script; no QR, no font."""
    page = client.get(reverse("login"))
    assert len(page.content) < 6_000
    assert page.text.count("<script") <= 1 and "<svg" not in page.text
