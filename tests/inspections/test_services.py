"""The write services for visits, remarks and issues, and every refusal they make."""

import datetime
import uuid
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from cadres.models import Assignment
from entities.models import BusinessType, Entity
from inspections.checklists import checklist_for
from inspections.models import (
    ISSUE_TRANSITIONS,
    ChecklistTemplate,
    CheckResult,
    Issue,
    IssueEvent,
    IssueStatus,
    Visit,
    VisitCheck,
    VisitPhoto,
    VisitRemark,
)
from inspections.services import (
    issue_raise,
    issue_transition,
    visit_record,
    visit_remark_add,
)
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

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime.datetime(2026, 5, 20, 10, 0, tzinfo=TZ)  # in 2026 Q2


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def holding(db):
    # A village cadre holding a small restaurant since 2026-04-20.
    return AssignmentFactory()


def record(user, entity, **kwargs):
    fields = {
        "visited_at": NOW - datetime.timedelta(hours=1),
        "on_site": True,
        "idempotency_key": uuid.uuid4(),
        **kwargs,
    }
    return visit_record(user=user, entity=entity, **fields)


def stored_files(settings):
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# --- visit_record: who may log -------------------------------------------------------------


def test_the_holding_cadre_records_a_visit_with_its_checklist(holding):
    # given the cadre holding a restaurant and its seeded catering checklist
    user = cadre_login(holding.cadre)
    template = ChecklistTemplate.objects.get(name="餐饮服务督导清单")
    item = template.items.get(text="餐饮具清洗消毒")
    # when they record a visit with one checked item and one free-text check
    visit, created = record(
        user,
        holding.entity,
        findings=" 整体良好 ",
        companions="王协保",
        checks=[
            {"item": item, "result": CheckResult.PASS, "note": "消毒柜运行正常"},
            {"text": "冷库温度", "area": "on_site", "result": CheckResult.NOT_APPLICABLE},
        ],
        latitude="27.718000",
        longitude="109.191000",
        accuracy_m=12,
    )
    # then the visit counts for the cadre, in this quarter, with the item's text copied
    assert created
    visit = Visit.objects.get(pk=visit.pk)
    assert visit.cadre == holding.cadre
    assert visit.logged_by == user
    assert visit.quarter == 20262
    assert visit.template == template
    assert visit.findings == "整体良好"
    assert visit.accuracy_m == 12
    checks = list(visit.checks.order_by("id"))
    assert [(c.text, c.area, c.result, c.item_id) for c in checks] == [
        ("餐饮具清洗消毒", "on_site", "pass", item.pk),
        ("冷库温度", "on_site", "na", None),
    ]


def test_an_aide_logs_a_visit_for_their_cadre(holding):
    # given the 协保员 of the holding cadre
    aide = aide_user(CadreAideFactory(cadre=holding.cadre))
    # when the aide records the visit
    visit, created = record(aide, holding.entity)
    # then it counts for the cadre and records who logged it
    assert created
    assert visit.cadre == holding.cadre
    assert visit.logged_by == aide


def test_an_office_user_logs_a_visit_for_the_cadre_then_holding(holding):
    # given a county office user whose area contains the business
    clerk = office_user(county())
    # when the office types in a visit
    visit, _ = record(clerk, holding.entity)
    # then it counts for the cadre who held the business that day
    assert visit.cadre == holding.cadre
    assert visit.logged_by == clerk


def test_a_read_only_office_cannot_log_a_visit(holding):
    # given the province office, which may read but not write
    with pytest.raises(PermissionDenied):
        record(office_user(province()), holding.entity)
    assert not Visit.objects.exists()


def test_another_cadres_business_is_not_found(holding):
    # given a cadre who does not hold the business, and an office of another county
    other = cadre_user(AssignmentFactory().cadre)
    foreign_office = office_user(wanshan())
    # when / then either trying to log a visit on it gets a 404
    for user in (other, foreign_office):
        with pytest.raises(Http404):
            record(user, holding.entity)
    assert not Visit.objects.exists()


