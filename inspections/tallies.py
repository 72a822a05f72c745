"""Running counts of visits and issues (issue 18), per division (a leaf of the tree), kept by the
services that change them in their own transaction:

- ``VisitTally``: per quarter, the businesses held now (due) that were visited in it; kept for the
  current quarter (a past quarter's row stays as its last day left it; the dashboard reads the
  past quarters from its cache of settled figures);
- ``IssueOpenTally``: the issues not closed, by deadline, so "overdue today" is a sum over the
  deadlines before today;
- ``IssueMonthTally``: the issues raised per month, those of them closed, and their time to close.

A visit or a change of holdings (told by ``cadres.tallies.holdings_listen``) counts the business
again (:func:`visits_recount`); a business's mark (``InspectionMark``) says where its visits and
issues were counted, so a move takes them along. Issue services add their differences
(:func:`issue_counted`). ``inspection_tallies_rebuild`` recounts everything.
"""

import datetime
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from baobao import clock
from baobao.models import Division
from baobao.tallies import tally_rollups_rebuild, upsert_add
from cadres.models import HoldingMark
from entities.models import Entity
from inspections.models import (
    InspectionMark,
    Issue,
    IssueMonthTally,
    IssueOpenTally,
    IssueStatus,
    Visit,
    VisitTally,
)
from inspections.quarters import Quarter

Place = tuple[int, str]  # division id, division path
ISSUE_FIELDS = ("status", "deadline", "created_at", "closed_at")
# Each tally's keys (its division first) and counted fields.
VISIT_KEYS_FIELDS = (("division_id", "division_path", "quarter"), ("visited",))
OPEN_KEYS_FIELDS = (("division_id", "division_path", "deadline"), ("open",))
MONTH_KEYS_FIELDS = (
    ("division_id", "division_path", "month"),
    ("raised", "closed", "close_us"),
)
TALLIES = (
    (VisitTally, *VISIT_KEYS_FIELDS),
    (IssueOpenTally, *OPEN_KEYS_FIELDS),
    (IssueMonthTally, *MONTH_KEYS_FIELDS),
)


