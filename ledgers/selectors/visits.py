"""包保督导工作台账: the supervision visits with their checklist results."""

import datetime
from collections import defaultdict
from collections.abc import Iterator

from baobao.batches import batched
from entities.models import BusinessType
from inspections.models import (
    CheckResult,
    Issue,
    Visit,
    VisitCheck,
)
from ledgers.selectors.common import (
    CHUNK,
    DivisionNames,
    Period,
    choice_labels,
    count_of,
    level_labels,
    person_name,
    quarter_label,
    read_all,
    within_scope,
    yes_no_labels,
)


def visit_ledger_queryset(*, user, division, period: Period | None = None):
    qs = within_scope(Visit.objects, user, division, "entity__division")
    return qs.filter(period.datetime_q("visited_at")) if period else qs


def visit_ledger_rows(*, user, division, today: datetime.date, period=None) -> Iterator[tuple]:
    """包保督导工作台账: every visit with its checklist result counts and the problems found."""
    names = DivisionNames(division)
    types, levels, yes_no = choice_labels(BusinessType.choices), level_labels(), yes_no_labels()
    checks = VisitCheck.objects.all()
    # The counts come with each row (a query per chunk with two thousand ids cost more than the
    # counts); the problems' texts are read per chunk, for the few visits that have any.
    qs = (
        visit_ledger_queryset(user=user, division=division, period=period)
        .annotate(
            checks_made=count_of(checks, "visit"),
            checks_passed=count_of(checks.filter(result=CheckResult.PASS), "visit"),
            checks_problem=count_of(checks.filter(result=CheckResult.PROBLEM), "visit"),
            checks_not_applicable=count_of(
                checks.filter(result=CheckResult.NOT_APPLICABLE), "visit"
            ),
            issues_raised=count_of(Issue.objects.all(), "visit"),
        )
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
            "checks_made",
            "checks_passed",
            "checks_problem",
            "checks_not_applicable",
            "issues_raised",
        )
        .order_by("visited_at", "pk")
    )
    n = 0
    for batch in batched(read_all(qs), CHUNK):
        problems = _problems([row[0] for row in batch if row[19]])
        for row in batch:
            n += 1
            (pk, at, quarter, path, entity, uscc, grade, btype, cadre, level, post) = row[:11]
            (companions, on_site, last, first, username, findings) = row[11:17]
            yield (
                n,
                at,
                at,
                quarter_label(quarter),
                *names.of(path),
                entity,
                uscc,
                grade,
                types.get(btype, btype),
                cadre,
                levels.get(level, ""),
                post,
                companions,
                yes_no[on_site],
                person_name(last, first, username),
                *row[17:21],
                "；".join(problems[pk]) if pk in problems else "",
                findings,
                row[21],
            )


def _problems(visit_ids: list[int]) -> dict[int, list[str]]:
    """The problem checks of these visits as "text（note）", in the order they were recorded."""
    problems = defaultdict(list)
    if not visit_ids:
        return problems
    for visit_id, text, note in (
        VisitCheck.objects.filter(visit_id__in=visit_ids, result=CheckResult.PROBLEM)
        .order_by("visit_id", "pk")
        .values_list("visit_id", "text", "note")
    ):
        problems[visit_id].append(f"{text}（{note}）" if note else text)
    return problems