# --- visit_record: dates --------------------------------------------------------------------


def test_a_visit_dated_in_the_future_is_refused(holding):
    user = cadre_login(holding.cadre)
    with pytest.raises(ValidationError) as refused:
        record(user, holding.entity, visited_at=NOW + datetime.timedelta(minutes=10))
    assert refused.value.code == "future"
    assert not Visit.objects.exists()


def test_a_phone_clock_a_minute_ahead_is_tolerated(holding):
    _, created = record(
        cadre_login(holding.cadre), holding.entity, visited_at=NOW + datetime.timedelta(minutes=1)
    )
    assert created


def test_a_visit_before_the_holding_began_is_refused(holding):
    # given a holding that began on 2026-04-20
    assert holding.start_date == datetime.date(2026, 4, 20)
    user = cadre_login(holding.cadre)
    # when the cadre dates a visit the evening before
    with pytest.raises(ValidationError) as refused:
        record(user, holding.entity, visited_at=datetime.datetime(2026, 4, 19, 23, 0, tzinfo=TZ))
    # then it is refused; the first day of the holding is fine
    assert refused.value.code == "not_held"
    _, created = record(
        user, holding.entity, visited_at=datetime.datetime(2026, 4, 20, 0, 5, tzinfo=TZ)
    )
    assert created


def test_after_a_transfer_each_cadre_may_log_only_their_own_days(holding):
    # given the business transferred to a new cadre on 2026-05-10
    transfer_day = datetime.date(2026, 5, 10)
    Assignment.objects.filter(pk=holding.pk).update(end_date=transfer_day)
    new_cadre = CadreFactory(level=holding.cadre.division.level)
    Assignment.objects.create(entity=holding.entity, cadre=new_cadre, start_date=transfer_day)
    new_user = cadre_user(new_cadre)
    # when the new cadre dates a visit before the transfer
    with pytest.raises(ValidationError) as refused:
        record(new_user, holding.entity, visited_at=datetime.datetime(2026, 5, 9, 15, tzinfo=TZ))
    # then it is refused, while the transfer day itself is theirs
    assert refused.value.code == "not_held"
    visit, _ = record(
        new_user, holding.entity, visited_at=datetime.datetime(2026, 5, 10, 9, tzinfo=TZ)
    )
    assert visit.cadre == new_cadre
    # and the former cadre no longer reaches the business at all
    with pytest.raises(Http404):
        record(cadre_login(holding.cadre), holding.entity)


def test_an_office_visit_counts_for_the_cadre_holding_on_its_date(holding):
    # given a transfer on 2026-05-10
    Assignment.objects.filter(pk=holding.pk).update(end_date=datetime.date(2026, 5, 10))
    new_cadre = CadreFactory(level=holding.cadre.division.level)
    Assignment.objects.create(
        entity=holding.entity, cadre=new_cadre, start_date=datetime.date(2026, 5, 10)
    )
    clerk = office_user(county())
    # when the office types in visits from either side of the transfer
    before, _ = record(clerk, holding.entity, visited_at=datetime.datetime(2026, 5, 9, tzinfo=TZ))
    after, _ = record(clerk, holding.entity, visited_at=datetime.datetime(2026, 5, 11, tzinfo=TZ))
    # then each counts for the cadre who held it that day
    assert (before.cadre, after.cadre) == (holding.cadre, new_cadre)


def test_the_last_second_of_a_quarter_counts_for_that_quarter(db):
    # given a holding since January, and today 2026-04-10 (Q1 still open for late entries)
    holding = AssignmentFactory(start_date=datetime.date(2026, 1, 1))
    with time_machine.travel(datetime.datetime(2026, 4, 10, 9, tzinfo=TZ), tick=False):
        # when a visit at 23:59:59 on 31 March is recorded
        visit, _ = record(
            cadre_login(holding.cadre),
            holding.entity,
            visited_at=datetime.datetime(2026, 3, 31, 23, 59, 59, tzinfo=TZ),
        )
    # then it counts for Q1
    assert visit.quarter == 20261


