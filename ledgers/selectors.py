"""The five ledgers (五本台账) as read models: for a scope division and a period, each yields plain
tuples in the exported column order, from one ``values_list`` query with its joins done in SQL,
read with ``.iterator(chunk_size=…)`` so memory stays flat whatever the size.

Division names at each level come from one query over the division table of the scope (the root's
ancestors and its subtree) kept in a dict by path: divisions are few (a province has about 30,000
against up to a million businesses), so one small query replaces a correlated lookup per row and
per level. Per-row details that would multiply rows in a join (a cadre's aides, a visit's checklist
results) are read in one query per chunk of rows.
"""

import datetime
import functools
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice

from django.db.models import Count, FilteredRelation, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from baobao.models import PATH_DIGITS, Division, Level
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
from entities.models import BusinessType, Entity, EntityStatus
from inspections.models import (
    ActorKind,
    CheckResult,
    Issue,
    IssueCategory,
    IssueEvent,
    IssueSeverity,
    IssueStatus,
    Visit,
    VisitCheck,
)
from inspections.quarters import Quarter

CHUNK = 2000
LEVELS = list(PATH_DIGITS.items())


@dataclass(frozen=True)
class Period:
    """A closed range of local dates; both ends None means "all dates"."""

    start: datetime.date | None = None
    end: datetime.date | None = None
    label: str = ""

    @classmethod
    def of_quarter(cls, quarter: Quarter) -> "Period":
        return cls(quarter.first_day, quarter.last_day, str(quarter))

    @classmethod
    def of_year(cls, year: int) -> "Period":
        return cls(datetime.date(year, 1, 1), datetime.date(year, 12, 31), str(year))

    @property
    def bounded(self) -> bool:
        return self.start is not None or self.end is not None

    def date_q(self, field: str) -> Q:
        q = Q()
        if self.start:
            q &= Q(**{f"{field}__gte": self.start})
        if self.end:
            q &= Q(**{f"{field}__lte": self.end})
        return q

    def datetime_q(self, field: str) -> Q:
        """The range as aware local datetimes, end exclusive (so the index on ``field`` is used)."""
        q = Q()
        if self.start:
            q &= Q(**{f"{field}__gte": _local_midnight(self.start)})
        if self.end:
            q &= Q(**{f"{field}__lt": _local_midnight(self.end + datetime.timedelta(days=1))})
        return q


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class DivisionNames:
    """Names of a division's ancestors at each level, from the division's path, for a scope."""

    def __init__(self, root: Division | None):
        qs = Division.objects.all()
        if root is not None:
            ancestors = [root.path[:n] for lvl, n in LEVELS if lvl < root.level]
            qs = qs.filter(Q(path__startswith=root.path) | Q(path__in=ancestors))
        self._names = dict(qs.values_list("path", "name"))

    def of(self, path: str) -> tuple[str, ...]:
        """(province, city, county, township, village) names; "" below the division's level."""
        return tuple(self._names.get(path[:n], "") if len(path) >= n else "" for _lvl, n in LEVELS)


def _within(qs, user, division: Division | None, prefix: str):
    qs = qs.for_user(user)
    if division is not None:
        qs = qs.filter(**{f"{prefix}__path__startswith": division.path})
    return qs


def _batched(rows: Iterable, size: int = CHUNK) -> Iterator[list]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def _labels(choices) -> dict:
    return {value: str(label) for value, label in choices}


def _level_label(level) -> str:
    return _level_label_in(level, translation.get_language()) if level else ""


# Ledgers ask for these labels on every row: look each up once per language, not per row.
@functools.cache
def _level_label_in(level: int, language: str) -> str:
    return str(Level(level).label)


def _person(last: str | None, first: str | None, username: str | None) -> str:
    return f"{last or ''}{first or ''}" or (username or "")


def _yes_no(flag: bool) -> str:
    return _yes_no_in(bool(flag), translation.get_language())


@functools.cache
def _yes_no_in(flag: bool, language: str) -> str:
    return _("Yes") if flag else _("No")


# ---------------------------------------------------------------- 包保主体台账 (entities)


def entity_ledger_queryset(*, user, division, period: Period | None = None):
    """The businesses in scope (the register as it stands; the period does not apply)."""
    return _within(Entity.objects, user, division, "division")


