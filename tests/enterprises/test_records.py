"""The business's records: append-only, one original per period, corrections, the weekly
pre-fill, the cadre's evidence since the last visit, and the office's completion rates."""

import datetime
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from enterprises.models import Record, RecordKind, RecordPolicy, Requirement
from enterprises.months import record_months_rebuild
from enterprises.rates import completion_rates
from enterprises.rollup import rate_rollup_rebuild
from enterprises.selectors import self_check_evidence, weekly_prefill
from enterprises.services import record_submit
from tests.enterprises.conftest import business_user
from tests.factories import (
    AssignmentFactory,
    EntityFactory,
    VisitFactory,
    cadre_login,
    county,
    office_user,
)
from tests.helpers import jpeg

pytestmark = pytest.mark.django_db

D = datetime.date


def items(problem: int | None = None, fixed=False):
    return [
        {
            "text": f"检查{i}",
            "ok": i != problem,
            "note": "有问题" if i == problem else "",
            "fixed": fixed,
        }
        for i in range(3)
    ]


def daily(user, entity, day, **kw):
    return record_submit(
        user=user,
        entity=entity,
        kind=RecordKind.DAILY,
        day=day,
        today=day,
        content={"items": items(**kw)},
    )[0]


def test_records_are_append_only_and_corrected_by_a_new_record(pinned):
    # given a business user's daily check of today
    entity = EntityFactory()
    user = business_user(entity)
    first = daily(user, entity, pinned)
    # then it cannot be changed in place
    first.content = {}
    with pytest.raises(ValidationError):
        first.save()
    # and a second original for the same day is refused
    with pytest.raises(ValidationError) as refused:
        daily(user, entity, pinned)
    assert refused.value.code == "duplicate"
    # while a correction is a new record naming the original (a correction of it too)
    second = record_submit(
        user=user,
        entity=entity,
        kind="daily",
        day=pinned,
        today=pinned,
        content={"items": items(1)},
        corrects=first,
    )[0]
    third = record_submit(
        user=user,
        entity=entity,
        kind="daily",
        day=pinned,
        today=pinned,
        content={"items": items()},
        corrects=second,
    )[0]
    assert second.corrects == first and third.corrects == first
    assert Record.objects.filter(entity=entity).count() == 3
    assert Record.objects.get(pk=first.pk).content["items"][0]["ok"]


def test_a_resend_with_the_same_key_records_once(pinned):
    entity = EntityFactory()
    user = business_user(entity)
    key = uuid.uuid4()
    kwargs = {
        "user": user,
        "entity": entity,
        "kind": "daily",
        "day": pinned,
        "today": pinned,
        "content": {"items": items()},
    }
    first, created = record_submit(**kwargs, idempotency_key=key)
    again, created_again = record_submit(**kwargs, idempotency_key=key)
    assert created and not created_again and first == again


def test_only_the_business_people_write_its_records(pinned):
    mine, theirs = EntityFactory(), EntityFactory()
    user = business_user(mine)
    with pytest.raises(PermissionDenied):
        daily(user, theirs, pinned)
    with pytest.raises(PermissionDenied):
        daily(office_user(county()), mine, pinned)


def test_a_problem_needs_a_note_and_photos_are_re_encoded(pinned):
    entity = EntityFactory()
    user = business_user(entity)
    bad = [{"text": "证照", "ok": False, "note": ""}]
    with pytest.raises(ValidationError):
        record_submit(
            user=user,
            entity=entity,
            kind="daily",
            day=pinned,
            today=pinned,
            content={"items": bad},
        )
    record, _ = record_submit(
        user=user,
        entity=entity,
        kind="daily",
        day=pinned,
        today=pinned,
        content={"items": items(0)},
        item_photos={0: jpeg()},
    )
    photo = record.photos.get()
    assert photo.item == 0 and photo.image.name.endswith(".jpg")
    assert record.problems == 1 and record.open_problems == 1


