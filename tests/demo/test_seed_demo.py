"""seed_demo: the Tongren-shaped demo city, the consistency of its ledgers, logins, idempotence."""

import io
import random

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from baobao.models import Division, Level, Role, User
from cadres.models import (
    Adjustment,
    AdjustmentKind,
    AideKind,
    Assignment,
    Cadre,
    CadreAide,
    CadreStatus,
    ZoneAssignment,
)
from demo import names
from demo.city import CityBuilder
from demo.management.commands.seed_demo import Command
from demo.rows import SeedContext
from demo.shape import TONGREN
from entities.models import GRADE_LEVEL, Entity, EntityStatus, GradeChange, Zone
from tests import factories

pytestmark = pytest.mark.django_db

SCALE = 0.01
# Tongren's figures (A 48, B 470, C 1,745, D 37,006; 8,844 cadres) × 0.01, rounded half up.
EXPECTED_GRADES = {"A": 1, "B": 5, "C": 17, "D": 370}
EXPECTED_CADRES = 88
PASSWORD = "Demo@2026"
DEMO_USERS = {
    "admin": Role.ADMIN,
    "province": Role.PROVINCE_OFFICE,
    "city": Role.CITY_OFFICE,
    "county": Role.COUNTY_OFFICE,
    "township": Role.TOWNSHIP_OFFICE,
    "cadre": Role.CADRE,
    "assistant": Role.ASSISTANT,
    "liaison": Role.LIAISON,
    "enterprise": Role.BUSINESS,
}
TONGREN_COUNTIES = {
    "520602000000": "碧江区",
    "520603000000": "万山区",
    "520621000000": "江口县",
    "520622000000": "玉屏侗族自治县",
    "520623000000": "石阡县",
    "520624000000": "思南县",
    "520625000000": "印江土家族苗族自治县",
    "520626000000": "德江县",
    "520627000000": "沿河土家族自治县",
    "520628000000": "松桃苗族自治县",
}
MODELS = (
    Division,
    Entity,
    Cadre,
    CadreAide,
    Assignment,
    Adjustment,
    GradeChange,
    User,
    Zone,
    ZoneAssignment,
)


def seed(**options) -> str:
    out = io.StringIO()
    call_command("seed_demo", scale=SCALE, stdout=out, **options)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def test_seed_builds_a_scaled_tongren():
    # when the demo is seeded at 1% of Tongren
    output = seed()

    # then the grades and cadres are Tongren's figures scaled, and the summary says so
    grades = {g: Entity.objects.filter(grade=g).count() for g in EXPECTED_GRADES}
    assert grades == EXPECTED_GRADES
    assert Cadre.objects.count() == EXPECTED_CADRES
    assert "A 1 / B 5 / C 17 / D 370" in output
    # and the tree is 贵州省 → 铜仁市 → its ten real counties, each with townships and villages
    city = Division.objects.get(code="520600000000")
    assert (city.name, city.level, city.parent.code) == ("铜仁市", Level.CITY, "520000000000")
    counties = Division.objects.filter(parent=city)
    assert {c.code: c.name for c in counties} == TONGREN_COUNTIES
    for county in counties:
        townships = Division.objects.filter(parent=county)
        assert townships.count() >= 2
        assert all(t.name.endswith(("街道", "镇", "乡")) for t in townships)
        for township in townships:
            villages = Division.objects.filter(parent=township)
            assert villages.count() >= 2
            assert all(v.name.endswith(("村", "社区")) for v in villages)
            assert all(v.path == v.code and v.code.startswith(township.path) for v in villages)
    # and every entity sits in a village
    assert not Entity.objects.exclude(division__level=Level.VILLAGE).exists()


def test_entities_carry_valid_unique_codes_and_phones():
    # given the seeded demo
    seed()

    # then every entity passes the field validators (credit code check digit, phones)
    for entity in Entity.objects.all():
        entity.clean_fields()
        entity.clean()
    usccs = list(Entity.objects.exclude(uscc="").values_list("uscc", flat=True))
    assert len(usccs) == len(set(usccs))
    assert not Entity.objects.filter(uscc="").exclude(business_type="stall").exists()
    for cadre in Cadre.objects.all():
        cadre.clean_fields()
    phones = list(Cadre.objects.values_list("phone", flat=True))
    assert len(phones) == len(set(phones))


def test_city_and_county_cadres_have_assistants_and_a_liaison():
    # given the seeded demo
    seed()

    # then each city or county cadre has one or two active 协保员 and one 联络员; others none
    for cadre in Cadre.objects.select_related("division"):
        assistants = cadre.aides.filter(kind=AideKind.ASSISTANT, is_active=True).count()
        liaisons = cadre.aides.filter(kind=AideKind.LIAISON, is_active=True).count()
        if cadre.division.level in (Level.CITY, Level.COUNTY):
            assert 1 <= assistants <= 2, cadre
            assert liaisons == 1, cadre
        else:
            assert (assistants, liaisons) == (0, 0), cadre


