"""The running counts of holdings, visits and issues (cadres.tallies, inspections.tallies) stay
equal to a full recount after thousands of random operations made through the services (a seeded
random walk over businesses, holdings, cadres, visits, issues and days passing, across a quarter's
end), and the rebuild recounts drifted counts."""

import datetime
import random
import uuid
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db.models import F

from baobao import clock
from baobao.models import Level
from cadres import loads as load_tallies
from cadres import tallies as holding_tallies
from cadres.models import Assignment, Cadre, CadreLoad, CadreStatus, HoldingTally, LoadTally
from cadres.services import (
    assignment_create,
    assignment_end,
    assignment_transfer,
    cadre_create,
    cadre_leave,
    cadre_update,
)
from entities import tallies as entity_tallies
from entities.models import BusinessType, Entity, EntityStatus, Grade
from entities.services import entity_change_status, entity_create, entity_regrade, entity_update
from inspections import tallies as inspection_tallies
from inspections.models import (
    ActorKind,
    Issue,
    IssueCategory,
    IssueOpenTally,
    IssueSeverity,
    IssueStatus,
    VisitTally,
)
from inspections.services import issue_raise, issue_transition, visit_record
from ledgers.counters import rollups_recounted
from tests.factories import (
    CadreFactory,
    admin_user,
    cadre_user,
    county,
    next_mobile,
    second_township,
    second_village,
    township,
    village,
    wanshan,
    wanshan_township,
    wanshan_village,
)

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
START = datetime.datetime(2026, 5, 20, 9, 0, tzinfo=TZ)  # the walk crosses the end of 2026 Q2
STEPS = 1_500
KINDS = {
    "create": 4,
    "move": 1,
    "regrade": 2,
    "status": 2,
    "assign": 8,
    "transfer": 2,
    "end": 1,
    "leave": 1,
    "hire": 2,
    "relocate": 1,
    "visit": 6,
    "raise": 3,
    "transition": 4,
    "day": 3,
}


def all_kept_equal_a_recount(today: datetime.date) -> None:
    assert entity_tallies.kept() == entity_tallies.recount()
    assert holding_tallies.kept() == holding_tallies.recount()
    assert not holding_tallies.marks_recounted()
    assert load_tallies.kept() == load_tallies.recount()
    assert not load_tallies.marks_recounted()
    assert inspection_tallies.kept(today) == inspection_tallies.recount(today)
    assert not rollups_recounted()


