"""Coverage's history (issue 18): each day a task records every division's open businesses and
those held by a cadre in post, from the running counts, as the row of the day's month
(``CoverageMonth``); the month's last recording stays as its coverage. A past month's report then
shows that month's coverage, not today's."""

import datetime

from django.db import transaction
from django.db.models import Q, QuerySet, Sum

from baobao.models import Division
from cadres.models import HoldingTally
from cadres.selectors.overview import OPEN_STATUSES
from entities.models import EntityTally
from ledgers.dashboards.common import by_child
from ledgers.models import CoverageMonth


@transaction.atomic
def coverage_month_record_unscoped(*, today: datetime.date) -> int:
    """Record today's coverage of every division as its row of this month (replacing the rows an
    earlier run of the month wrote: safe to run twice); returns the number of rows. Unscoped:
    run by the system."""
    month = today.replace(day=1)
    opened = (
        EntityTally.objects.leaves()
        .filter(status__in=OPEN_STATUSES)
        .values_list("division_id")
        .annotate(n=Sum("n"))
        .order_by()
    )
    held = (
        HoldingTally.objects.leaves()
        .values_list("division_id")
        .annotate(held=Sum("held"), left=Sum("left"))
        .order_by()
    )
    figures: dict[int, list[int]] = {}
    for division_id, n in opened:
        figures.setdefault(division_id, [0, 0])[0] = n
    for division_id, h, gone in held:
        figures.setdefault(division_id, [0, 0])[1] = h - gone
    paths = dict(Division.objects.filter(pk__in=list(figures)).values_list("pk", "path"))
    CoverageMonth.objects.filter(month=month).delete()  # this month's recording, replaced
    CoverageMonth.objects.bulk_create(
        (
            CoverageMonth(
                division_id=d,
                division_path=paths[d],
                month=month,
                open=n,
                covered=c,
                recorded_on=today,
            )
            for d, (n, c) in figures.items()
            if n or c
        ),
        batch_size=5000,
    )
    return len(figures)


def coverage_in_month(division: Division, digits: int, month: datetime.date) -> dict | None:
    """The recorded coverage of ``division``'s subtree in ``month`` per child path
    ({path: {"open", "covered"}}), or None when nothing was recorded that month."""
    rows: QuerySet = CoverageMonth.objects.filter(month=month)
    if not rows.exists():
        return None
    grouped = by_child(
        rows.filter(Q(division_path__startswith=division.path)),
        "division_path",
        digits,
        open_sum=Sum("open"),
        covered_sum=Sum("covered"),
    )
    return {
        path: {"open": row["open_sum"] or 0, "covered": row["covered_sum"] or 0}
        for path, row in grouped.items()
    }
