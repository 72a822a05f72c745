"""The visit form with the self-management panel renders each checklist row's issue fields
from one blank rendering (the page's speed, issue 16): the page a cadre sees must be exactly
what rendering each row's own form gives."""

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from inspections.checklists import checklist_for
from inspections.forms import IssueForm, deadline_help
from inspections.models import ReminderPolicy
from tests.factories import AssignmentFactory, EntityFactory, cadre_login

pytestmark = pytest.mark.django_db


def test_each_rows_issue_fields_are_those_of_its_own_form(client, pinned):
    # given a cadre holding a B restaurant whose checklist has several items
    holding = AssignmentFactory(entity=EntityFactory(grade="B"))
    items = list(checklist_for(holding.entity).items.all())
    assert len(items) > 2
    client.force_login(cadre_login(holding.cadre))
    # when the cadre opens the visit form
    page = client.get(reverse("inspections:visit-new"), {"entity": holding.entity.pk})
    # then every row holds the issue fields its own form renders, named by its own prefix
    help_text = deadline_help(ReminderPolicy.load().deadline_days())
    for item in items:
        own = render_to_string(
            "inspections/_issue_fields.html",
            {"form": IssueForm(prefix=f"issue-{item.pk}"), "deadline_help": help_text},
        )
        assert own in page.text
    assert "__blank__" not in page.text
