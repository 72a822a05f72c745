"""Idle timeout (等保 会话超时): office sessions end after SESSION_IDLE_SECONDS without a request;
cadres' phone sessions do not."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from audit.models import AuditEvent, AuditKind
from tests.factories import CadreFactory, cadre_user, county, office_user

pytestmark = pytest.mark.django_db
T0 = datetime.datetime(2026, 6, 10, 9, 0, tzinfo=datetime.UTC)


def at(minutes):
    return time_machine.travel(T0 + datetime.timedelta(minutes=minutes), tick=False)


def test_an_active_office_session_lives_on_an_idle_one_ends(client, settings):
    settings.SESSION_IDLE_SECONDS = 30 * 60
    user = office_user(county())
    with at(0):
        client.force_login(user)
    with at(20):
        assert client.get(reverse("home")).status_code == 200
    with at(45):  # 25 minutes after the last request
        assert client.get(reverse("home")).status_code == 200
    with at(76):  # 31 minutes after it
        response = client.get(reverse("entities:list"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={reverse('entities:list')}"
    with at(77):
        page = client.get(response["Location"])
        assert "30 分钟未操作" in page.text
        assert client.get(reverse("home")).status_code == 302
    assert AuditEvent.objects.filter(kind=AuditKind.SESSION_IDLE, user=user).count() == 1


def test_the_status_poll_does_not_count_as_activity(client, settings):
    settings.SESSION_IDLE_SECONDS = 30 * 60
    user = office_user(county())
    with at(0):
        client.force_login(user)
    with at(10):
        assert client.get(reverse("accounts:session")).json() == {"remaining": 20 * 60}
    with at(29):
        assert client.get(reverse("accounts:session")).json() == {"remaining": 60}
        # "stay signed in" counts
        assert client.get(reverse("accounts:session") + "?stay=1").json() == {"remaining": 30 * 60}
    with at(50):
        assert client.get(reverse("home")).status_code == 200


def test_a_script_gets_401_not_the_login_page(client, settings):
    settings.SESSION_IDLE_SECONDS = 30 * 60
    with at(0):
        client.force_login(office_user(county()))
    with at(31):
        response = client.get(reverse("accounts:session"), headers={"Accept": "application/json"})
    assert response.status_code == 401
    assert response.json()["error"] == "session_ended"


def test_a_cadres_phone_session_is_not_timed_out(client, settings):
    settings.SESSION_IDLE_SECONDS = 30 * 60
    cadre = cadre_user(CadreFactory())
    with at(0):
        client.force_login(cadre)
    with at(5 * 60):
        assert client.get(reverse("inspections:my")).status_code == 200
        assert client.get(reverse("accounts:session")).json() == {"remaining": None}


def test_office_pages_carry_the_timeout_for_the_warning_script(client, settings):
    settings.SESSION_IDLE_SECONDS = 1800
    client.force_login(office_user(county()))
    page = client.get(reverse("home")).text
    assert 'data-idle-seconds="1800"' in page and "js/idle.js" in page
