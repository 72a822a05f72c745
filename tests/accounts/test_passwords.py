"""Password policy (等保 身份鉴别): complexity, no reuse of the last five, expiry with a warning,
the self-service change page, an office's reset to a one-time password, the first sign-in."""

import datetime

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import PasswordRecord
from accounts.services import one_time_password, password_change
from accounts.validators import character_classes
from audit.models import AuditEvent, AuditKind
from baobao.models import Role
from tests.factories import (
    CadreFactory,
    UserFactory,
    admin_user,
    cadre_user,
    county,
    office_user,
    township,
    wanshan,
)

pytestmark = pytest.mark.django_db
PASSWORD = "pw-for-tests-1"
NOW = datetime.datetime(2026, 6, 10, 9, 0, tzinfo=datetime.UTC)


def _login(client, user, password=PASSWORD):
    return client.post(reverse("login"), {"username": user.username, "password": password})


def _change(client, old, new):
    return client.post(
        reverse("accounts:password-change"),
        {"old_password": old, "new_password1": new, "new_password2": new},
    )


@pytest.mark.parametrize(
    ("password", "classes"),
    [("abcdefgh", 1), ("abcd1234", 2), ("Abcd1234", 3), ("Ab1!xxxx", 4), ("密码abc123", 3)],
)
def test_character_classes_are_counted(password, classes):
    assert character_classes(password) == classes


def test_a_password_of_two_classes_is_refused_with_a_chinese_message():
    user = office_user(county())
    with pytest.raises(ValidationError) as refused:
        validate_password("abcd12345", user)
    assert "至少" in " ".join(refused.value.messages)
    validate_password("Harbour-77x", user)


def test_none_of_the_last_five_passwords_may_come_back():
    # given a user who has had six passwords (the factory's and five chosen ones)
    user = office_user(county())
    chosen = [f"Kept-Pass-{n}" for n in range(1, 6)]
    for password in chosen:
        password_change(user=user, password=password)
    # then the last five (chosen[0..4], the current one among them) are refused
    for password in chosen:
        with pytest.raises(ValidationError):
            validate_password(password, user)
    # and the first one, now six back, is allowed again
    validate_password(PASSWORD, user)
    assert PasswordRecord.objects.filter(user=user).count() == 6


def test_the_history_keeps_hashes_only():
    user = office_user(county())
    password_change(user=user, password="Only-Hash-9")
    stored = PasswordRecord.objects.filter(user=user).latest("set_at", "id").password
    assert "Only-Hash-9" not in stored and stored == user.password


def test_the_change_page_refuses_a_weak_password_and_changes_nothing(client):
    user = office_user(county())
    client.force_login(user)
    response = _change(client, PASSWORD, "abcdefgh")
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.text
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_the_change_page_refuses_a_wrong_old_password(client):
    user = office_user(county())
    client.force_login(user)
    response = _change(client, "not-it", "New-Pass-2026")
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_a_user_changes_their_password_and_stays_signed_in(client):
    user = office_user(county())
    client.force_login(user)
    response = _change(client, PASSWORD, "New-Pass-2026")
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("New-Pass-2026")
    assert client.get(reverse("home")).status_code == 200
    assert AuditEvent.objects.filter(kind=AuditKind.PASSWORD_CHANGE, user=user).count() == 1