def entity_ledger_rows(*, user, division, period=None, today=None) -> Iterator[tuple]:
    """包保主体台账: every business with its division names, grade, type, licence and holder."""
    names = DivisionNames(division)
    types, statuses = _labels(BusinessType.choices), _labels(EntityStatus.choices)
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
    for n, row in enumerate(qs.iterator(chunk_size=CHUNK), 1):
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
            _level_label(level),
            unit,
            post,
            phone,
            start,
            _yes_no(escalated) if holder else "",
            esc_reason,
            _yes_no(via_zone is not None) if holder else "",
            created,
        )


# ---------------------------------------------------------------- 包保干部台账 (cadres)


def _count_of(qs, field: str):
    return Coalesce(
        Subquery(
            qs.filter(**{field: OuterRef("pk")})
            .order_by()
            .values(field)
            .annotate(n=Count("pk"))
            .values("n")[:1],
            output_field=IntegerField(),
        ),
        0,
    )


def cadre_ledger_queryset(*, user, division, period: Period | None = None):
    return _within(Cadre.objects, user, division, "division")


def cadre_ledger_rows(*, user, division, period=None, today=None) -> Iterator[tuple]:
    """包保干部台账: every cadre with level, post, unit, phone, aides, holdings and commitment."""
    names = DivisionNames(division)
    statuses = _labels(CadreStatus.choices)
    current = Assignment.objects.filter(end_date__isnull=True)
    qs = (
        cadre_ledger_queryset(user=user, division=division)
        .annotate(
            held=_count_of(current, "cadre"),
            held_escalated=_count_of(current.filter(escalated=True), "cadre"),
            zones_held=_count_of(ZoneAssignment.objects.filter(end_date__isnull=True), "cadre"),
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
            "zones_held",
        )
        .order_by("division__level", "division__path", "name", "pk")
    )
    n = 0
    for batch in _batched(qs.iterator(chunk_size=CHUNK)):
        aides = defaultdict(lambda: {AideKind.ASSISTANT: [], AideKind.LIAISON: []})
        for cadre_id, kind, name, phone in (
            CadreAide.objects.filter(cadre_id__in=[r[0] for r in batch], is_active=True)
            .order_by("cadre_id", "kind", "pk")
            .values_list("cadre_id", "kind", "name", "phone")
        ):
            aides[cadre_id][kind].append(f"{name} {phone}")
        for row in batch:
            n += 1
            (pk, path, level, name, unit, post, phone, status, left_on, left_reason, signed) = row[
                :11
            ]
            held, held_escalated, zones_held = row[11:]
            yield (
                n,
                *names.of(path),
                name,
                _level_label(level),
                unit,
                post,
                phone,
                statuses.get(status, status),
                left_on,
                left_reason,
                held,
                held_escalated,
                zones_held,
                "；".join(aides[pk][AideKind.ASSISTANT]),
                "；".join(aides[pk][AideKind.LIAISON]),
                _yes_no(signed is not None),
                signed,
            )


# ---------------------------------------------------------------- 动态调整台账 (adjustments)


def adjustment_ledger_queryset(*, user, division, period: Period | None = None):
    qs = _within(Adjustment.objects, user, division, "entity__division")
    return qs.filter(period.date_q("effective_date")) if period else qs


def adjustment_ledger_rows(*, user, division, period=None, today=None) -> Iterator[tuple]:
    """包保干部动态调整台账: every change of who holds what, old → new holder, and why."""
    names = DivisionNames(division)
    kinds = _labels(AdjustmentKind.choices)
    qs = (
        adjustment_ledger_queryset(user=user, division=division, period=period)
        .values_list(
            "effective_date",
            "kind",
            "entity__division__path",
            "entity__name",
            "entity__uscc",
            "entity__grade",
            "from_cadre__name",
            "from_cadre__division__level",
            "from_cadre__post",
            "to_cadre__name",
            "to_cadre__division__level",
            "to_cadre__post",
            "zone__name",
            "old_grade",
            "new_grade",
            "reason",
            "created_by__last_name",
            "created_by__first_name",
            "created_by__username",
            "created_at",
        )
        .order_by("effective_date", "pk")
    )
    for n, row in enumerate(qs.iterator(chunk_size=CHUNK), 1):
        (day, kind, path, entity, uscc, grade) = row[:6]
        (old, old_level, old_post, new, new_level, new_post, zone, old_grade, new_grade) = row[6:15]
        reason, last, first, username, created = row[15:]
        yield (
            n,
            day,
            kinds.get(kind, kind),
            *names.of(path),
            entity,
            uscc,
            grade,
            old,
            _level_label(old_level),
            old_post,
            new,
            _level_label(new_level),
            new_post,
            zone,
            old_grade,
            new_grade,
            reason,
            _person(last, first, username),
            created,
        )