class Walk:
    def __init__(self, rng: random.Random, traveller):
        self.rng, self.traveller = rng, traveller
        self.villages = [village(), second_village(), wanshan_village()]
        self.admin = admin_user()
        self.cadres: list[Cadre] = []
        self.users: dict[int, object] = {}
        self.done = dict.fromkeys([*KINDS, "refused"], 0)
        self.refusals: dict = {}
        for _i in range(3):
            self.hire()

    def hire(self):
        level = self.rng.choice([Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE, Level.VILLAGE])
        places = {
            Level.COUNTY: [county, wanshan],
            Level.TOWNSHIP: [township, second_township, wanshan_township],
            Level.VILLAGE: [village, second_village, wanshan_village],
        }[level]
        division = self.rng.choice(places)()
        if self.rng.random() < 0.5:
            cadre = CadreFactory(level=level, division=division)
        else:  # through the service, with the 协保员 a county cadre needs
            cadre = cadre_create(
                by=None,
                name=f"干部{self.rng.random()}",
                division=division,
                phone=next_mobile(len(self.cadres) + 900_000),
                assistants=[{"name": "协保员", "phone": next_mobile(len(self.cadres) + 950_000)}]
                if level == Level.COUNTY
                else [],
            )
        self.cadres.append(cadre)
        self.users[cadre.pk] = cadre_user(cadre)

    def cadre_for(self, entity: Entity) -> Cadre:
        """Mostly a cadre who may hold ``entity`` (in post, over its area, of its level or
        above), now and then anyone (to be refused)."""
        fit = [
            c
            for c in self.cadres
            if c.status == CadreStatus.ACTIVE
            and c.division.contains(entity.division)
            and c.level <= entity.required_level
        ]
        return self.rng.choice(fit if fit and self.rng.random() < 0.9 else self.cadres)

    def pick(self, rows):
        """One of ``rows`` chosen by the seeded generator (in id order), or None: the walk is the
        same on every run (the database's own random order made it differ from run to run)."""
        ids = list(rows.order_by("pk").values_list("pk", flat=True))
        return rows.model.objects.get(pk=self.rng.choice(ids)) if ids else None

    def entity(self) -> Entity:
        return self.pick(Entity.objects.all())

    def step(self, kind: str) -> None:
        rng, today = self.rng, clock.today()
        if kind == "create" or Entity.objects.count() < 5:
            entity_create(
                by=None,
                name=f"店{rng.random()}",
                business_type=BusinessType.STALL,
                grade=rng.choice([Grade.B, Grade.C, Grade.D, Grade.D]),
                division=rng.choice(self.villages),
            )
        elif kind == "hire":
            self.hire()
        elif kind == "day":
            self.traveller.shift(datetime.timedelta(days=rng.choice([1, 1, 2, 5])))
        elif kind == "move":
            entity_update(entity=self.entity(), by=None, division=rng.choice(self.villages))
        elif kind == "regrade":
            entity_regrade(
                entity=self.entity(), new_grade=rng.choice(Grade.values), reason="复评", by=None
            )
        elif kind == "status":
            entity_change_status(
                entity=self.entity(), status=rng.choice(EntityStatus.values), reason="变更", by=None
            )
        elif kind == "assign":
            held = Assignment.objects.filter(end_date__isnull=True).values("entity_id")
            unheld = Entity.objects.exclude(status=EntityStatus.CLOSED).exclude(pk__in=held)
            entity = self.pick(unheld if rng.random() < 0.8 else Entity.objects.all())
            if entity is None:
                raise ValidationError("everything is held")
            assignment_create(
                entity=entity,
                cadre=self.cadre_for(entity),
                by=None,
                escalation_reason=rng.choice(["", "风险高", "风险高"]),
            )
        elif kind in ("transfer", "end", "visit", "raise"):
            holding = self.pick(Assignment.objects.filter(end_date__isnull=True))
            if holding is None:
                raise ValidationError("nothing held")
            if kind == "transfer":
                assignment_transfer(
                    assignment=holding,
                    to_cadre=self.cadre_for(holding.entity),
                    reason="调整",
                    escalation_reason="风险高",
                    by=None,
                )
            elif kind == "end":
                assignment_end(assignment=holding, reason="解除", by=None)
            elif kind == "visit":
                visit_record(
                    user=self.users[holding.cadre_id],
                    entity=holding.entity,
                    visited_at=clock.now() - datetime.timedelta(hours=rng.choice([1, 30])),
                    on_site=True,
                    idempotency_key=uuid.uuid4(),
                )
            else:
                issue_raise(
                    user=self.admin,
                    entity=holding.entity,
                    category=IssueCategory.HYGIENE,
                    severity=IssueSeverity.MINOR,
                    description="问题",
                    actor_kind=ActorKind.BUSINESS,
                    deadline=today + datetime.timedelta(days=rng.choice([1, 3, 10])),
                )
        elif kind == "leave":
            in_post = [c for c in self.cadres if c.status == CadreStatus.ACTIVE]
            if len(in_post) < 2:
                raise ValidationError("keep someone in post")
            cadre = rng.choice(in_post)
            cadre_leave(cadre=cadre, reason="调离", by=None)
            cadre.refresh_from_db()
        elif kind == "relocate":
            # a cadre moves to another area of the same level (refused while holding anything)
            cadre = rng.choice(self.cadres)
            same_level = [
                d
                for d in (
                    village(),
                    second_village(),
                    wanshan_village(),
                    township(),
                    second_township(),
                    wanshan_township(),
                    county(),
                    wanshan(),
                )
                if d.level == cadre.division.level and d.pk != cadre.division_id
            ]
            cadre_update(cadre=cadre, by=None, division=rng.choice(same_level))
            cadre.refresh_from_db()
        elif kind == "transition":
            issue = self.pick(Issue.objects.all())
            if issue is None:
                raise ValidationError("no issue")
            issue_transition(
                issue=issue,
                user=self.admin,
                to_status=rng.choice(IssueStatus.values),
                note="已整改",
            )


def _walk(seed: int, steps: int) -> Walk:
    rng = random.Random(seed)
    with time_machine.travel(START, tick=False) as traveller:
        walk = Walk(rng, traveller)
        for _step in range(steps):
            kind = rng.choices(list(KINDS), weights=list(KINDS.values()))[0]
            try:
                walk.step(kind)
                walk.done[kind] += 1
            except (ValidationError, PermissionDenied) as e:
                walk.refusals[kind, str(e)[:80]] = walk.refusals.get((kind, str(e)[:80]), 0) + 1
                walk.done["refused"] += 1  # refused by a rule: it must leave no trace
            if _step % 500 == 499:
                all_kept_equal_a_recount(clock.today())
        walk.today = clock.today()
        all_kept_equal_a_recount(walk.today)
    return walk