def test_an_expired_password_forces_a_change_before_anything_else(client, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 90
    # given a password set 91 days ago
    with time_machine.travel(NOW - datetime.timedelta(days=91), tick=False):
        user = office_user(county())
    with time_machine.travel(NOW, tick=False):
        # when the user signs in
        assert _login(client, user).status_code == 302
        # then every page sends them to the change page, which says why
        response = client.get(reverse("entities:list"))
        assert response.status_code == 302
        assert response["Location"] == reverse("accounts:password-change")
        assert "已过期" in client.get(reverse("accounts:password-change")).text
        # and once changed, the pages open
        assert _change(client, PASSWORD, "Fresh-Pass-2026").status_code == 302
        assert client.get(reverse("entities:list")).status_code == 200


def test_a_password_about_to_expire_is_warned_of_at_sign_in(client, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 90
    with time_machine.travel(NOW - datetime.timedelta(days=86), tick=False):
        user = office_user(county())
    with time_machine.travel(NOW, tick=False):
        _login(client, user)
        response = client.get(reverse("home"))
    assert response.status_code == 200
    assert "4 天后过期" in response.text


def test_a_password_far_from_expiry_is_not_warned_of(client):
    with time_machine.travel(NOW - datetime.timedelta(days=10), tick=False):
        user = office_user(county())
    with time_machine.travel(NOW, tick=False):
        _login(client, user)
        response = client.get(reverse("home"))
    assert "天后过期" not in response.text


def test_a_seeded_password_must_be_changed_at_first_sign_in(client, settings):
    # given the production policy: a password set by someone else is one-time
    settings.PASSWORD_FIRST_LOGIN_CHANGE = True
    user = office_user(county())
    _login(client, user)
    response = client.get(reverse("home"))
    assert response["Location"] == reverse("accounts:password-change")
    assert "一次性密码" in client.get(reverse("accounts:password-change")).text


def test_users_created_in_bulk_change_at_first_sign_in_when_the_policy_says_so(client, settings):
    # given a user written without a password record (a bulk import or the demo seed)
    user = office_user(county())
    PasswordRecord.objects.filter(user=user).delete()
    settings.PASSWORD_FIRST_LOGIN_CHANGE = False
    _login(client, user)
    assert client.get(reverse("home")).status_code == 200
    client.logout()
    settings.PASSWORD_FIRST_LOGIN_CHANGE = True
    _login(client, user)
    assert client.get(reverse("home"))["Location"] == reverse("accounts:password-change")
    assert "首次登录" in client.get(reverse("accounts:password-change")).text


def test_one_time_passwords_meet_the_policy():
    for _ in range(50):
        password = one_time_password()
        assert len(password) == 12 and character_classes(password) >= 3


def test_a_county_office_resets_a_cadre_of_its_area_to_a_one_time_password(client):
    # given a county office and a cadre of a township below it
    office = office_user(county())
    cadre = cadre_user(CadreFactory(division=township()))
    client.force_login(office)
    assert cadre.username in client.get(reverse("accounts:users")).text
    # when the office resets the cadre's password
    response = client.post(reverse("accounts:user-reset", args=[cadre.pk]))
    assert response.status_code == 200
    password = response.context["password"]
    assert password in response.text
    assert response["Cache-Control"].startswith("max-age=0")
    # then the old password no longer works, the new one does once, and must be changed
    client.logout()
    assert _login(client, cadre).status_code == 200
    assert _login(client, cadre, password).status_code == 302
    assert client.get(reverse("inspections:my"))["Location"] == reverse("accounts:password-change")
    assert "一次性密码" in client.get(reverse("accounts:password-change")).text
    assert _change(client, password, "Cadre-Own-2026").status_code == 302
    assert client.get(reverse("inspections:my")).status_code == 200
    # and the reset is in the audit log with who did it
    event = AuditEvent.objects.get(kind=AuditKind.PASSWORD_RESET)
    assert (event.user_id, event.target) == (office.pk, cadre.username)


def test_an_office_cannot_reset_a_user_outside_its_area(client):
    office = office_user(county())
    elsewhere = office_user(wanshan())
    client.force_login(office)
    assert elsewhere.username not in client.get(reverse("accounts:users")).text
    assert client.post(reverse("accounts:user-reset", args=[elsewhere.pk])).status_code == 404
    assert client.post(reverse("accounts:user-reset", args=[999999])).status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.check_password(PASSWORD)


def test_an_office_cannot_reset_its_superiors_nor_the_administrators(client):
    office = office_user(township())
    above = office_user(county())
    admin = admin_user()
    auditor = UserFactory(role=Role.AUDITOR, division=None)
    client.force_login(office)
    for target in (above, admin, auditor, office):
        response = client.post(reverse("accounts:user-reset", args=[target.pk]))
        assert response.status_code == 404


@pytest.mark.parametrize("role", [Role.PROVINCE_OFFICE, Role.CADRE, Role.AUDITOR])
def test_roles_that_keep_no_accounts_cannot_reset(client, role):
    from tests.factories import province

    if role == Role.CADRE:
        user = cadre_user(CadreFactory())
    elif role == Role.PROVINCE_OFFICE:
        user = office_user(province())
    else:
        user = UserFactory(role=role, division=None)
    target = cadre_user(CadreFactory(division=township()))
    client.force_login(user)
    assert client.get(reverse("accounts:users")).status_code == 403
    assert client.post(reverse("accounts:user-reset", args=[target.pk])).status_code == 403