# ---------------------------------------------------------------- 督导工作台账 (visits)


def visit_ledger_queryset(*, user, division, period: Period | None = None):
    qs = _within(Visit.objects, user, division, "entity__division")
    return qs.filter(period.datetime_q("visited_at")) if period else qs


def visit_ledger_rows(*, user, division, period=None, today=None) -> Iterator[tuple]:
    """包保督导工作台账: every visit with its checklist result counts and the problems found."""
    names = DivisionNames(division)
    types = _labels(BusinessType.choices)
    qs = (
        visit_ledger_queryset(user=user, division=division, period=period)
        .annotate(issues_raised=_count_of(Issue.objects.all(), "visit"))
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
    for batch in _batched(qs.iterator(chunk_size=CHUNK)):
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
                _level_label(level),
                post,
                companions,
                _yes_no(on_site),
                _person(last, first, username),
                sum(c.values()),
                c.get(CheckResult.PASS, 0),
                c.get(CheckResult.PROBLEM, 0),
                c.get(CheckResult.NOT_APPLICABLE, 0),
                "；".join(problems[pk]),
                findings,
                issues_raised,
            )


# ---------------------------------------------------------------- 问题与处理台账 (issues)


def issue_ledger_queryset(*, user, division, period: Period | None = None):
    qs = _within(Issue.objects, user, division, "entity__division")
    return qs.filter(period.datetime_q("created_at")) if period else qs


def issue_ledger_rows(*, user, division, period=None, today=None) -> Iterator[tuple]:
    """问题与处理台账: every issue raised in the period, its deadline, status and days overdue."""
    today = today or timezone.localdate()
    names = DivisionNames(division)
    categories, severities = _labels(IssueCategory.choices), _labels(IssueSeverity.choices)
    actors, statuses = _labels(ActorKind.choices), _labels(IssueStatus.choices)
    last_note = (
        IssueEvent.objects.filter(issue=OuterRef("pk")).exclude(note="").order_by("-at", "-pk")
    )
    qs = (
        issue_ledger_queryset(user=user, division=division, period=period)
        .annotate(last_note=Subquery(last_note.values("note")[:1]))
        .values_list(
            "created_at",
            "entity__division__path",
            "entity__name",
            "entity__uscc",
            "entity__grade",
            "visit__visited_at",
            "visit__cadre__name",
            "visit__cadre__division__level",
            "category",
            "severity",
            "description",
            "actor_kind",
            "actor_name",
            "deadline",
            "status",
            "closed_at",
            "last_note",
            "raised_by__last_name",
            "raised_by__first_name",
            "raised_by__username",
        )
        .order_by("created_at", "pk")
    )
    for n, row in enumerate(qs.iterator(chunk_size=CHUNK), 1):
        (raised, path, entity, uscc, grade, visited, cadre, level) = row[:8]
        (category, severity, description, actor, actor_name, deadline, status, closed) = row[8:16]
        note, last, first, username = row[16:]
        overdue = status != IssueStatus.CLOSED and deadline < today
        days_to_close = (
            (timezone.localdate(closed) - timezone.localdate(raised)).days if closed else None
        )
        yield (
            n,
            raised,
            *names.of(path),
            entity,
            uscc,
            grade,
            visited,
            cadre,
            _level_label(level),
            categories.get(category, category),
            severities.get(severity, severity),
            description,
            actors.get(actor, actor),
            actor_name,
            deadline,
            statuses.get(status, status),
            _yes_no(overdue),
            (today - deadline).days if overdue else 0,
            closed,
            days_to_close,
            note or "",
            _person(last, first, username),
        )


def bounded_count(qs, limit: int) -> int:
    """How many rows ``qs`` has, counting no further than ``limit + 1`` (never a full COUNT)."""
    return qs.order_by().values("pk")[: limit + 1].count()
