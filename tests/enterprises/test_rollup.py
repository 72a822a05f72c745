"""The rates' rollup (enterprises.rollup) stays equal to a rebuild from the businesses and the
monthly summary after a seeded random walk of record submits and of businesses created, moved,
retyped, regraded, suspended and closed through the services; and the rates read from it equal
the per-business computation for random ranges, scopes and groupings."""

import datetime
import random

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from django.db.models import F
from django.utils import timezone

from enterprises.models import (
    Membership,
    Position,
    RateDays,
    RateTally,
    Record,
    RecordKind,
    RecordPolicy,
    Requirement,
)
from enterprises.rates import GROUPINGS, completion_rates
from enterprises.rollup import rate_rollup_rebuild
from enterprises.services import record_submit
from entities.models import BusinessType, Entity, EntityStatus, Grade
from entities.services import (
    entities_create_bulk,
    entities_update_bulk,
    entity_change_status,
    entity_create,
    entity_regrade,
    entity_update,
)
from tests.enterprises.conftest import business_user
from tests.enterprises.rates_by_business import rates_by_business, table
from tests.factories import (
    admin_user,
    city,
    county,
    office_user,
    second_village,
    township,
    valid_uscc,
    village,
    wanshan,
    wanshan_village,
)

pytestmark = [
    pytest.mark.django_db,
    # the rollup is PostgreSQL's (enterprises.rollup.kept); elsewhere pages read the summary
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the rates' rollup is kept on PostgreSQL"
    ),
]

D = datetime.date
FIRST = D(2026, 1, 5)  # the walk's days run from here, a day every few steps, into March
TYPES = [BusinessType.CATERING, BusinessType.STALL, BusinessType.SCHOOL_CANTEEN]
ITEMS = {"items": [{"text": "检查", "ok": True, "note": "", "fixed": False}]}
OTHER = {"found": "无", "focus": "留样"}


def _kept() -> tuple[dict, dict]:
    tallies = {(t.area_path, t.business_type, t.grade): t.n for t in RateTally.objects.exclude(n=0)}
    days = {
        (d.area_path, d.business_type, d.grade, d.kind, d.month): d.days
        for d in RateDays.objects.all()
        if any(d.days)
    }
    return tallies, days


def _policy_overrides() -> None:
    """Rules of an area of their own, so the read side's per-area policy is exercised."""
    RecordPolicy.objects.create(
        division=county(), business_type=BusinessType.STALL, requirement=Requirement.EXEMPT
    )
    RecordPolicy.objects.create(
        division=wanshan(), grade=Grade.C, requirement=Requirement.DAILY_ONLY
    )


