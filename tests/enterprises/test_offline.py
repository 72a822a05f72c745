"""The business's phone pages open with no signal: their own service worker (scope /enterprise/),
the same script as the cadre's with the business's pages, registered from the business's pages,
which say whose they are so that the worker saves them under that user."""

import pytest
from django.urls import reverse

from enterprises.models import RecordKind
from tests.enterprises.conftest import business_user
from tests.factories import EntityFactory, IssueFactory, county, office_user

pytestmark = pytest.mark.django_db

SW = reverse("enterprises:service-worker")


@pytest.fixture
def entity():
    return EntityFactory(grade="A")


def test_the_business_worker_is_served_over_the_business_pages_and_never_cached(client, entity):
    client.force_login(business_user(entity))
    # when the phone fetches the worker's script
    response = client.get(SW)
    # then it is JavaScript from /enterprise/, whose folder is the scope of the business's pages
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert SW == "/enterprise/sw.js"
    for page in (
        reverse("enterprises:home"),
        reverse("enterprises:entity", args=[entity.pk]),
        reverse("enterprises:record-new", args=[entity.pk, RecordKind.DAILY]),
    ):
        assert page.startswith("/enterprise/")
    assert "no-cache" in response["Cache-Control"]
    # and it is the phone's script with the business's pages, not the cadre's
    text = response.text
    assert 'importScripts("/static/js/queue.js")' in text
    assert '"/static/js/visit.js"' in text
    assert r"/^\/enterprise\/\d+\/(daily|weekly|monthly)\/new\/$/" in text
    assert r"/^\/enterprise\/issues\/\d+\/fix\/$/" in text
    assert "inspections" not in text.split("const CACHED_PATHS")[1].split("\n")[0]
    assert 'href="/enterprise/"' in text
    # and the cadre's worker still saves the cadre's pages
    cadre_text = client.get(reverse("inspections:service-worker")).text
    assert r"/^\/inspections\/my\/$/" in cadre_text
    assert "enterprise" not in cadre_text.split("const CACHED_PATHS")[1].split("\n")[0]


def test_an_office_user_gets_no_business_worker(client):
    client.force_login(office_user(county(), username="clerk"))
    assert client.get(SW).status_code == 404


def test_the_business_pages_register_the_worker_and_name_their_user(client, entity):
    user = business_user(entity, EntityFactory(grade="A"))
    issue = IssueFactory(visit__assignment__entity=entity)
    client.force_login(user)
    pages = [
        reverse("enterprises:home"),
        reverse("enterprises:entity", args=[entity.pk]),
        reverse("enterprises:record-new", args=[entity.pk, RecordKind.DAILY]),
        reverse("enterprises:issue-fix", args=[issue.pk]),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        # the worker is registered from the page, and the page is saved under its user
        assert f'data-sw="{SW}"' in response.text, url
        assert "js/offline.js" in response.text
        assert response["X-Baobao-User"] == str(user.pk), url
    # and the business page asks the worker to save the home, the record forms and the fixes
    text = client.get(pages[1]).text
    for url in (pages[0], pages[2], pages[3]):
        assert f'data-precache href="{url}"' in text, url
    # a form sent back with errors is not a page to save
    refused = client.post(pages[2], {"day": ""})
    assert refused.status_code == 200
    assert "X-Baobao-User" not in refused


def test_office_pages_register_no_business_worker(client):
    client.force_login(office_user(county(), username="clerk"))
    text = client.get(reverse("home"), follow=True).text
    assert f'data-sw="{SW}"' not in text
