"""Reads of the dashboard (/dashboard/): one row of figures per child division of an area, and the
area's totals, each figure a grouped query over the area's subtree (``common``).

Definitions:

- businesses by grade, and the coverage base: open businesses (in business or suspended);
- coverage (全覆盖): the share of open businesses held now by a cadre in post;
- supervision rate (季度督导率): the rules of ``inspections.quarters``, for this quarter (so far)
  and the four quarters before it (the trend);
- overdue cadres: cadres who, on the last day of the last quarter that has ended, held a business
  in the area that had no visit in that quarter; a cadre is counted once per area and once in the
  total, whatever the number of such businesses;
- issues: open means not yet closed (销号), overdue means open and past its deadline, both as of
  today; closure rate and average days to close are over the issues raised since the first day of
  the oldest quarter of the trend.

Figures of a quarter that can no longer change (past the grace period for late visits) are cached
per area and quarter, so a province's trend is computed once (``live``). The dashboards of the
province and the cities are kept as snapshots a few minutes old (``snapshots``); without a fresh
one, an office (or the admin), who sees the whole area, gets the figures of this quarter from the
running counts the services keep (``counted``), a cadre's narrower scope from the tables
(``live``).
"""

from ledgers.dashboards.common import last_ended_quarter
from ledgers.dashboards.live import (
    AreaFigures,
    QuarterRate,
    dashboard_live,
    dashboard_refresh_unscoped,
    trend_quarters,
)
from ledgers.dashboards.snapshots import (
    dashboard,
    dashboard_snapshots_take_unscoped,
    dashboards_refresh_unscoped,
)

__all__ = [
    "AreaFigures",
    "QuarterRate",
    "dashboard",
    "dashboard_live",
    "dashboard_refresh_unscoped",
    "dashboard_snapshots_take_unscoped",
    "dashboards_refresh_unscoped",
    "last_ended_quarter",
    "trend_quarters",
]
