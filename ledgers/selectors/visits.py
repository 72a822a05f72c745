"""包保督导工作台账: the supervision visits with their checklist results."""

from collections import defaultdict
from collections.abc import Iterator

from django.db.models import Count

from entities.models import BusinessType
from inspections.models import (
    CheckResult,
    Issue,
    Visit,
    VisitCheck,
)
from inspections.quarters import Quarter
from ledgers.selectors.common import (
    CHUNK,
    DivisionNames,
    Period,
    batched,
    choice_labels,
    count_of,
    level_label,
    person_name,
    within_scope,
    yes_no,
)


def visit_ledger_queryset(*, user, division, period: Period | None = None):
    qs = within_scope(Visit.objects, user, division, "entity__division")
    return qs.filter(period.datetime_q("visited_at")) if period else qs


def visit_ledger_rows(*, user, division, period=None, today=None) -> Iterator[tuple]:
    """包保督导工作台账: every visit with its checklist result counts and the problems found."""
    names = DivisionNames(division)
    types = choice_labels(BusinessType.choices)
    qs = (
        visit_ledger_queryset(user=user, division=division, period=period)
        .annotate(issues_raised=count_of(Issue.objects.all(), "visit"))
        .values_list(
            "pk",
            "visited_at",
            "quarter",
            "entity__division__path",
            "entity__name",
            "entity__uscc",
            "entity__grade",
            "entity__business_type",
            "cadre__name",
            "cadre__division__level",
            "cadre__post",
            "companions",
            "on_site",
            "logged_by__last_name",
            "logged_by__first_name",
            "logged_by__username",
            "findings",
            "issues_raised",
        )
        .order_by("visited_at", "pk")
    )
    n = 0
    for batch in batched(qs.iterator(chunk_size=CHUNK)):
        ids = [r[0] for r in batch]
        counts = defaultdict(dict)
        for visit_id, result, count in (
            VisitCheck.objects.filter(visit_id__in=ids)
            .order_by()
            .values("visit_id", "result")
            .annotate(n=Count("pk"))
            .values_list("visit_id", "result", "n")
        ):
            counts[visit_id][result] = count
        problems = defaultdict(list)
        for visit_id, text, note in (
            VisitCheck.objects.filter(visit_id__in=ids, result=CheckResult.PROBLEM)
            .order_by("visit_id", "pk")
            .values_list("visit_id", "text", "note")
        ):
            problems[visit_id].append(f"{text}（{note}）" if note else text)
        for row in batch:
            n += 1
            (pk, at, quarter, path, entity, uscc, grade, btype, cadre, level, post) = row[:11]
            (companions, on_site, last, first, username, findings, issues_raised) = row[11:]
            c = counts[pk]
            yield (
                n,
                at,
                at,
                str(Quarter.from_code(quarter)),
                *names.of(path),
                entity,
                uscc,
                grade,
                types.get(btype, btype),
                cadre,
                level_label(level),
                post,
                companions,
                yes_no(on_site),
                person_name(last, first, username),
                sum(c.values()),
                c.get(CheckResult.PASS, 0),
                c.get(CheckResult.PROBLEM, 0),
                c.get(CheckResult.NOT_APPLICABLE, 0),
                "；".join(problems[pk]),
                findings,
                issues_raised,
            )
