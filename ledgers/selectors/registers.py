"""The registers as ledgers: 包保主体台账 (businesses) and 包保干部台账 (cadres)."""

import datetime
from collections import defaultdict
from collections.abc import Iterator

from django.db.models import Count, FilteredRelation, Q

from baobao.batches import batched
from cadres.models import (
    AideKind,
    Assignment,
    Cadre,
    CadreAide,
    CadreStatus,
    ZoneAssignment,
)
from entities.models import BusinessType, Entity, EntityStatus
from ledgers.selectors.common import (
    CHUNK,
    DivisionNames,
    Period,
    choice_labels,
    count_of,
    level_labels,
    read_all,
    within_scope,
    yes_no_labels,
)

# ---------------------------------------------------------------- 包保主体台账 (entities)


def entity_ledger_queryset(*, user, division, period: Period | None = None):
    """The businesses in scope (the register as it stands; the period does not apply)."""
    return within_scope(Entity.objects, user, division, "division")


def entity_ledger_rows(*, user, division, today: datetime.date, period=None) -> Iterator[tuple]:
    """包保主体台账: every business with its division names, grade, type, licence and holder."""
    names = DivisionNames(division)
    types, statuses = choice_labels(BusinessType.choices), choice_labels(EntityStatus.choices)
    levels, yes_no = level_labels(), yes_no_labels()
    qs = (
        entity_ledger_queryset(user=user, division=division)
        .annotate(
            holding=FilteredRelation("assignments", condition=Q(assignments__end_date__isnull=True))
        )
        .values_list(
            "division__path",
            "name",
            "uscc",
            "licence_no",
            "business_type",
            "grade",
            "status",
            "address",
            "zone__name",
            "director_name",
            "director_phone",
            "officer_name",
            "officer_phone",
            "contact_phone",
            "holding__cadre__name",
            "holding__cadre__division__level",
            "holding__cadre__unit",
            "holding__cadre__post",
            "holding__cadre__phone",
            "holding__start_date",
            "holding__escalated",
            "holding__escalation_reason",
            "holding__via_zone_id",
            "created_at",
        )
        .order_by("division__path", "name", "pk")
    )
    for n, row in enumerate(read_all(qs), 1):
        (path, name, uscc, licence, btype, grade, status, address, zone, *contacts) = row[:14]
        (holder, level, unit, post, phone, start, escalated, esc_reason, via_zone, created) = row[
            14:
        ]
        yield (
            n,
            *names.of(path),
            name,
            uscc,
            licence,
            types.get(btype, btype),
            grade,
            statuses.get(status, status),
            address,
            zone,
            *contacts,
            holder,
            levels.get(level, ""),
            unit,
            post,
            phone,
            start,
            yes_no[escalated] if holder else "",
            esc_reason,
            yes_no[via_zone is not None] if holder else "",
            created,
        )


# ---------------------------------------------------------------- 包保干部台账 (cadres)


def cadre_ledger_queryset(*, user, division, period: Period | None = None):
    return within_scope(Cadre.objects, user, division, "division")


def cadre_ledger_rows(*, user, division, today: datetime.date, period=None) -> Iterator[tuple]:
    """包保干部台账: every cadre with level, post, unit, phone, aides, holdings and commitment."""
    names = DivisionNames(division)
    statuses, levels, yes_no = choice_labels(CadreStatus.choices), level_labels(), yes_no_labels()
    current = Assignment.objects.filter(end_date__isnull=True)
    cadres = cadre_ledger_queryset(user=user, division=division)
    # A zone has one holder, so the zones' holders fit in a dict read at once (a count per row
    # scanned the whole table of held zones for every cadre).
    zones_held = dict(
        ZoneAssignment.objects.filter(end_date__isnull=True, cadre__in=cadres.values("pk"))
        .order_by()
        .values("cadre_id")
        .annotate(n=Count("pk"))
        .values_list("cadre_id", "n")
    )
    qs = (
        cadres.annotate(
            held=count_of(current, "cadre"),
            # Counted among the cadre's holdings (its index), not by filtering the escalated
            # ones first: that was planned on their small index, walked whole for every cadre
            # (0.9 s of a city's 1.3 s, growing with cadres times escalations).
            held_escalated=count_of(current, "cadre", only=Q(escalated=True)),
        )
        .values_list(
            "pk",
            "division__path",
            "division__level",
            "name",
            "unit",
            "post",
            "phone",
            "status",
            "left_on",
            "left_reason",
            "commitment_signed_on",
            "held",
            "held_escalated",
        )
        .order_by("division__level", "division__path", "name", "pk")
    )
    n = 0
    for batch in batched(read_all(qs), CHUNK):
        aides = {AideKind.ASSISTANT: defaultdict(list), AideKind.LIAISON: defaultdict(list)}
        for cadre_id, kind, name, phone in (
            CadreAide.objects.filter(cadre_id__in=[r[0] for r in batch], is_active=True)
            .order_by("cadre_id", "kind", "pk")
            .values_list("cadre_id", "kind", "name", "phone")
        ):
            aides[kind][cadre_id].append(f"{name} {phone}")
        for row in batch:
            n += 1
            (pk, path, level, name, unit, post, phone, status, left_on, left_reason, signed) = row[
                :11
            ]
            held, held_escalated = row[11:]
            yield (
                n,
                *names.of(path),
                name,
                levels.get(level, ""),
                unit,
                post,
                phone,
                statuses.get(status, status),
                left_on,
                left_reason,
                held,
                held_escalated,
                zones_held.get(pk, 0),
                "；".join(aides[AideKind.ASSISTANT].get(pk, ())),
                "；".join(aides[AideKind.LIAISON].get(pk, ())),
                yes_no[signed is not None],
                signed,
            )
