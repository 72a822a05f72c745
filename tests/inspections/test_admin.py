"""Admin pages: checklists are edited by the system admin; visits and issues are read-only."""

import pytest

from inspections.models import ChecklistTemplate
from tests.factories import IssueFactory, admin_user

pytestmark = pytest.mark.django_db

READ_ONLY = ["visit", "visitcheck", "visitphoto", "visitremark", "issue", "issueevent"]


@pytest.mark.parametrize("model", ["checklisttemplate", "checklistitem", *READ_ONLY])
def test_every_inspections_model_has_an_admin_page(client, model):
    # given a visit with an issue, so every list has a row
    IssueFactory()
    client.force_login(admin_user())
    # when / then the list page opens
    assert client.get(f"/admin/inspections/{model}/").status_code == 200


@pytest.mark.parametrize("model", READ_ONLY)
def test_visits_and_issues_cannot_be_added_or_deleted_in_the_admin(client, model):
    issue = IssueFactory()
    client.force_login(admin_user())
    pk = {"visit": issue.visit_id, "issue": issue.pk}.get(model)
    assert client.get(f"/admin/inspections/{model}/add/").status_code == 403
    if pk:
        assert client.post(f"/admin/inspections/{model}/{pk}/delete/").status_code == 403
        assert client.post(f"/admin/inspections/{model}/{pk}/change/", {}).status_code == 403


def test_the_admin_edits_a_checklist_with_its_items_inline(client):
    # given the seeded general checklist
    template = ChecklistTemplate.objects.get(name="通用督导清单")
    count = template.items.count()
    client.force_login(admin_user())
    page = client.get(f"/admin/inspections/checklisttemplate/{template.pk}/change/")
    assert page.status_code == 200
    assert "食品安全总监、食品安全员在岗履职" in page.content.decode()
    # when the admin renames it and adds an item
    data = {
        "name": "通用督导清单（2026版）",
        "business_types": "[]",
        "grades": "[]",
        "is_active": "on",
        "items-TOTAL_FORMS": str(count + 1),
        "items-INITIAL_FORMS": str(count),
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
    }
    for i, item in enumerate(template.items.all()):
        data |= {
            f"items-{i}-id": item.pk,
            f"items-{i}-template": template.pk,
            f"items-{i}-order": item.order,
            f"items-{i}-area": item.area,
            f"items-{i}-text": item.text,
        }
    data |= {
        f"items-{count}-template": template.pk,
        f"items-{count}-order": 99,
        f"items-{count}-area": "on_site",
        f"items-{count}-text": "垃圾分类收集",
    }
    response = client.post(f"/admin/inspections/checklisttemplate/{template.pk}/change/", data)
    # then the change is saved
    assert response.status_code == 302, response.context and response.context["errors"]
    template.refresh_from_db()
    assert template.name == "通用督导清单（2026版）"
    assert template.items.filter(text="垃圾分类收集").exists()
    assert template.items.count() == count + 1
