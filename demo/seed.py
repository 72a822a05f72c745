"""The demo province: Tongren (and synthetic cities for scales above 1) plus the demo logins."""

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from baobao import clock
from baobao.models import Division, Level, Role, User
from baobao.services import site_text
from cadres.models import Adjustment, AideKind, Assignment, Cadre, CadreAide, ZoneAssignment
from demo import copy
from demo.city import CityBuilder
from demo.enterprises import seed_enterprise
from demo.names import Codes, Phones, person
from demo.public import seed_public
from demo.reminders import seed_reminders
from demo.rows import SeedContext
from demo.shape import TONGREN, synthetic_city
from demo.visits import seed_visits
from enterprises.rollup import rate_rollup_rebuild
from entities.models import Entity, GradeChange, Zone
from inspections.models import Issue, IssueEvent, Visit, VisitCheck
from ledgers.counters import counters_rebuild

DEMO_CITY_CODE = "520600000000"
PROVINCE_CODE = "520000000000"
DEFAULT_PASSWORD = "Demo@2026"
DEFAULT_SEED = 2022
BATCH_SIZE = 2000

# The tables the seed fills, whose planner statistics it refreshes at the end.
LOADED = (
    Division,
    Zone,
    Entity,
    GradeChange,
    Cadre,
    CadreAide,
    ZoneAssignment,
    Assignment,
    Adjustment,
    User,
    Visit,
    VisitCheck,
    Issue,
    IssueEvent,
)

DEMO_USERNAMES = (
    "admin",
    "province",
    "city",
    "county",
    "township",
    "cadre",
    "assistant",
    "liaison",
    "enterprise",
)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    scope: str
    name: str


def demo_seeded() -> bool:
    """True when the demo city already has entities: the seed then changes nothing."""
    city_path = Division.path_for(DEMO_CITY_CODE, Level.CITY)
    return Entity.objects.filter(division__path__startswith=city_path).exists()


def demo_logins() -> list[DemoLogin]:
    users = {
        u.username: u
        for u in User.objects.filter(username__in=DEMO_USERNAMES).select_related("division")
    }
    return [
        DemoLogin(
            username=u.username,
            role=site_text(Role(u.role).label),
            scope=u.division.name if u.division else ("本企业" if u.is_business else "全部"),
            name=u.first_name,
        )
        for u in (users[name] for name in DEMO_USERNAMES if name in users)
    ]