def test_a_quarter_closed_more_than_the_grace_period_ago_is_refused(db):
    # given a holding since January; Q1 closes for late entries on 15 April
    holding = AssignmentFactory(start_date=datetime.date(2026, 1, 1))
    user = cadre_login(holding.cadre)
    march = datetime.datetime(2026, 3, 20, 10, tzinfo=TZ)
    # when a March visit is logged on 15 April, it is still taken
    with time_machine.travel(datetime.datetime(2026, 4, 15, 20, tzinfo=TZ), tick=False):
        _, created = record(user, holding.entity, visited_at=march)
    assert created
    # when one is logged on 16 April, it is refused
    with (
        time_machine.travel(datetime.datetime(2026, 4, 16, 8, tzinfo=TZ), tick=False),
        pytest.raises(ValidationError) as refused,
    ):
        record(user, holding.entity, visited_at=march)
    assert refused.value.code == "quarter_closed"


# --- visit_record: idempotency --------------------------------------------------------------


def test_the_same_form_sent_twice_makes_one_visit_and_changes_nothing(holding):
    user = cadre_login(holding.cadre)
    key = uuid.uuid4()
    # given a visit recorded with a form key
    first, created = record(user, holding.entity, idempotency_key=key, findings="第一次")
    assert created
    # when the same form is sent again, even with different content
    again, created_again = record(
        user,
        holding.entity,
        idempotency_key=key,
        findings="第二次",
        checks=[{"text": "x", "area": "on_site", "result": "pass"}],
    )
    # then the first visit comes back, unchanged, and nothing else is written
    assert not created_again
    assert again.pk == first.pk
    assert Visit.objects.count() == 1
    assert Visit.objects.get().findings == "第一次"
    assert not VisitCheck.objects.exists()


def test_a_form_sent_twice_at_once_returns_the_visit_the_other_request_stored(holding, monkeypatch):
    # given the other request stored the visit after this one looked for the key
    user = cadre_login(holding.cadre)
    key = uuid.uuid4()
    stored, _ = record(user, holding.entity, idempotency_key=key)
    monkeypatch.setattr("inspections.services._stored_visit", lambda key: None)
    # when this request tries to insert it too
    visit, created = record(user, holding.entity, idempotency_key=key)
    # then the unique key refuses the insert and the stored visit is returned
    assert not created
    assert visit.pk == stored.pk
    assert Visit.objects.count() == 1


def test_a_form_key_of_someone_else_is_refused(holding):
    key = uuid.uuid4()
    record(cadre_login(holding.cadre), holding.entity, idempotency_key=key)
    aide = aide_user(CadreAideFactory(cadre=holding.cadre))
    with pytest.raises(ValidationError) as refused:
        record(aide, holding.entity, idempotency_key=key)
    assert refused.value.code == "key_taken"


# --- visit_record: checks and photos --------------------------------------------------------


def test_a_check_without_a_valid_result_is_refused(holding):
    with pytest.raises(ValidationError) as refused:
        record(
            cadre_login(holding.cadre),
            holding.entity,
            checks=[{"text": "许可证件公示", "area": "on_site", "result": "maybe"}],
        )
    assert refused.value.code == "bad_result"
    assert not Visit.objects.exists()


def test_photos_are_stored_processed(holding, settings):
    visit, _ = record(
        cadre_login(holding.cadre), holding.entity, photos=[jpeg(size=(3200, 1600)), jpeg()]
    )
    photos = list(visit.photos.order_by("id"))
    assert [(p.width, p.height) for p in photos] == [(1600, 800), (80, 60)]
    assert all(p.image.name.startswith("visits/2026/") for p in photos)
    assert all(p.image.name.endswith(".jpg") for p in photos)
    assert len(stored_files(settings)) == 2