def test_the_weekly_report_starts_from_the_weeks_daily_checks(pinned):
    # given Mon..Wed of this week: a problem fixed on the spot, an open one, a clean day,
    # and last week's problem that must not count
    entity = EntityFactory()
    user = business_user(entity)
    daily(user, entity, D(2026, 3, 16), problem=0, fixed=True)
    daily(user, entity, D(2026, 3, 17), problem=2)
    daily(user, entity, D(2026, 3, 18))
    daily(user, entity, D(2026, 3, 13), problem=1)
    # when the weekly report is opened
    prefill = weekly_prefill(entity=entity, day=pinned)
    # then it counts this week's three days, two problems, one still open, each named
    assert prefill["week_start"] == D(2026, 3, 16)
    assert (prefill["days"], prefill["problems"], prefill["open_problems"]) == (3, 2, 1)
    assert "03-16 检查0" in prefill["found"] and "03-17 检查2" in prefill["found"]
    assert "03-13" not in prefill["found"]


def _seed_fortnight(user, entity):
    """Daily checks on 7 of the 10 working days 2026-03-02..13, one weekly report (week of
    03-02), one monthly minutes (February)."""
    for day in (2, 3, 4, 6, 9, 10, 12):
        Record.objects.create(
            entity=entity,
            kind="daily",
            period_start=D(2026, 3, day),
            content={},
            submitted_by=user,
            submitted_at=timezone.now(),
            problems=1,
            open_problems=day == 12,
        )
    Record.objects.create(
        entity=entity,
        kind="weekly",
        period_start=D(2026, 3, 2),
        content={},
        submitted_by=user,
        submitted_at=timezone.now(),
    )
    Record.objects.create(
        entity=entity,
        kind="monthly",
        period_start=D(2026, 2, 1),
        content={},
        submitted_by=user,
        submitted_at=timezone.now(),
    )
    record_months_rebuild(entity_ids=[entity.pk])  # as the seed leaves the rates' summary


def test_the_evidence_counts_since_the_last_visit(pinned, django_assert_max_num_queries):
    entity = EntityFactory(grade="B")
    user = business_user(entity)
    _seed_fortnight(user, entity)
    # when the evidence from 2026-03-02 to 03-15 is read
    with django_assert_max_num_queries(3):
        evidence = self_check_evidence(entity=entity, since=D(2026, 3, 2), today=D(2026, 3, 15))
    rows = {row["kind"]: (row["done"], row["due"]) for row in evidence["rows"]}
    # then: 7 of 10 working days, 1 of 2 weeks, no month ended in the window (February's
    # minutes are before it)
    assert rows == {"daily": (7, 10), "weekly": (1, 2), "monthly": (0, 0)}
    assert evidence["short"]


def test_the_visit_form_shows_the_counts_since_the_last_visit(client, pinned):
    # given a held business last visited on 2026-03-01, with a fortnight of records
    holding = AssignmentFactory(entity=EntityFactory(grade="B"), start_date=D(2026, 1, 1))
    entity = holding.entity
    VisitFactory(
        assignment=holding,
        visited_at=timezone.make_aware(datetime.datetime(2026, 3, 1, 10)),
    )
    _seed_fortnight(business_user(entity), entity)
    client.force_login(cadre_login(holding.cadre))
    # when the cadre opens the visit form on 2026-03-18
    page = client.get(reverse("inspections:visit-new"), {"entity": entity.pk})
    # then: daily 7 of 13 working days (03-02..18), weekly 1 of 2, and the checklist's
    # 日管控 item suggests a problem
    assert page.status_code == 200
    text = page.text
    section = text[text.index('id="self-management"') :]
    section = section[: section.index("</section>")]
    assert "7" in section and "13" in section
    hint = text[text.index('class="hint"') :][:400]
    assert "7/13" in hint and "1/2" in hint


def test_exempt_businesses_owe_nothing(pinned):
    RecordPolicy.objects.update_or_create(
        business_type="stall", grade="", defaults={"requirement": Requirement.EXEMPT}
    )
    entity = EntityFactory(business_type="stall")
    evidence = self_check_evidence(entity=entity, since=D(2026, 3, 2), today=D(2026, 3, 15))
    assert not evidence["required"] and not evidence["short"]
    assert all(row["due"] == 0 for row in evidence["rows"])