def _walk(rng: random.Random, steps: int) -> dict[str, int]:
    villages = [village(), second_village(), wanshan_village()]
    grades, statuses = list(Grade.values), list(EntityStatus.values)
    user = business_user()
    kinds = ["create", "bulk", "move", "retype", "bulk_retype", "regrade", "status", "submit"]
    done = dict.fromkeys([*kinds, "correct", "refused"], 0)
    ids: list[int] = []

    def joined(entities) -> None:
        for entity in entities:
            Membership.objects.create(user=user, entity=entity, position=Position.OFFICER)
            ids.append(entity.pk)

    for step in range(steps):
        today = FIRST + datetime.timedelta(days=step // 8)
        kind = rng.choices(kinds, weights=[4, 1, 2, 2, 1, 2, 3, 20])[0]
        if kind in ("create", "bulk") or len(ids) < 3:
            if kind == "bulk":
                rows = [
                    {
                        "name": f"批量店{step}-{k}",
                        "business_type": BusinessType.STALL,
                        "grade": rng.choice(grades),
                        "division": rng.choice(villages),
                        "uscc": valid_uscc(900_000 + 10 * step + k),
                    }
                    for k in range(rng.randint(1, 4))
                ]
                entities_create_bulk(rows=rows, by=None, reason="导入")
                joined(Entity.objects.filter(name__startswith=f"批量店{step}-"))
                done["bulk"] += 1
            else:
                entity = entity_create(
                    by=None,
                    name=f"店{step}",
                    business_type=rng.choice(TYPES),
                    grade=rng.choice(grades),
                    division=rng.choice(villages),
                    uscc=valid_uscc(900_000 + 10 * step),
                )
                joined([entity])
                done["create"] += 1
            continue
        entity = Entity.objects.get(pk=rng.choice(ids))
        try:
            if kind == "submit":
                record = rng.choice(list(RecordKind.values))
                day = today - datetime.timedelta(days=rng.randint(0, 6))
                content = ITEMS if record == RecordKind.DAILY else OTHER
                try:
                    original, _new = record_submit(
                        user=user, entity=entity, kind=record, day=day, today=today, content=content
                    )
                except ValidationError as exc:
                    if exc.code != "duplicate":
                        raise
                    # the period is kept already: a correction, which keeps no new day
                    original = Record.objects.filter(
                        entity=entity, kind=record, corrects__isnull=True
                    ).latest("pk")
                    record_submit(
                        user=user,
                        entity=entity,
                        kind=record,
                        day=original.period_start,
                        today=today,
                        content=content,
                        corrects=original,
                    )
                    done["correct"] += 1
                    continue
            elif kind == "move":
                entity_update(entity=entity, by=None, division=rng.choice(villages))
            elif kind == "retype":
                entity_update(entity=entity, by=None, business_type=rng.choice(TYPES))
            elif kind == "bulk_retype":
                some = Entity.objects.filter(pk__in=rng.sample(ids, 3)).select_related("division")
                entities_update_bulk(
                    changes=[(e, {"business_type": rng.choice(TYPES)}) for e in some], by=None
                )
            elif kind == "regrade":
                entity_regrade(entity=entity, new_grade=rng.choice(grades), reason="复评", by=None)
            else:
                entity_change_status(
                    entity=entity, status=rng.choice(statuses), reason="变更", by=None
                )
            done[kind] += 1
        except (ValidationError, PermissionDenied):
            done["refused"] += 1  # the same grade or status, a date out of the window …
    return done


@pytest.fixture
def walked():
    moment = timezone.make_aware(datetime.datetime(2026, 3, 31, 20, 0))
    with time_machine.travel(moment, tick=False):
        _policy_overrides()
        done = _walk(random.Random(16), 700)
        yield done


def test_the_rollup_equals_a_rebuild_after_a_random_walk(walked):
    # every kind of change happened, and some were refused or were corrections
    assert all(walked.values()), walked
    tallies, days = _kept()
    active = Entity.objects.filter(status=EntityStatus.ACTIVE).count()
    assert sum(tallies.values()) == active > 0
    assert sum(sum(d) for d in days.values()) > 100
    # when the rollup is derived again from the businesses and the monthly summary
    rate_rollup_rebuild()
    # then it is the very rollup the services kept
    assert _kept() == (tallies, days)


def test_the_rates_from_the_rollup_equal_the_per_business_rates(walked):
    rng = random.Random(61)
    admin = admin_user()
    scopes = [(admin, None), (office_user(city()), city()), (office_user(county()), county())]
    scopes += [(office_user(wanshan()), wanshan()), (office_user(township()), township())]
    scopes += [(office_user(county()), village()), (office_user(wanshan()), county())]
    compared = nonempty = 0
    for _ in range(40):
        start = FIRST + datetime.timedelta(days=rng.randint(-10, 70))
        end = start + datetime.timedelta(days=rng.randint(0, 60))
        user, division = rng.choice(scopes)
        division = division or city().parent
        for grouping in GROUPINGS:
            args = {"user": user, "division": division, "grouping": grouping}
            expected = rates_by_business(**args, start=start, end=end)
            assert table(completion_rates(**args, start=start, end=end)) == table(expected)
            compared += 1
            nonempty += any(r.done for r in expected)
    assert compared == 120 and nonempty > 30  # most comparisons had kept days in them


def test_the_command_rebuilds_a_drifted_rollup(walked):
    kept = _kept()
    first = RateDays.objects.order_by("pk").first()
    RateDays.objects.filter(pk=first.pk).update(days=[5] * 31)
    RateTally.objects.filter(pk=RateTally.objects.order_by("pk").first().pk).update(n=F("n") + 3)
    assert _kept() != kept
    call_command("enterprises_rebuild_months", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert _kept() == kept
