"""The cadre's pages are light enough for a slow 3G link: HTML under 60 KB each, and all the CSS and
JS they load under 100 KB together (no framework download); on the wire (gzip) the visit form with
the longest checklist is under 15 KB."""

import gzip
import re

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse

from baobao.models import Level
from entities.models import BusinessType
from inspections.checklists import checklist_for
from tests.factories import (
    AssignmentFactory,
    CadreAideFactory,
    CadreFactory,
    EntityFactory,
    IssueFactory,
    VisitFactory,
    cadre_login,
)

pytestmark = pytest.mark.django_db

HTML_LIMIT = 60 * 1024
WIRE_LIMIT = 15 * 1024
ASSETS_LIMIT = 100 * 1024
ASSET = re.compile(r'<(?:link[^>]+rel="stylesheet"[^>]+href|script[^>]+src)="([^"]+)"')


def assets(html: str) -> dict[str, int]:
    """Every stylesheet and script the page loads, with its size in bytes."""
    sizes = {}
    for url in ASSET.findall(html):
        assert url.startswith(settings.STATIC_URL), url  # our own files only
        path = finders.find(url.removeprefix(settings.STATIC_URL))
        assert path, url
        with open(path, "rb") as file:
            sizes[url] = len(file.read())
    return sizes


@pytest.fixture
def cadre_with_30(client):
    # a county cadre with two aides, 30 due businesses (10 visited, each with an open issue)
    cadre = CadreFactory(level=Level.COUNTY)
    CadreAideFactory(cadre=cadre)
    CadreAideFactory(cadre=cadre, kind="liaison")
    holdings = [
        AssignmentFactory(
            cadre=cadre,
            entity=EntityFactory(grade="B", name=f"碧江区某某餐饮管理有限公司第{n}分店"),
        )
        for n in range(30)
    ]
    for holding in holdings[:10]:
        IssueFactory(visit=VisitFactory(assignment=holding))
    client.force_login(cadre_login(cadre))
    return holdings


def test_the_task_page_with_30_businesses_is_light(client, cadre_with_30):
    response = client.get(reverse("inspections:my"))
    assert response.status_code == 200
    assert response.text.count("task-link") == 40  # 30 businesses and 10 issues
    assert len(response.content) < HTML_LIMIT
    loaded = assets(response.text)
    assert any(url.endswith("phone.css") for url in loaded)
    assert any(url.endswith("visit.js") for url in loaded)
    assert sum(loaded.values()) < ASSETS_LIMIT


def test_the_visit_form_with_the_longest_checklist_is_light(client, cadre_with_30):
    # the catering checklist is the longest of the defaults
    entity = cadre_with_30[0].entity
    assert entity.business_type == BusinessType.CATERING
    assert checklist_for(entity).items.count() >= 11
    response = client.get(f"{reverse('inspections:visit-new')}?entity={entity.pk}")
    assert response.status_code == 200
    assert len(response.content) < HTML_LIMIT
    loaded = assets(response.text)
    assert any(url.endswith("visit.js") for url in loaded)
    assert sum(loaded.values()) < ASSETS_LIMIT


def test_the_visit_form_is_under_15_kb_on_the_wire(client, cadre_with_30):
    # given the form with the longest checklist, asked for as a phone's browser asks (gzip)
    entity = cadre_with_30[0].entity
    url = f"{reverse('inspections:visit-new')}?entity={entity.pk}"
    # when it is sent
    response = client.get(url, headers={"accept-encoding": "gzip, deflate"})
    # then it is compressed, under 15 KB, and is the whole page
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert len(response.content) < WIRE_LIMIT, len(response.content)
    html = gzip.decompress(response.content).decode()
    assert 'id="visit-form"' in html and html.rstrip().endswith("</html>")


def test_json_answers_are_compressed_too(client, cadre_with_30):
    # given a phone's browser that takes gzip, sending an empty visit form with fetch
    entity = cadre_with_30[0].entity
    url = f"{reverse('inspections:visit-new')}?entity={entity.pk}"
    # when the server answers with the list of what is missing
    response = client.post(
        url, {}, headers={"accept-encoding": "gzip", "x-requested-with": "fetch"}
    )
    # then that JSON is compressed
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response["Content-Encoding"] == "gzip"
    assert b'"errors"' in gzip.decompress(response.content)
