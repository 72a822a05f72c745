"""The inspection write services: immutability and remarks, issues and their status flow."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from cadres.models import Assignment
from entities.models import BusinessType, Entity
from inspections.checklists import checklist_for
from inspections.models import (
    ISSUE_TRANSITIONS,
    ChecklistTemplate,
    Issue,
    IssueStatus,
    Visit,
    VisitRemark,
)
from inspections.services import issue_raise, issue_transition, visit_remark_add
from tests.factories import (
    AssignmentFactory,
    CadreAideFactory,
    CadreFactory,
    IssueFactory,
    VisitFactory,
    aide_user,
    cadre_login,
    cadre_user,
    county,
    office_user,
    province,
    wanshan,
)
from tests.helpers import jpeg
from tests.inspections.services_support import NOW, frozen_time, record  # noqa: F401 (frozen_time is autouse)

# --- immutability and remarks ---------------------------------------------------------------


def test_a_submitted_visit_never_changes_and_takes_remarks(holding):
    user = cadre_login(holding.cadre)
    visit, _ = record(user, holding.entity, findings="原记录")
    # when someone tries to edit it
    visit.findings = "改过"
    with pytest.raises(TypeError):
        visit.save()
    with pytest.raises(TypeError):
        Visit.objects.filter(pk=visit.pk).update(findings="改过")
    # then it is unchanged, and a correction is appended as a remark instead
    remark = visit_remark_add(visit=visit, user=user, text=" 补充：已复查 ")
    assert Visit.objects.get(pk=visit.pk).findings == "原记录"
    assert (remark.text, remark.by, remark.visit) == ("补充：已复查", user, visit)


def test_the_office_in_scope_may_add_a_remark(holding):
    visit = VisitFactory(assignment=holding)
    clerk = office_user(county())
    assert visit_remark_add(visit=visit, user=clerk, text="已核实").by == clerk


def test_remarks_are_refused_outside_scope_or_empty(holding):
    visit = VisitFactory(assignment=holding)
    with pytest.raises(Http404):
        visit_remark_add(visit=visit, user=cadre_user(AssignmentFactory().cadre), text="x")
    with pytest.raises(Http404):
        visit_remark_add(visit=visit, user=office_user(wanshan()), text="x")
    with pytest.raises(PermissionDenied):
        visit_remark_add(visit=visit, user=office_user(province()), text="x")
    with pytest.raises(ValidationError) as refused:
        visit_remark_add(visit=visit, user=cadre_login(holding.cadre), text=" ")
    assert refused.value.code == "remark_required"
    assert not VisitRemark.objects.exists()


# --- issues: raise and the status flow ------------------------------------------------------


def test_an_issue_raised_outside_a_visit_starts_open(holding):
    user = cadre_login(holding.cadre)
    issue = issue_raise(
        user=user,
        entity=holding.entity,
        category="health",
        severity="serious",
        description="两名员工健康证过期",
        actor_kind="business",
    )
    assert issue.status == IssueStatus.OPEN
    assert issue.deadline == datetime.date(2026, 5, 27)  # serious: 7 days
    assert issue.visit is None
    assert [(e.from_status, e.to_status) for e in issue.events.all()] == [("", "open")]


def test_an_issue_cannot_be_raised_on_another_cadres_business(holding):
    with pytest.raises(Http404):
        issue_raise(
            user=cadre_user(AssignmentFactory().cadre),
            entity=holding.entity,
            category="health",
            severity="minor",
            description="x",
            actor_kind="business",
        )
    assert not Issue.objects.exists()


def issue_in(status, holding):
    closed_at = NOW if status == IssueStatus.CLOSED else None
    return IssueFactory(visit=VisitFactory(assignment=holding), status=status, closed_at=closed_at)


ALL_MOVES = [(a, b) for a in IssueStatus for b in IssueStatus]


@pytest.mark.parametrize(("from_status", "to_status"), ALL_MOVES)
def test_the_status_flow_allows_exactly_its_transitions(holding, from_status, to_status):
    # given an issue in from_status, and the office of the county
    issue = issue_in(from_status, holding)
    clerk = office_user(county())
    legal = to_status in ISSUE_TRANSITIONS[from_status]
    # when it is moved to to_status with a note
    if legal:
        event = issue_transition(issue=issue, user=clerk, to_status=to_status, note="已整改到位")
        # then the move is made and kept with who and the evidence
        issue.refresh_from_db()
        assert issue.status == to_status
        assert (event.from_status, event.to_status, event.by, event.note) == (
            from_status,
            to_status,
            clerk,
            "已整改到位",
        )
        assert (issue.closed_at is not None) == (to_status == IssueStatus.CLOSED)
    else:
        with pytest.raises(ValidationError) as refused:
            issue_transition(issue=issue, user=clerk, to_status=to_status, note="x")
        # then it is refused and nothing changes
        assert refused.value.code == "illegal_transition"
        issue.refresh_from_db()
        assert issue.status == from_status
        assert not issue.events.exists()


def test_the_whole_flow_to_closure_and_back(holding):
    user = cadre_login(holding.cadre)
    issue = issue_in(IssueStatus.OPEN, holding)
    issue_transition(issue=issue, user=user, to_status=IssueStatus.RECTIFYING)
    fixed = issue_transition(
        issue=issue, user=user, to_status=IssueStatus.FIXED, note="已更换消毒柜", photo=jpeg()
    )
    assert fixed.photo.name.startswith("issues/2026/")
    issue_transition(issue=issue, user=user, to_status=IssueStatus.CLOSED)
    issue.refresh_from_db()
    # then closing stamps closed_at
    assert issue.status == IssueStatus.CLOSED
    assert issue.closed_at == NOW
    # when it is reopened, closed_at is cleared and it is being rectified again
    issue_transition(issue=issue, user=user, to_status=IssueStatus.RECTIFYING, note="复查不合格")
    issue.refresh_from_db()
    assert (issue.status, issue.closed_at) == (IssueStatus.RECTIFYING, None)
    assert [(e.from_status, e.to_status) for e in issue.events.all()] == [
        ("open", "rectifying"),
        ("rectifying", "fixed"),
        ("fixed", "closed"),
        ("closed", "rectifying"),
    ]


def test_fixed_needs_a_note_of_what_was_done(holding):
    issue = issue_in(IssueStatus.RECTIFYING, holding)
    with pytest.raises(ValidationError) as refused:
        issue_transition(issue=issue, user=cadre_login(holding.cadre), to_status="fixed", note=" ")
    assert refused.value.code == "evidence_required"
    issue.refresh_from_db()
    assert issue.status == IssueStatus.RECTIFYING


def test_only_the_holder_or_the_office_may_close(holding):
    # given a fixed issue raised by a cadre who has since handed the business over
    issue = issue_in(IssueStatus.FIXED, holding)
    Assignment.objects.filter(pk=holding.pk).update(end_date=datetime.date(2026, 5, 15))
    new_cadre = CadreFactory(level=holding.cadre.division.level)
    Assignment.objects.create(
        entity=holding.entity, cadre=new_cadre, start_date=datetime.date(2026, 5, 15)
    )
    # when the former cadre (who still sees the issue they raised) tries to close it: refused
    with pytest.raises(PermissionDenied):
        issue_transition(issue=issue, user=cadre_login(holding.cadre), to_status="closed")
    # when the read-only province office tries: refused; another county: not found
    with pytest.raises(PermissionDenied):
        issue_transition(issue=issue, user=office_user(province()), to_status="closed")
    with pytest.raises(Http404):
        issue_transition(issue=issue, user=office_user(wanshan()), to_status="closed")
    assert not issue.events.exists()
    # then the new holder's 联络员 may close it
    aide = aide_user(CadreAideFactory(cadre=new_cadre, kind="liaison"))
    issue_transition(issue=issue, user=aide, to_status="closed")
    issue.refresh_from_db()
    assert issue.status == IssueStatus.CLOSED


def test_the_default_checklists_are_seeded_for_every_business_type(db):
    names = {
        BusinessType.SCHOOL_CANTEEN: "餐饮服务督导清单",
        BusinessType.SMALL_WORKSHOP: "食品生产督导清单",
        BusinessType.STALL: "食品销售督导清单",
    }
    for business_type, name in names.items():
        assert checklist_for(Entity(business_type=business_type, grade="A")).name == name


def test_the_most_specific_active_checklist_is_chosen(db):
    # given, beside the seeded general and catering ones, a grade-A catering checklist
    canteen_a = ChecklistTemplate.objects.create(
        name="A级餐饮", business_types=["catering"], grades=["A"]
    )
    ChecklistTemplate.objects.create(name="D级通用", grades=["D"])
    # then type and grade beat type alone, which beats grade alone, which beats the general one
    assert checklist_for(Entity(business_type="catering", grade="A")) == canteen_a
    assert checklist_for(Entity(business_type="catering", grade="D")).name == "餐饮服务督导清单"
    assert checklist_for(Entity(business_type="other", grade="D")).name == "D级通用"
    assert checklist_for(Entity(business_type="other", grade="B")).name == "通用督导清单"
    # and a template taken out of use is skipped
    canteen_a.is_active = False
    canteen_a.save()
    assert checklist_for(Entity(business_type="catering", grade="A")).name == "餐饮服务督导清单"


def test_every_default_checklist_asks_the_domain_checks(db):
    required = {
        "食品安全总监、食品安全员在岗履职",
        "从业人员健康证明齐全有效",
        "落实日管控、周排查、月调度",
        "许可证件公示",
        "场所环境卫生整洁",
    }
    for template in ChecklistTemplate.objects.all():
        texts = set(template.items.values_list("text", flat=True))
        areas = set(template.items.values_list("area", flat=True))
        assert required <= texts, template
        assert {"management", "routine", "emergency", "training", "on_site"} <= areas
    catering = ChecklistTemplate.objects.get(name="餐饮服务督导清单")
    assert catering.items.filter(text="餐饮具清洗消毒").exists()
