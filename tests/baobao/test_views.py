"""Login, lockout, the home page for every role, the admin, and the security headers."""

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from baobao.models import Role
from tests.factories import (
    AssignmentFactory,
    CadreAideFactory,
    EntityFactory,
    UserFactory,
    admin_user,
    aide_user,
    cadre_user,
    county,
    office_user,
    township,
)

pytestmark = pytest.mark.django_db
PASSWORD = "pw-for-tests-1"


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_login_page_is_chinese_by_default(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert 'lang="zh-hans"' in response.text
    assert "登录" in response.text


def test_login_page_in_english_on_request(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.get(reverse("login"))
    assert 'lang="en"' in response.text
    assert "Log in" in response.text


def test_login_then_logout(client):
    user = office_user(county())
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200
    client.post(reverse("logout"))
    assert client.get(reverse("home")).status_code == 302


def test_wrong_password_shows_a_chinese_error(client):
    user = office_user(county())
    response = client.post(reverse("login"), {"username": user.username, "password": "wrong"})
    assert response.status_code == 200
    assert "请输入一个正确的用户名和密码" in response.text


def test_repeated_failed_logins_lock_the_account(client):
    # given a user who mistypes the password as often as the limit allows
    user = office_user(county())
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": user.username, "password": "wrong"})
    # when the right password comes next
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    # then the account is locked and the session is not logged in
    assert response.status_code == 429
    assert "锁定" in response.text
    assert client.get(reverse("home")).status_code == 302


def test_home_shows_an_office_users_identity_and_scope(client):
    user = office_user(township(), first_name="张三")
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    for text in ("张三", "乡镇（街道）食安办", "贵州省", "铜仁市", "碧江区", "环北街道"):
        assert text in response.text


def test_home_lists_a_cadres_holdings(client):
    holding = AssignmentFactory(entity=EntityFactory(grade="B", name="碧江区第一中学食堂"))
    client.force_login(cadre_user(holding.cadre))
    # a cadre's home is this quarter's task, which lists what they hold
    response = client.get(reverse("home"), follow=True)
    assert response.redirect_chain == [(reverse("inspections:my"), 302)]
    assert "碧江区第一中学食堂" in response.text
    assert holding.cadre.name in response.text


def test_home_of_an_assistant_shows_the_cadre_they_assist(client, django_assert_max_num_queries):
    holding = AssignmentFactory(entity=EntityFactory(grade="B", name="铜仁中央厨房"))
    for _ in range(5):
        AssignmentFactory(entity=EntityFactory(grade="B"), cadre=holding.cadre)
    client.force_login(aide_user(CadreAideFactory(cadre=holding.cadre)))
    with django_assert_max_num_queries(8):
        response = client.get(reverse("inspections:my"))
    assert "铜仁中央厨房" in response.text
    assert holding.cadre.name in response.text


def test_admin_is_for_the_system_admin_only(client):
    client.force_login(office_user(county()))
    assert client.get("/admin/").status_code == 302
    client.force_login(admin_user())
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/admin/baobao/division/",
        "/admin/baobao/user/",
        "/admin/entities/entity/",
        "/admin/entities/zone/",
        "/admin/entities/gradechange/",
        "/admin/cadres/cadre/",
        "/admin/cadres/cadreaide/",
        "/admin/cadres/assignment/",
        "/admin/cadres/zoneassignment/",
        "/admin/cadres/adjustment/",
    ],
)
def test_every_model_has_an_admin_page(client, path):
    AssignmentFactory()
    client.force_login(admin_user())
    assert client.get(path).status_code == 200


def test_pages_carry_a_strict_content_security_policy(client):
    response = client.get(reverse("login"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "default-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "http" not in policy
    assert response["X-Frame-Options"] == "DENY"


def test_templates_have_no_inline_script_or_style_and_no_remote_assets():
    # The CSP forbids inline code and third-party origins: the templates must not need them.
    for template in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        text = template.read_text()
        assert "<script>" not in text, template
        assert " style=" not in text, template
        assert " on" + "click=" not in text, template
        assert "//cdn" not in text and "https://" not in text, template


def test_roles_have_the_right_write_rights():
    assert UserFactory(role=Role.COUNTY_OFFICE).can_write_registers
    assert not UserFactory(role=Role.PROVINCE_OFFICE).can_write_registers
    holding = AssignmentFactory()
    assert not cadre_user(holding.cadre).can_write_registers


def test_createsuperuser_makes_a_system_admin():
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_superuser("root", "root@example.com", "pw-for-tests-1")
    assert user.role == Role.ADMIN
    assert user.is_system_admin


def test_admin_cannot_bypass_the_services_for_holdings_grades_or_status(client):
    # given the system admin on an entity's change page
    holding = AssignmentFactory()
    client.force_login(admin_user())
    page = client.get(f"/admin/entities/entity/{holding.entity.pk}/change/")
    # then grade, status, division and zone are shown but not editable
    assert page.status_code == 200
    for field in ("grade", "status", "division", "zone"):
        assert f'name="{field}"' not in page.text
    # and holdings and the ledger cannot be added by hand
    assert client.get("/admin/cadres/assignment/add/").status_code == 403
    assert client.get("/admin/cadres/adjustment/add/").status_code == 403
    assert client.get("/admin/entities/entity/add/").status_code == 403


def test_chinese_stays_the_default_whatever_the_browser_asks(client):
    # given a browser that prefers English
    response = client.get(reverse("login"), headers={"accept-language": "en-US,en;q=0.9"})
    # then the page is still in Simplified Chinese until the user switches
    assert 'lang="zh-hans"' in response.text
    assert "登录" in response.text


def test_favicon_ico_points_at_the_static_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("favicon.svg")


def _fail_login(client, username, forwarded_for):
    return client.post(
        reverse("login"),
        {"username": username, "password": "wrong"},
        REMOTE_ADDR="10.0.0.2",  # the reverse proxy
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


def test_behind_the_proxy_one_users_typos_do_not_lock_the_others_out(client, settings):
    # given the production proxy settings: one proxy, the client address in X-Forwarded-For
    settings.PROXY_CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    settings.LOGIN_PROXY_COUNT = 1
    user = office_user(county())
    # when one clerk mistypes the password as often as the limit allows
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _fail_login(client, user.username, "192.168.1.10")
    # then a colleague at another desk, same username, same proxy, still logs in
    other = Client()
    response = other.post(
        reverse("login"),
        {"username": user.username, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="192.168.1.11",
    )
    assert response.status_code == 302
    # and the mistyping desk itself is locked
    locked = client.post(
        reverse("login"),
        {"username": user.username, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="192.168.1.10",
    )
    assert locked.status_code == 429


def test_a_forged_forwarded_entry_does_not_escape_the_lockout(client, settings):
    # given one proxy: only the right-most X-Forwarded-For entry is the proxy's own record
    settings.PROXY_CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    settings.LOGIN_PROXY_COUNT = 1
    user = office_user(county())
    for n in range(settings.AXES_FAILURE_LIMIT):
        # the client prepends a different made-up address each time
        _fail_login(client, user.username, f"1.2.3.{n}, 192.168.1.10")
    response = client.post(
        reverse("login"),
        {"username": user.username, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="9.9.9.9, 192.168.1.10",
    )
    assert response.status_code == 429