def test_every_current_holding_obeys_the_level_rule():
    # given the seeded demo
    seed()

    # then each open holding's cadre is at or above the grade's level, within the entity's area,
    # escalated exactly when strictly above, and an escalation says why
    current = Assignment.objects.current().select_related("entity__division", "cadre__division")
    assert current.exists()
    for a in current:
        required = GRADE_LEVEL[a.entity.grade]
        assert a.cadre.division.level <= required, a
        assert a.escalated == (a.cadre.division.level < required), a
        assert not a.escalated or a.escalation_reason.strip(), a
        assert a.entity.division.path.startswith(a.cadre.division.path), a
        if a.via_zone_id:
            assert a.entity.zone_id == a.via_zone.zone_id, a
    # and Tongren's escalation of B entities to city cadres is there
    assert current.filter(entity__grade="B", cadre__division__level=Level.CITY).exists()


def test_holdings_and_ledgers_agree():
    # given the seeded demo
    seed()

    # then no entity has two open holdings, and closed entities have none
    open_entities = list(Assignment.objects.current().values_list("entity_id", flat=True))
    assert len(open_entities) == len(set(open_entities))
    assert not Assignment.objects.current().filter(entity__status=EntityStatus.CLOSED).exists()
    # and every holding, open or ended, has the adjustment row that opened it
    opened = set(
        Adjustment.objects.exclude(to_cadre=None).values_list(
            "entity_id", "to_cadre_id", "effective_date"
        )
    )
    for row in Assignment.objects.values_list("entity_id", "cadre_id", "start_date"):
        assert row in opened, row
    # and every entity has its first grading, in force for the current grade unless regraded
    firsts = dict(GradeChange.objects.filter(old_grade="").values_list("entity_id", "new_grade"))
    regraded = dict(GradeChange.objects.exclude(old_grade="").values_list("entity_id", "new_grade"))
    for entity_id, grade in Entity.objects.values_list("id", "grade"):
        assert regraded.get(entity_id, firsts[entity_id]) == grade
    assert GradeChange.objects.filter(old_grade="", reason="初次定级").count() == sum(
        EXPECTED_GRADES.values()
    )
    # and the ledger shows more than first assignments
    kinds = set(Adjustment.objects.values_list("kind", flat=True))
    assert {
        AdjustmentKind.ASSIGN,
        AdjustmentKind.ESCALATE,
        AdjustmentKind.ZONE_ASSIGN,
        AdjustmentKind.TRANSFER,
        AdjustmentKind.CADRE_LEFT,
        AdjustmentKind.REGRADE,
        AdjustmentKind.ENTITY_CLOSED,
    } <= kinds


def test_the_office_has_coverage_gaps_to_see():
    # given the seeded demo
    seed()

    # then a few active entities have no holder, and a cadre who left still holds some
    active = Entity.objects.exclude(status=EntityStatus.CLOSED)
    unheld = active.exclude(pk__in=Assignment.objects.current().values("entity_id"))
    assert 1 <= unheld.count() <= active.count() * 0.02
    left = Cadre.objects.filter(status=CadreStatus.LEFT)
    assert left.exists()
    assert all(c.left_on and c.left_reason for c in left)
    assert Assignment.objects.current().filter(cadre__status=CadreStatus.LEFT).exists()


def test_demo_users_can_log_in():
    # given the seeded demo
    seed()

    for username, role in DEMO_USERS.items():
        # when each demo user logs in through the login page
        response = Client().post("/accounts/login/", {"username": username, "password": PASSWORD})

        # then they are let in, with their role and a Chinese name
        assert (response.status_code, response["Location"]) == (302, "/"), username
        user = User.objects.get(username=username)
        assert user.role == role
        assert user.first_name
        assert user.is_staff == user.is_superuser == (username == "admin")


def test_demo_cadre_is_a_county_cadre_with_holdings_and_aides():
    # given the seeded demo
    seed()

    # then the cadre login is a 碧江区 county cadre holding several businesses
    users = {u.username: u for u in User.objects.select_related("cadre__division", "aide")}
    cadre = users["cadre"].cadre
    assert cadre.division.level == Level.COUNTY
    assert cadre.division.code == "520602000000"
    assert Assignment.objects.current().filter(cadre=cadre).count() >= 3
    # and the assistant and liaison logins work for that cadre
    assert users["assistant"].aide.cadre_id == cadre.pk
    assert users["assistant"].aide.kind == AideKind.ASSISTANT
    assert users["liaison"].aide.cadre_id == cadre.pk
    assert users["liaison"].aide.kind == AideKind.LIAISON
    assert users["township"].division.parent == cadre.division


def test_second_run_changes_nothing():
    # given a seeded demo
    seed()
    before = row_counts()

    # when the command runs again, even with other options
    output = seed(password="Another#2026", seed=7)

    # then no table changed and the logins are listed again
    assert row_counts() == before
    assert "已存在" in output
    assert "assistant" in output
    assert User.objects.get(username="city").check_password(PASSWORD)


