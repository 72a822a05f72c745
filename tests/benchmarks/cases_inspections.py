"""Quarterly supervision rates over a city subtree (~40,000 businesses) and a cadre's due list."""

from django.db.models import Count

from baobao import clock
from baobao.models import Division, User
from cadres.models import Assignment, Cadre
from entities.models import Entity
from inspections.quarters import Quarter
from inspections.selectors import due_entities, rates_by_child_division, supervision_rate
from tests.benchmarks.harness import measure

# Issue 4: "rates for a division subtree of 40,000 entities come back in well under a second".
RATE_TARGET_MS = 500
DUE_LIST_TARGET_MS = 150
SECTION = "Selectors: supervision rates and due list"


def _busiest_cadre():
    row = (
        Assignment.objects.current()
        .values("cadre_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    return row["cadre_id"], row["n"]


def cases():
    city_user = User.objects.get(username="city")
    city = city_user.division
    county = Division.objects.filter(path__startswith=city.path, level=city.level + 1).first()
    today = clock.today()
    quarter = Quarter.of(today)
    size = Entity.objects.filter(division__path__startswith=city.path).count()
    for name, division in (("city", city), ("county", county)):
        entities = Entity.objects.for_user(city_user).filter(
            division__path__startswith=division.path
        )
        yield measure(
            f"supervision rate, {name} subtree",
            lambda entities=entities: supervision_rate(
                entities=entities, quarter=quarter, today=today
            ),
            target_ms=RATE_TARGET_MS,
            section=SECTION,
            note=f"{size:,} businesses in the city" if name == "city" else division.name,
        )
        yield measure(
            f"rates by child division, {name}",
            lambda division=division: rates_by_child_division(
                user=city_user, division=division, quarter=quarter, today=today
            ),
            target_ms=RATE_TARGET_MS,
            section=SECTION,
        )
    cadre_id, held = _busiest_cadre()

    cadre = Cadre.objects.get(pk=cadre_id)
    yield measure(
        "cadre due list (busiest cadre)",
        lambda: list(due_entities(cadre=cadre, quarter=quarter, today=today)),
        target_ms=DUE_LIST_TARGET_MS,
        section=SECTION,
        note=f"{held} businesses held",
    )
