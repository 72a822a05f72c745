"""The office's overview pages: coverage gaps (全覆盖), load balance (防止畸轻畸重) and the dynamic
adjustment ledger (动态调整台账). Read-only; each gap links to the action that fixes it."""

import math

from django.views.generic import TemplateView

from baobao.db_routers import ReplicaReadMixin
from baobao.keyset import keyset_paginate, shown_count
from baobao.mixins import OfficeRequiredMixin
from cadres.filters_overview import AdjustmentFilterForm, AreaFilterForm, CoverageFilterForm
from cadres.selectors.balance import (
    OVERLOAD_FACTOR,
    OVERLOAD_MARGIN,
    balance_idle,
    balance_overloaded,
    cadre_load_balance,
)
from cadres.selectors.handoffs import (
    handoff_queue,
    handoffs_passed_up,
)
from cadres.selectors.overview import (
    adjustment_list,
    coverage_below_level,
    coverage_counts,
    coverage_left_cadres,
    coverage_unheld,
)
from cadres.tables_overview import (
    AdjustmentTable,
    BalanceCadreTable,
    BelowLevelTable,
    HandoffTable,
    LeftCadreTable,
    OverloadedTable,
    UnheldTable,
)

COVERAGE_PER_PAGE = 25
LEDGER_PER_PAGE = 50
QUEUE_COUNT_LIMIT = 999


def _paginate(request, table, per_page, *, total: bool = False):
    """Seek paging (no OFFSET, no COUNT); the table's pager is ``table.pager``. The gap tables
    go without a total: the page counts its gaps already (``coverage_counts``, the queue)."""
    table.pager = keyset_paginate(request, table, per_page=per_page, total=total)
    return table


def _filters(form) -> dict | None:
    """The form's cleaned filters, or None when the input is invalid (the page then lists
    nothing and shows why)."""
    return dict(form.cleaned_data) if form.is_valid() else None


class CoverageView(OfficeRequiredMixin, ReplicaReadMixin, TemplateView):
    """Every gap in full coverage, each with the action that fixes it."""

    template_name = "overview/coverage.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        form = CoverageFilterForm(self.request.GET, user=user)
        filters = _filters(form)

        def table(table_class, selector, prefix):
            rows = selector(user=user, **(filters or {}))
            if filters is None:
                rows = rows.none()
            return _paginate(
                self.request, table_class(rows, user=user, prefix=prefix), COVERAGE_PER_PAGE
            )

        return super().get_context_data(
            form=form,
            counts=coverage_counts(user=user, **(filters or {})),
            unheld_table=table(UnheldTable, coverage_unheld, "unheld-"),
            left_table=table(LeftCadreTable, coverage_left_cadres, "left-"),
            below_table=table(BelowLevelTable, coverage_below_level, "below-"),
            passed_up_table=_paginate(
                self.request,
                HandoffTable(
                    handoffs_passed_up(user=user),
                    user=user,
                    today=self.request.today,
                    prefix="up-",
                ),
                COVERAGE_PER_PAGE,
            ),
            # Counted no further than a page shows ("999+"): never a province's full COUNT.
            queue_count=shown_count(handoff_queue(user=user), QUEUE_COUNT_LIMIT),
            **kwargs,
        )


class HandoffQueueView(OfficeRequiredMixin, TemplateView):
    """The hand-offs waiting for the user's office (待本级安排包保), longest-waiting first, each
    with the action that fixes it."""

    template_name = "overview/handoffs.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        table = HandoffTable(handoff_queue(user=user), user=user, today=self.request.today)
        return super().get_context_data(
            table=_paginate(self.request, table, COVERAGE_PER_PAGE), **kwargs
        )


# The box chart of loads: the drawing's width and where the axis runs, in SVG user units.
CHART_WIDTH = 640
CHART_LEFT = 130
CHART_RIGHT = 590
CHART_ROW = 34
MINI_WIDTH = 160


def _scale(value: float, top: int, left: int, right: int) -> float:
    return round(left + (right - left) * value / top, 1)