def test_password_option_sets_every_demo_password():
    # when the demo is seeded with another password
    output = seed(password="Other#Pass2026")

    # then all demo users share its one hash, and the logins table shows it
    users = User.objects.filter(username__in=DEMO_USERS)
    assert users.count() == len(DEMO_USERS)
    assert users.values("password").distinct().count() == 1
    assert users.first().check_password("Other#Pass2026")
    assert not users.first().check_password(PASSWORD)
    assert "Other#Pass2026" in output


def test_seed_reuses_existing_divisions_and_leaves_taken_usernames_alone():
    # given part of the tree and a login named "admin" already exist
    village = factories.village()  # 贵州省 / 铜仁市 / 碧江区 / 环北街道 / 金滩社区
    office = factories.office_user(village.parent.parent, username="admin")

    # when the demo is seeded
    output = seed()

    # then the existing divisions are part of the demo tree, not duplicated
    assert Division.objects.filter(parent=village.parent).count() >= 2
    assert Division.objects.get(code=village.code).pk == village.pk
    # and the taken username is reported and left as it was, the other logins are created
    office.refresh_from_db()
    assert (office.role, office.division_id) == (Role.COUNTY_OFFICE, village.parent.parent_id)
    assert "admin 已被占用" in output
    assert User.objects.filter(username__in=DEMO_USERS).count() == len(DEMO_USERS)


def test_scale_must_be_positive():
    # when the scale is zero, then the command refuses
    with pytest.raises(CommandError):
        call_command("seed_demo", scale=0, stdout=io.StringIO())
    assert not Entity.objects.exists()


def test_command_parses_its_options():
    # when the options are given on the command line, then they are parsed with their types
    parser = Command().create_parser("manage.py", "seed_demo")
    options = parser.parse_args(["--scale", "25", "--password", "x-Y-z", "--seed", "7"])
    assert (options.scale, options.password, options.seed) == (25.0, "x-Y-z", 7)
    defaults = parser.parse_args([])
    assert (defaults.scale, defaults.password, defaults.seed) == (1.0, PASSWORD, 2022)


def _build(seed: int) -> CityBuilder:
    rng = random.Random(seed)
    ctx = SeedContext(
        rng=rng,
        phones=names.Phones(rng, set()),
        codes=names.Codes(set(), set()),
        existing_divisions={},
    )
    province = Division(code="520000000000", name="贵州省", level=Level.PROVINCE, path="52")
    return CityBuilder(ctx, TONGREN, SCALE, province).build()


def _fingerprint(city: CityBuilder) -> list:
    return [
        [(e.name, e.uscc, e.licence_no, e.division.code, e.grade, e.status) for e in city.entities],
        [(c.name, c.phone, c.division.code, c.post) for c in city.cadres],
        [[(s.cadre.phone, s.start, s.end) for s in spans] for spans in city.spans],
    ]


def test_same_seed_builds_the_same_city():
    # when the city is built twice with one seed and once with another
    first, again, other = _build(2022), _build(2022), _build(2023)

    # then the same seed gives the same rows, another seed different ones
    assert _fingerprint(first) == _fingerprint(again)
    assert _fingerprint(first) != _fingerprint(other)


def test_progress_is_reported_city_by_city():
    # when the demo is seeded
    output = seed()

    # then a line per city says how far the seed is, and the statistics are refreshed at the end
    lines = output.splitlines()
    city_line = next(line for line in lines if "1/1 铜仁市" in line)
    assert "主体 393" in city_line and "督导" in city_line
    assert "统计信息已更新" in output


def test_the_demo_business_keeps_three_months_of_records_with_gaps():
    # when the demo is seeded
    seed()
    # then ``enterprise`` works for one business in 碧江区 that the demo cadre holds
    from enterprises.models import Membership, Record

    user = User.objects.get(username="enterprise")
    membership = Membership.objects.get(user=user)
    assert membership.entity.division_path.startswith("520602")
    assert membership.entity.assignments.filter(
        end_date__isnull=True, cadre__user__username="cadre"
    ).exists()
    # with daily checks over about three months, but not on every working day
    daily = Record.objects.filter(entity=membership.entity, kind="daily")
    days = sorted(daily.values_list("period_start", flat=True))
    assert 40 <= len(days) < 62 and (days[-1] - days[0]).days > 80
    assert Record.objects.filter(entity=membership.entity, kind="weekly").exists()
    assert user.check_password(PASSWORD)
    # and the rates' monthly summary is what a rebuild from the records derives
    from enterprises.models import RecordMonth
    from enterprises.months import record_months_rebuild

    seeded = set(RecordMonth.objects.values_list("entity_id", "kind", "month", "days"))
    record_months_rebuild()
    assert seeded and seeded == set(
        RecordMonth.objects.values_list("entity_id", "kind", "month", "days")
    )


def test_the_seeded_register_s_tallies_equal_a_recount():
    from entities.tallies import kept, recount

    # when the demo is seeded (its businesses copied in bulk, past the services)
    seed()
    # then the register's running counts are its businesses' (issue 18)
    assert kept() == recount()
    assert sum(kept().values()) == Entity.objects.count() > 0
