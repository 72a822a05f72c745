"""The register's running counts (entities.tallies) stay equal to a recount of the businesses
after thousands of random changes made through the services (a seeded random walk), and the
rebuild recounts them from the register."""

import random

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db.models import F

from entities.models import BusinessType, Entity, EntityStatus, Grade
from entities.services import (
    entities_create_bulk,
    entity_change_status,
    entity_create,
    entity_regrade,
    entity_update,
)
from entities.tallies import EntityTally, area_counts, kept, recount
from tests.factories import county, second_village, village, wanshan_village

pytestmark = pytest.mark.django_db

STEPS = 2_000


def _walk(rng: random.Random, steps: int) -> dict[str, int]:
    villages = [village(), second_village(), wanshan_village()]
    grades, statuses = list(Grade.values), list(EntityStatus.values)
    done = dict.fromkeys(("create", "bulk", "move", "regrade", "status", "refused"), 0)
    ids: list[int] = []
    for step in range(steps):
        kind = rng.choices(
            ["create", "bulk", "move", "regrade", "status"], weights=[3, 1, 2, 3, 3]
        )[0]
        if kind in ("create", "bulk") or not ids:
            if kind == "bulk" and ids:
                rows = [
                    {
                        "name": f"批量店{step}-{k}",
                        "business_type": BusinessType.STALL,
                        "grade": rng.choice(grades),
                        "division": rng.choice(villages),
                    }
                    for k in range(rng.randint(1, 4))
                ]
                entities_create_bulk(rows=rows, by=None, reason="导入")
                ids += Entity.objects.filter(name__startswith=f"批量店{step}-").values_list(
                    "pk", flat=True
                )
                done["bulk"] += 1
            else:
                entity = entity_create(
                    by=None,
                    name=f"店{step}",
                    business_type=BusinessType.STALL,
                    grade=rng.choice(grades),
                    division=rng.choice(villages),
                )
                ids.append(entity.pk)
                done["create"] += 1
            continue
        entity = Entity.objects.get(pk=rng.choice(ids))
        try:
            if kind == "move":
                entity_update(entity=entity, by=None, division=rng.choice(villages))
            elif kind == "regrade":
                entity_regrade(entity=entity, new_grade=rng.choice(grades), reason="复评", by=None)
            else:
                entity_change_status(
                    entity=entity, status=rng.choice(statuses), reason="变更", by=None
                )
            done[kind] += 1
        except ValidationError:
            done["refused"] += 1  # the same grade or status, or a closed business regraded
    return done


def test_the_tallies_equal_a_recount_after_a_random_walk_of_changes():
    done = _walk(random.Random(18), STEPS)
    # every kind of change happened, and some were refused (and left no trace in the counts)
    assert all(done.values()), done
    assert kept() == recount()
    assert sum(kept().values()) == Entity.objects.count()
    # and an area's figures read from the tallies are the register's
    path = county().path
    by_area = area_counts(path)
    for (grade, status), n in by_area.items():
        assert (
            Entity.objects.filter(
                division_path__startswith=path, grade=grade, status=status
            ).count()
            == n
        )


def test_the_rebuild_recounts_drifted_tallies():
    _walk(random.Random(7), 60)
    first, second = EntityTally.objects.exclude(n=0).order_by("pk")[:2]
    first.delete()
    EntityTally.objects.filter(pk=second.pk).update(n=F("n") + 5)
    assert kept() != recount()
    call_command("entity_tallies_rebuild", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert kept() == recount()