def test_every_counter_equals_a_recount_after_a_random_walk_of_operations():
    walk = _walk(18, STEPS)
    # every kind of operation happened, some were refused, and the walk crossed a quarter's end
    assert all(walk.done.values()), (walk.done, walk.refusals)
    assert walk.today > datetime.date(2026, 7, 1), walk.today
    # and the counts are not trivially empty
    assert sum(v[0] for v in holding_tallies.kept().values()) > 10
    assert any(v[1] for v in holding_tallies.kept().values())
    assert any(v[2] for v in holding_tallies.kept().values())
    counted = inspection_tallies.kept(walk.today)
    assert counted["visits"] and counted["open"] and counted["months"]


def test_the_rebuild_recounts_drifted_counters():
    walk = _walk(7, 300)
    HoldingTally.objects.filter(pk=HoldingTally.objects.order_by("pk").first().pk).update(
        held=F("held") + 3
    )
    IssueOpenTally.objects.all().delete()
    VisitTally.objects.update(visited=F("visited") + 1)
    LoadTally.objects.filter(pk=LoadTally.objects.order_by("pk").first().pk).update(
        cadres=F("cadres") + 2
    )
    CadreLoad.objects.filter(pk=CadreLoad.objects.order_by("pk").first().pk).update(load=99)
    with time_machine.travel(datetime.datetime.combine(walk.today, START.timetz()), tick=False):
        assert holding_tallies.kept() != holding_tallies.recount()
        assert load_tallies.kept() != load_tallies.recount() and load_tallies.marks_recounted()
        call_command("counters_rebuild", stdout=open("/dev/null", "w"))  # noqa: SIM115
        all_kept_equal_a_recount(walk.today)


def test_a_database_migrated_from_before_the_counters_gets_them_filled_after_migrate():
    from cadres.models import HoldingMark
    from entities.models import EntityTally
    from inspections.models import InspectionMark, IssueMonthTally
    from ledgers.counters import counters_fill_after_migrate, counters_missing

    walk = _walk(11, 200)
    with time_machine.travel(datetime.datetime.combine(walk.today, START.timetz()), tick=False):
        # given counters that are right, a migrate leaves them alone
        VisitTally.objects.update(visited=F("visited") + 1)
        counters_fill_after_migrate(sender=None)
        assert inspection_tallies.kept(walk.today) != inspection_tallies.recount(walk.today)
        # when a database has the register but no counter tables' rows (they came with migrate)
        for model in (
            EntityTally,
            HoldingMark,
            HoldingTally,
            InspectionMark,
            VisitTally,
            IssueOpenTally,
            IssueMonthTally,
        ):
            model.objects.all().delete()
        assert counters_missing()
        counters_fill_after_migrate(sender=None)
        # then every counter is filled from the rows
        assert not counters_missing()
        all_kept_equal_a_recount(walk.today)
        # and a database that predates only the cadres' loads gets those filled
        CadreLoad.objects.all().delete()
        LoadTally.objects.all().delete()
        counters_fill_after_migrate(sender=None)
        assert LoadTally.objects.exists()
        all_kept_equal_a_recount(walk.today)


def test_the_balance_page_s_figures_equal_a_live_count_after_a_random_walk():
    from django.db.models import Count, Q

    from cadres.selectors.balance import (
        balance_idle,
        balance_overloaded,
        cadre_load_balance,
        cadre_load_balance_live,
    )
    from tests.factories import city, office_user

    _walk(5, 600)
    live_loads = dict(
        Cadre.objects.filter(status=CadreStatus.ACTIVE)
        .annotate(n=Count("assignments", filter=Q(assignments__end_date__isnull=True)))
        .values_list("pk", "n")
    )
    assert 0 in live_loads.values() and max(live_loads.values()) > 2, live_loads
    for user, division in [
        (admin_user(), None),
        (admin_user(), county()),
        (office_user(city()), None),
        (office_user(county()), None),
        (office_user(county()), township()),
        (office_user(wanshan()), None),
    ]:
        # the figures from the running counts are those of a count of every cadre's holdings
        balance = cadre_load_balance(user=user, division=division)
        assert balance == cadre_load_balance_live(user=user, division=division)
        assert balance["levels"]
        # and the lists hold the cadres whose live load is above their level's threshold or 0
        thresholds = {stats.level: stats.threshold for stats in balance["levels"]}
        over = balance_overloaded(user=user, thresholds=thresholds, division=division)
        idle = balance_idle(user=user, division=division)
        assert {(c.pk, c.load) for c in over} == {
            (c.pk, live_loads[c.pk])
            for c in Cadre.objects.for_user(user).filter(status=CadreStatus.ACTIVE)
            if (division is None or c.division.path.startswith(division.path))
            and live_loads[c.pk] > thresholds[c.level]
        }
        assert {c.pk for c in idle} == {
            c.pk
            for c in Cadre.objects.for_user(user).filter(status=CadreStatus.ACTIVE)
            if (division is None or c.division.path.startswith(division.path))
            and live_loads[c.pk] == 0
        }
