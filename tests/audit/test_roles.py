"""Separation of duties (三员分立): the auditor reads the audit log and nothing else; the security
administrator keeps locks and second factors and sees no business data; neither the system
administrator nor anyone else opens or changes the log. Every URL of the site is swept for the
two new roles."""

import io

import openpyxl
import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from audit.models import AuditEvent, AuditKind
from audit.services import audit_record
from baobao.models import Role
from tests.factories import UserFactory, admin_user, county, office_user

pytestmark = pytest.mark.django_db


def auditor():
    return UserFactory(role=Role.AUDITOR, division=None)


def security_admin():
    return UserFactory(role=Role.SECURITY_ADMIN, division=None)


def _patterns(resolver=None, prefix="", namespace=""):
    """Every (name, path) of the site, its parameters filled with 1 or "x"."""
    resolver = resolver or get_resolver()
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _patterns(p, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            route = prefix + str(p.pattern)
            if route.startswith("^") or "(?P" in route:
                route = p.pattern.describe()
            yield f"{namespace}{p.name or ''}", route


def _url(route: str) -> str:
    import re

    path = re.sub(r"<int:\w+>", "1", route)
    path = re.sub(r"<(?:str|slug|path):\w+>", "x", path)
    path = re.sub(r"<\w+>", "x", path)
    return "/" + path.lstrip("^").rstrip("$")


# What each new role may open (200 on GET); everything else answers 403, 404, 405 or a redirect
# that is not the page itself.
OPEN_TO_ALL = {
    "home",
    "notifications:inbox",
    "accounts:password-change",
    "accounts:session",
    "accounts:otp-setup",
    "accounts:otp-verify",
    # Infrastructure without business data: health checks, the service worker's script and the
    # CSRF token its queue asks for.
    "healthz",
    "readyz",
    "inspections:service-worker",
    "inspections:offline-token",
    # The public side's pages for anyone (no data without a receipt code or a business).
    "public:follow-lookup",
}
ALLOWED = {
    Role.AUDITOR: OPEN_TO_ALL | {"audit:log", "audit:export"},
    Role.SECURITY_ADMIN: OPEN_TO_ALL | {"accounts:security"},
}


@pytest.mark.parametrize("make", [auditor, security_admin], ids=["auditor", "security_admin"])
def test_every_url_of_the_site_is_closed_to_the_new_roles_but_their_own(client, make):
    user = make()
    client.force_login(user)
    opened = set()
    for name, route in _patterns():
        if "admin:" in name and name != "admin:index":
            continue  # the admin site is swept through its index (staff only)
        url = _url(route)
        response = client.get(url)
        assert response.status_code != 500, url
        if response.status_code == 200:
            opened.add(name)
    assert opened <= ALLOWED[user.role], opened - ALLOWED[user.role]
    # the sweep did reach pages: the role's own desk is among those that opened
    own = "audit:log" if user.role == Role.AUDITOR else "accounts:security"
    assert own in opened and "home" in opened
    assert len(list(_patterns())) > 60


def test_the_auditor_searches_and_exports_the_log(client):
    office = office_user(county())
    audit_record(kind=AuditKind.LOGIN, user=office, ip="10.9.8.7")
    audit_record(kind=AuditKind.LOGIN_FAILED, username="mallory", result="failure")
    client.force_login(auditor())
    page = client.get(reverse("audit:log"), {"kind": AuditKind.LOGIN_FAILED})
    assert page.status_code == 200
    assert "mallory" in page.text and office.username not in page.text
    response = client.get(reverse("audit:export"), {"username": office.username})
    assert response.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(ws.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][2] == office.username and rows[1][3] == "10.9.8.7"
    # and the export is itself in the log
    assert AuditEvent.objects.filter(kind=AuditKind.AUDIT_EXPORT).count() == 1


def test_a_bad_date_range_is_refused_in_chinese(client):
    client.force_login(auditor())
    page = client.get(reverse("audit:log"), {"since": "2026-05-01", "until": "2026-04-01"})
    assert "开始日期晚于结束日期" in page.text


@pytest.mark.parametrize(
    "make",
    [admin_user, security_admin, lambda: office_user(county())],
    ids=["system_admin", "security_admin", "office"],
)
def test_nobody_but_the_auditor_opens_the_log(client, make):
    client.force_login(make())
    assert client.get(reverse("audit:log")).status_code == 403
    assert client.get(reverse("audit:export")).status_code == 403


def test_the_log_is_not_on_the_admin_site(client):
    client.force_login(admin_user())
    page = client.get(reverse("admin:index"))
    assert "auditevent" not in page.text.lower()


def test_the_security_admin_unlocks_an_account_and_resets_a_second_factor(client, settings):
    from axes.models import AccessAttempt
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = office_user(county())
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": user.username, "password": "x"})
    TOTPDevice.objects.create(user=user, name="phone")
    client.force_login(security_admin())
    page = client.get(reverse("accounts:security"))
    assert user.username in page.text
    client.post(reverse("accounts:unlock"), {"username": user.username})
    assert not AccessAttempt.objects.filter(username=user.username).exists()
    client.post(reverse("accounts:otp-reset"), {"username": user.username})
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert AuditEvent.objects.filter(kind=AuditKind.UNLOCK, target=user.username).count() == 1
    assert AuditEvent.objects.filter(kind=AuditKind.OTP_RESET, target=user.username).count() == 1


@pytest.mark.parametrize("make", [admin_user, auditor], ids=["system_admin", "auditor"])
def test_only_the_security_admin_opens_the_security_desk(client, make):
    client.force_login(make())
    assert client.get(reverse("accounts:security")).status_code == 403
    assert client.post(reverse("accounts:unlock"), {"username": "x"}).status_code == 403