def test_a_non_image_photo_refuses_the_whole_visit_and_writes_nothing(holding, settings):
    # given a good photo, a PDF renamed .jpg, a problem check and an issue
    fake = SimpleUploadedFile("IMG_0002.jpg", b"%PDF-1.4 ...", content_type="image/jpeg")
    # when the visit is recorded
    with pytest.raises(ValidationError) as refused:
        record(
            cadre_login(holding.cadre),
            holding.entity,
            photos=[jpeg(), fake],
            checks=[{"text": "场所环境卫生整洁", "area": "on_site", "result": "problem"}],
            issues=[
                {
                    "category": "hygiene",
                    "severity": "minor",
                    "description": "地面湿滑",
                    "actor_kind": "business",
                    "check": 0,
                }
            ],
        )
    # then nothing at all is written, not even the good photo's file
    assert refused.value.code == "photo_type"
    assert not Visit.objects.exists()
    assert not VisitCheck.objects.exists()
    assert not VisitPhoto.objects.exists()
    assert not Issue.objects.exists()
    assert stored_files(settings) == []


def test_an_oversized_photo_is_refused(holding, settings):
    photo = jpeg()
    settings.UPLOAD_MAX_BYTES = photo.size - 1
    with pytest.raises(ValidationError) as refused:
        record(cadre_login(holding.cadre), holding.entity, photos=[photo])
    assert refused.value.code == "photo_too_large"
    assert not Visit.objects.exists()


# --- visit_record: issues raised in the same form -------------------------------------------


def test_a_problem_check_raises_an_issue_in_the_same_form(holding):
    user = cadre_login(holding.cadre)
    # when a visit marks a problem and raises an issue on it, with a photo
    visit, _ = record(
        user,
        holding.entity,
        checks=[
            {"text": "许可证件公示", "area": "on_site", "result": "pass"},
            {"text": "餐饮具清洗消毒", "area": "on_site", "result": "problem"},
        ],
        issues=[
            {
                "category": "disinfection",
                "severity": "general",
                "description": "消毒柜未通电",
                "actor_kind": "business",
                "actor_name": "店主张三",
                "check": 1,
                "photo": jpeg(),
            },
            {
                "category": "other",
                "severity": "serious",
                "description": "无证经营嫌疑",
                "actor_kind": "regulator",
                "deadline": datetime.date(2026, 5, 22),
            },
        ],
    )
    # then the issues are open, linked, with a deadline by severity unless one was given
    first, second = visit.issues.order_by("id")
    assert first.visit_check.text == "餐饮具清洗消毒"
    assert first.deadline == datetime.date(2026, 6, 4)  # general: 15 days
    assert first.photo.name.endswith(".jpg")
    assert first.raised_by == user
    assert second.visit_check is None
    assert second.deadline == datetime.date(2026, 5, 22)
    assert all(i.status == IssueStatus.OPEN and i.entity == holding.entity for i in (first, second))
    events = IssueEvent.objects.filter(issue__visit=visit)
    assert [(e.from_status, e.to_status, e.by) for e in events] == [("", "open", user)] * 2


def test_an_issue_can_only_follow_up_a_problem_check(holding):
    with pytest.raises(ValidationError) as refused:
        record(
            cadre_login(holding.cadre),
            holding.entity,
            checks=[{"text": "许可证件公示", "area": "on_site", "result": "pass"}],
            issues=[
                {
                    "category": "licence",
                    "severity": "minor",
                    "description": "x",
                    "actor_kind": "business",
                    "check": 0,
                }
            ],
        )
    assert refused.value.code == "check_not_problem"
    assert not Visit.objects.exists()


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"category": "weather"}, "bad_category"),
        ({"severity": "huge"}, "bad_severity"),
        ({"actor_kind": "nobody"}, "bad_actor"),
        ({"description": "  "}, "description_required"),
        ({"deadline": datetime.date(2026, 5, 19)}, "deadline_past"),
    ],
)
def test_an_incomplete_issue_refuses_the_visit(holding, change, code):
    issue = {
        "category": "hygiene",
        "severity": "minor",
        "description": "地面湿滑",
        "actor_kind": "business",
        **change,
    }
    with pytest.raises(ValidationError) as refused:
        record(cadre_login(holding.cadre), holding.entity, issues=[issue])
    assert refused.value.code == code
    assert not Visit.objects.exists()


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