def box_geometry(stats, top: int, left: int, right: int) -> dict:
    """Where one box of a box chart falls on an axis from ``left`` (load 0) to ``right`` (``top``).

    A load beyond the axis is drawn at its end, and ``clipped`` says so.
    """
    x = {
        key: _scale(min(getattr(stats, key), top), top, left, right)
        for key in ("min", "q1", "median", "q3", "max", "mean")
    }
    return {
        "x": x,
        "box_width": round(x["q3"] - x["q1"], 1) or 1,
        "threshold": _scale(min(stats.threshold, top), top, left, right),
        "clipped": stats.max > top,
    }


def chart_top(levels) -> int:
    """The axis's end: every threshold and every load, except an outlier beyond twice its level's
    threshold (a cadre holding a whole market zone would squash everyone else)."""
    return math.ceil(
        max([1, *(max(stats.threshold, min(stats.max, 2 * stats.threshold)) for stats in levels)])
    )


def box_chart(levels, top: int) -> dict:
    """SVG coordinates of the chart of loads: one box (min, quartiles, median, max) per level."""
    rows = [
        {
            "stats": stats,
            "y": i * CHART_ROW + 8,
            "mid": i * CHART_ROW + 18,
            **box_geometry(stats, top, CHART_LEFT, CHART_RIGHT),
        }
        for i, stats in enumerate(levels)
    ]
    return {
        "rows": rows,
        "height": len(rows) * CHART_ROW + 28,
        "axis_y": len(rows) * CHART_ROW + 6,
        "ticks": [
            {"value": t, "x": _scale(t, top, CHART_LEFT, CHART_RIGHT)}
            for t in sorted({0, top // 2, top})
        ],
        "left": CHART_LEFT,
        "right": CHART_RIGHT,
        "width": CHART_WIDTH,
    }


class BalanceView(OfficeRequiredMixin, ReplicaReadMixin, TemplateView):
    """Load per cadre by level and by child area, with the overloaded and the idle."""

    template_name = "overview/balance.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        form = AreaFilterForm(self.request.GET, user=user)
        division = (_filters(form) or {}).get("division")
        balance = cadre_load_balance(user=user, division=division)
        levels = balance["levels"]
        top = chart_top(levels)
        area_rows = [
            {"area": area, "stats": stats, **box_geometry(stats, top, 1, MINI_WIDTH - 1)}
            for area in balance["areas"]
            for stats in area.levels
        ]
        thresholds = {stats.level: stats.threshold for stats in levels}
        overloaded = OverloadedTable(
            balance_overloaded(user=user, thresholds=thresholds, division=division),
            user=user,
            prefix="over-",
        )
        idle = BalanceCadreTable(
            balance_idle(user=user, division=division), user=user, prefix="idle-"
        )
        return super().get_context_data(
            form=form,
            balance=balance,
            chart=box_chart(levels, top),
            area_rows=area_rows,
            mini_width=MINI_WIDTH,
            overload_factor=OVERLOAD_FACTOR,
            overload_margin=OVERLOAD_MARGIN,
            overloaded_table=_paginate(self.request, overloaded, COVERAGE_PER_PAGE),
            idle_table=_paginate(self.request, idle, COVERAGE_PER_PAGE),
            **kwargs,
        )


class AdjustmentLedgerView(OfficeRequiredMixin, ReplicaReadMixin, TemplateView):
    """The dynamic adjustment ledger (包保干部动态调整台账), newest first."""

    template_name = "overview/adjustments.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        form = AdjustmentFilterForm(self.request.GET, user=user)
        filters = _filters(form)
        rows = adjustment_list(user=user, **(filters or {}))
        if filters is None:
            rows = rows.none()
        table = AdjustmentTable(rows, user=user)
        return super().get_context_data(
            form=form,
            cadre=(filters or {}).get("cadre"),
            table=_paginate(self.request, table, LEDGER_PER_PAGE, total=True),
            **kwargs,
        )