def _issue_parts(fields: dict, place: Place) -> tuple[dict, dict]:
    """What one issue adds: ({(division, path, deadline): (1,)} if open, {(division, path,
    month): (raised, closed, microseconds to close)})."""
    closed = fields["status"] == IssueStatus.CLOSED
    opened = {} if closed else {(*place, fields["deadline"]): (1,)}
    month = timezone.localdate(fields["created_at"]).replace(day=1)
    took = 0
    if closed and fields["closed_at"]:
        delta = fields["closed_at"] - fields["created_at"]
        took = (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds
    return opened, {(*place, month): (1, int(closed), took)}


def _sum_into(totals: dict, parts: dict, sign: int) -> None:
    for key, values in parts.items():
        row = totals.setdefault(key, [0] * len(values))
        for i, v in enumerate(values):
            row[i] += sign * v


def _issues_add(changes: Iterable[tuple[dict | None, Place | None, int]]) -> None:
    """Add the parts of issues (fields, place, +1 or -1) to the issue tallies."""
    opened: dict = {}
    months: dict = {}
    for fields, place, sign in changes:
        if fields is None:
            continue
        o, m = _issue_parts(fields, place)
        _sum_into(opened, o, sign)
        _sum_into(months, m, sign)
    upsert_add(
        IssueOpenTally._meta.db_table,
        *OPEN_KEYS_FIELDS,
        {k: tuple(v) for k, v in opened.items()},
    )
    upsert_add(
        IssueMonthTally._meta.db_table,
        *MONTH_KEYS_FIELDS,
        {k: tuple(v) for k, v in months.items()},
    )


def issue_facts(issue: Issue) -> dict:
    """The fields of an issue its counts depend on (taken before a change, for issue_counted)."""
    return {name: getattr(issue, name) for name in ISSUE_FIELDS}


def issue_counted(*, issue: Issue, before: dict | None) -> None:
    """Count an issue raised (``before`` None) or changed (``before`` its issue_facts then)."""
    entity = Entity.objects.only("division_id", "division_path").get(pk=issue.entity_id)
    place = (entity.division_id, entity.division_path)
    InspectionMark.objects.get_or_create(
        entity_id=entity.pk,
        defaults={"division_id": place[0], "division_path": place[1]},
    )
    _issues_add([(before, place, -1), (issue_facts(issue), place, +1)])


def visits_recount(*, entity_ids: Iterable[int], today: datetime.date | None = None) -> None:
    """Count again these businesses' visits of the current quarter (due: held now; visited) and
    move their visits' and issues' counts to where they are now, inside the caller's transaction."""
    ids = sorted(set(entity_ids))
    if not ids:
        return
    quarter = Quarter.of(today or clock.today()).code
    marks = {m.entity_id: m for m in InspectionMark.objects.filter(entity_id__in=ids)}
    places = {
        pk: (d, p)
        for pk, d, p in Entity.objects.filter(pk__in=ids).values_list(
            "pk", "division_id", "division_path"
        )
    }
    held = set(
        HoldingMark.objects.filter(entity_id__in=ids, open=True).values_list("entity_id", flat=True)
    )
    visited = set(
        Visit.objects.filter(entity_id__in=ids, quarter=quarter).values_list("entity_id", flat=True)
    )
    with_issues = set(
        Issue.objects.filter(entity_id__in=ids).values_list("entity_id", flat=True).distinct()
    )
    counts: dict = {}
    moved = []
    new_marks = []
    for pk, place in places.items():
        mark = marks.get(pk)
        if mark is not None and mark.quarter == quarter:
            _sum_into(counts, {(mark.division_id, mark.division_path, quarter): (1,)}, -1)
        counted = pk in held and pk in visited
        if counted:
            _sum_into(counts, {(*place, quarter): (1,)}, +1)
        if mark is not None and mark.division_id != place[0]:
            moved.append((pk, (mark.division_id, mark.division_path), place))
        if counted or pk in with_issues:
            new_marks.append(
                InspectionMark(
                    entity_id=pk,
                    division_id=place[0],
                    division_path=place[1],
                    quarter=quarter if counted else None,
                )
            )
    upsert_add(
        VisitTally._meta.db_table,
        *VISIT_KEYS_FIELDS,
        {k: tuple(v) for k, v in counts.items()},
    )
    if moved:
        old = {pk: before for pk, before, _after in moved}
        new = {pk: after for pk, _before, after in moved}
        issues = Issue.objects.filter(entity_id__in=old).values("entity_id", *ISSUE_FIELDS)
        _issues_add(
            change
            for row in issues
            for change in ((row, old[row["entity_id"]], -1), (row, new[row["entity_id"]], +1))
        )
    InspectionMark.objects.filter(entity_id__in=ids).delete()  # counts, not ledger data
    InspectionMark.objects.bulk_create(new_marks)


def holdings_changed(*, entity_ids: Iterable[int]) -> None:
    """The holdings app's listener (installed in InspectionsConfig.ready)."""
    visits_recount(entity_ids=entity_ids)


# --- recounts ----------------------------------------------------------------------------------


def _visited_now(quarter: int):
    """The businesses held now (open) and visited in ``quarter``: (id, division, path) rows."""
    return (
        Entity.objects.filter(pk__in=HoldingMark.objects.filter(open=True).values("entity_id"))
        .filter(pk__in=Visit.objects.filter(quarter=quarter).values("entity_id"))
        .values_list("pk", "division_id", "division_path")
    )


def recount(today: datetime.date) -> dict[str, dict]:
    """Every tally of the current quarter and of the issues, from the visits and issues."""
    quarter = Quarter.of(today).code
    visits: dict = {}
    for _pk, *place in _visited_now(quarter).iterator(chunk_size=5000):
        _sum_into(visits, {(*place, quarter): (1,)}, +1)
    opened: dict = {}
    months: dict = {}
    issues = Issue.objects.values(
        *ISSUE_FIELDS, "entity__division_id", "entity__division_path"
    ).order_by()
    for row in issues.iterator(chunk_size=5000):
        o, m = _issue_parts(row, (row["entity__division_id"], row["entity__division_path"]))
        _sum_into(opened, o, +1)
        _sum_into(months, m, +1)

    def cleaned(totals):
        return {(k[0], k[2]): tuple(v) for k, v in totals.items() if any(v)}

    return {"visits": cleaned(visits), "open": cleaned(opened), "months": cleaned(months)}


def kept(today: datetime.date) -> dict[str, dict]:
    """The kept tallies of the current quarter and of the issues, without the zero rows."""
    quarter = Quarter.of(today).code
    visits = (
        VisitTally.objects.leaves()
        .filter(quarter=quarter)
        .values_list("division_id", "quarter", "visited")
    )
    opened = IssueOpenTally.objects.leaves().values_list("division_id", "deadline", "open")
    months = IssueMonthTally.objects.leaves().values_list(
        "division_id", "month", "raised", "closed", "close_us"
    )
    return {
        name: {(d, k): tuple(v) for d, k, *v in rows if any(v)}
        for name, rows in (("visits", visits), ("open", opened), ("months", months))
    }


@transaction.atomic
def inspection_tallies_rebuild(*, today: datetime.date) -> int:
    """Recount every visit and issue tally and mark (locking the tallies); returns the number of
    tally rows. Run after the holdings' rebuild (it reads their marks)."""
    for model in (VisitTally, IssueOpenTally, IssueMonthTally):
        model.objects.select_for_update().all().delete()  # counts, not ledger data
    InspectionMark.objects.all().delete()
    quarter = Quarter.of(today).code
    visited = _visited_now(quarter)
    with_issues = Issue.objects.values("entity_id")
    places = {
        pk: (d, p)
        for pk, d, p in Entity.objects.filter(
            Q(pk__in=with_issues) | Q(pk__in=visited.values("pk"))
        )
        .values_list("pk", "division_id", "division_path")
        .iterator(chunk_size=5000)
    }
    visited = {pk for pk, _d, _p in visited.iterator(chunk_size=5000)}
    InspectionMark.objects.bulk_create(
        (
            InspectionMark(
                entity_id=pk,
                division_id=d,
                division_path=p,
                quarter=quarter if pk in visited else None,
            )
            for pk, (d, p) in places.items()
        ),
        batch_size=5000,
    )
    counts = recount(today)
    paths = dict(Division.objects.values_list("pk", "path"))
    VisitTally.objects.bulk_create(
        VisitTally(division_id=d, division_path=paths[d], quarter=q, visited=v)
        for (d, q), (v,) in counts["visits"].items()
    )
    IssueOpenTally.objects.bulk_create(
        IssueOpenTally(division_id=d, division_path=paths[d], deadline=day, open=n)
        for (d, day), (n,) in counts["open"].items()
    )
    IssueMonthTally.objects.bulk_create(
        IssueMonthTally(
            division_id=d, division_path=paths[d], month=m, raised=r, closed=c, close_us=us
        )
        for (d, m), (r, c, us) in counts["months"].items()
    )
    for model, keys, fields in TALLIES:
        tally_rollups_rebuild(model._meta.db_table, keys, fields)
    return sum(len(rows) for rows in counts.values())