@transaction.atomic
def seed_demo(
    *, scale: float, password: str, seed: int, progress: Callable[[str], None] | None = None
) -> dict | None:
    """Build the demo data in one transaction; None (and no change) when it is already there.

    One city at a time is built, written and dropped, so memory stays a city's size;
    ``progress`` receives a line per city.
    """
    if demo_seeded():
        return None
    copy.load_mode()
    started = time.monotonic()
    report = progress or (lambda line: None)
    rng = random.Random(seed)
    ctx = SeedContext(
        rng=rng,
        phones=Phones(rng, set(Cadre.objects.values_list("phone", flat=True))),
        codes=Codes(
            set(Entity.objects.exclude(uscc="").values_list("uscc", flat=True)),
            set(Entity.objects.exclude(licence_no="").values_list("licence_no", flat=True)),
        ),
        existing_divisions={
            d.code: d for d in Division.objects.filter(path__startswith=PROVINCE_CODE[:2])
        },
    )
    province = ctx.existing_divisions.get(PROVINCE_CODE)
    if province is None:
        province = Division(code=PROVINCE_CODE, name="贵州省", level=Level.PROVINCE)
        province.save()
    # Above scale 1 the province gets more Tongren-shaped cities, sharing the scale evenly.
    cities = max(1, math.ceil(scale))
    totals: dict = {}
    for number in range(cities):
        spec = TONGREN if number == 0 else synthetic_city(rng, number, ctx.place_roots)
        builder = CityBuilder(ctx, spec, scale / cities, province).build()
        builder.write(BATCH_SIZE)
        _add(totals, builder.summary())
        if number == 0:
            # Tongren's visits come after the demo logins: some are logged by the demo 协保员.
            totals["skipped_users"] = _create_users(builder, province, password, rng)
            # The business login shares the other demo logins' one hash.
            same = User.objects.filter(username="county").values_list("password", flat=True)
            totals["self_records"] = seed_enterprise(
                cadre_phone=builder.demo_cadre.phone,
                county_path=builder.demo_county.path,
                password_hash=same.first() or "",
                seed=seed,
                today=clock.today(),
            )
            visits = seed_visits(city=builder, seed=seed, batch_size=BATCH_SIZE)
            _add(totals, visits)
            # Then the reminders those visits leave due, so the demo inboxes hold examples. The
            # jobs run while Tongren is the only city: they stay a city's size at any scale.
            _add(
                totals,
                seed_reminders(demo_cadre=builder.demo_cadre, demo_county=builder.demo_county),
            )
            # 随手拍 requests at every step and one 你点我查 campaign in the demo county.
            _add(
                totals,
                seed_public(
                    demo_cadre=builder.demo_cadre, demo_county=builder.demo_county, seed=seed
                ),
            )
        else:
            visits = seed_visits(city=builder, seed=seed + number, batch_size=BATCH_SIZE)
            _add(totals, visits)
        report(
            f"[{time.monotonic() - started:7.1f}s] {number + 1}/{cities} {spec.name}："
            f"主体 {len(builder.entities):,}，干部 {len(builder.cadres):,}，"
            f"督导 {visits['visits']:,}"
        )
        del builder  # one city in memory at a time
    totals["cities"] = cities
    # The businesses, holdings, visits and issues were copied in bulk, past the services that
    # keep the running counts: recount them (the holdings' before the visits', which read them).
    counters_rebuild(today=clock.today())
    rate_rollup_rebuild()  # the office's completion rates (the business records' rollup)
    copy.analyze(LOADED)
    report(f"[{time.monotonic() - started:7.1f}s] 统计信息已更新（ANALYZE）")
    return totals


def _add(totals: dict, summary: dict) -> None:
    for key, value in summary.items():
        if isinstance(value, dict):
            bucket = totals.setdefault(key, {})
            for k, v in value.items():
                bucket[k] = bucket.get(k, 0) + v
        else:
            totals[key] = totals.get(key, 0) + value


def _create_users(
    tongren: CityBuilder, province: Division, password: str, rng: random.Random
) -> list[str]:
    """The eight demo logins; usernames already taken are left alone and returned."""
    cadre = tongren.demo_cadre
    aides = [a for a in tongren.aides if a.cadre is cadre]
    assistant = next(a for a in aides if a.kind == AideKind.ASSISTANT)
    liaison = next(a for a in aides if a.kind == AideKind.LIAISON)
    # One hash for all: hashing is deliberately slow.
    hasher = User()
    hasher.set_password(password)
    specs = [
        ("admin", Role.ADMIN, None, {"is_staff": True, "is_superuser": True}),
        ("province", Role.PROVINCE_OFFICE, province, {}),
        ("city", Role.CITY_OFFICE, tongren.city, {}),
        ("county", Role.COUNTY_OFFICE, tongren.demo_county, {}),
        ("township", Role.TOWNSHIP_OFFICE, tongren.demo_township, {}),
        ("cadre", Role.CADRE, cadre.division, {"cadre": cadre, "phone": cadre.phone}),
        (
            "assistant",
            Role.ASSISTANT,
            cadre.division,
            {"aide": assistant, "phone": assistant.phone},
        ),
        ("liaison", Role.LIAISON, cadre.division, {"aide": liaison, "phone": liaison.phone}),
    ]
    taken = set(User.objects.filter(username__in=DEMO_USERNAMES).values_list("username", flat=True))
    users = []
    for username, role, division, extra in specs:
        holder = extra.get("cadre") or extra.get("aide")
        name = holder.name if holder else person(rng)
        if username in taken:
            continue
        users.append(
            User(
                username=username,
                password=hasher.password,
                role=role,
                division=division,
                first_name=name,
                **extra,
            )
        )
    copy.write_objects(User, users)
    return [username for username in DEMO_USERNAMES if username in taken]