def test_completion_rates_match_a_hand_count(pinned, django_assert_max_num_queries):
    # given in 碧江区 two B restaurants (full policy) and a D restaurant (daily only)
    bijiang = county()
    full_1, full_2 = EntityFactory(grade="B"), EntityFactory(grade="B")
    daily_only = EntityFactory(grade="D")
    rate_rollup_rebuild()  # the factory writes past the register's services that keep it
    user = business_user(full_1, full_2, daily_only)
    _seed_fortnight(user, full_1)  # 7 daily, 1 weekly
    for day in (2, 3):
        Record.objects.create(
            entity=daily_only,
            kind="daily",
            period_start=D(2026, 3, day),
            content={},
            submitted_by=user,
            submitted_at=timezone.now(),
        )
    Record.objects.create(  # a weekly report the policy does not ask of a D business
        entity=daily_only,
        kind="weekly",
        period_start=D(2026, 3, 2),
        content={},
        submitted_by=user,
        submitted_at=timezone.now(),
    )
    record_months_rebuild(entity_ids=[daily_only.pk])
    office = office_user(bijiang)
    # when the office reads 2026-03-02..13 by grade
    # (the division's scope, the calendar, the policy, businesses by group, periods kept)
    with django_assert_max_num_queries(5):
        rows = completion_rates(
            user=office, division=bijiang, grouping="grade", start=D(2026, 3, 2), end=D(2026, 3, 13)
        )
    by_grade = {row.key: {r["kind"]: (r["done"], r["due"]) for r in row.rates()} for row in rows}
    # then by hand: B: daily 7 of 2×10, weekly 1 of 2×1 (the week of 03-09 has not ended by
    # 03-13), monthly none due; D: daily 2 of 10, its weekly report counts for nothing
    assert by_grade["B"] == {"daily": (7, 20), "weekly": (1, 2), "monthly": (0, 0)}
    assert by_grade["D"] == {"daily": (2, 10), "weekly": (0, 0), "monthly": (0, 0)}
    # and by area, all under the one township
    area = completion_rates(
        user=office, division=bijiang, grouping="area", start=D(2026, 3, 2), end=D(2026, 3, 13)
    )
    assert [r.businesses for r in area] == [3]
    assert area[0].rates()[0]["done"] == 9 and area[0].rates()[0]["due"] == 30


def test_the_rates_page_drills_down_with_few_queries(client, pinned, django_assert_max_num_queries):
    # given a business with records in a village of 碧江区
    bijiang = county()
    entity = EntityFactory(grade="B")
    rate_rollup_rebuild()  # the factory writes past the register's services that keep it
    _seed_fortnight(business_user(entity), entity)
    client.force_login(office_user(bijiang.parent))
    url = reverse("enterprises:rates")
    # when the city office opens the rates by area, then 碧江区 is a row linking further down
    with django_assert_max_num_queries(12):
        page = client.get(url, {"start": "2026-03-02", "end": "2026-03-13"})
    assert page.status_code == 200
    assert f"division={bijiang.pk}" in page.text and "7/10" in page.text
    # and following it shows the township below, with the same counts
    down = client.get(url, {"start": "2026-03-02", "end": "2026-03-13", "division": bijiang.pk})
    assert "环北街道" in down.text and "7/10" in down.text
    # a cadre has no such page
    holder = AssignmentFactory().cadre
    client.force_login(cadre_login(holder))
    assert client.get(url).status_code == 404


def test_the_business_page_shows_the_evidence_and_the_accounts(client, pinned):
    entity = EntityFactory(grade="B")
    user = business_user(entity, first_name="王晓燕")
    _seed_fortnight(user, entity)
    client.force_login(office_user(county()))
    page = client.get(reverse("entities:detail", args=[entity.pk]))
    section = page.text[page.text.index('id="self-management"') :]
    assert "王晓燕" in section and reverse("enterprises:account-new", args=[entity.pk]) in section
