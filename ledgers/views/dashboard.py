"""The dashboard (/dashboard/): an area's figures per child division with drill-down, and two
charts drawn here as SVG (no script, no third-party origin); the table is their text alternative."""

from django.http import Http404
from django.views.generic import TemplateView

from baobao.db_routers import ReplicaReadMixin
from baobao.mixins import OfficeRequiredMixin
from baobao.models import Division
from baobao.selectors import access_division, root_division
from ledgers.dashboards import dashboard

# The bar chart of this quarter's rate per area, in SVG user units.
BAR_WIDTH = 640
BAR_LEFT = 150
BAR_RIGHT = 580
BAR_ROW = 26
BAR_HEIGHT = 16
# The trend line of the area's rate per quarter.
TREND_WIDTH = 640
TREND_HEIGHT = 220
TREND_LEFT = 48
TREND_RIGHT = 620
TREND_TOP = 12
TREND_BOTTOM = 186


def chosen_division(user, request) -> Division | None:
    """The area asked for with ``?division=``, 404 outside the user's scope; without one, where
    the user's dashboard starts."""
    if "division" in request.GET:
        division = access_division(user, request.GET["division"])
        if division is None:
            raise Http404
        return division
    return root_division(user)


def _percent(rate: float | None) -> float | None:
    return None if rate is None else round(rate * 100, 1)


def bar_chart(rows) -> dict:
    """One horizontal bar per area: this quarter's supervision rate on a 0–100 % axis."""
    span = BAR_RIGHT - BAR_LEFT
    bars = []
    for i, row in enumerate(rows):
        percent = _percent(row.current.rate)
        y = i * BAR_ROW + 4
        bars.append(
            {
                "row": row,
                "percent": percent,
                "y": y,
                "text_y": y + BAR_HEIGHT - 3,
                "width": round(span * (percent or 0) / 100, 1),
                "value_x": round(BAR_LEFT + span * (percent or 0) / 100 + 6, 1),
            }
        )
    axis_y = len(rows) * BAR_ROW + 6
    return {
        "bars": bars,
        "width": BAR_WIDTH,
        "height": axis_y + 20,
        "axis_y": axis_y,
        "left": BAR_LEFT,
        "bar_height": BAR_HEIGHT,
        "ticks": [
            {"value": t, "x": round(BAR_LEFT + span * t / 100, 1)} for t in (0, 25, 50, 75, 100)
        ],
    }


def trend_chart(rates) -> dict:
    """The area's rate per quarter as a line on a 0–100 % axis; a quarter with nothing due is a
    gap in the line."""
    step = (TREND_RIGHT - TREND_LEFT) / max(len(rates) - 1, 1)
    span = TREND_BOTTOM - TREND_TOP
    points = []
    for i, rate in enumerate(rates):
        percent = _percent(rate.rate)
        points.append(
            {
                "rate": rate,
                "percent": percent,
                "x": round(TREND_LEFT + i * step, 1),
                "y": None if percent is None else round(TREND_BOTTOM - span * percent / 100, 1),
            }
        )
    segments, current = [], []
    for point in points:
        if point["y"] is None:
            segments.append(current)
            current = []
        else:
            current.append(f"{point['x']},{point['y']}")
    segments.append(current)
    return {
        "points": points,
        "lines": [" ".join(segment) for segment in segments if len(segment) > 1],
        "width": TREND_WIDTH,
        "height": TREND_HEIGHT,
        "left": TREND_LEFT,
        "right": TREND_RIGHT,
        "bottom": TREND_BOTTOM,
        "label_y": TREND_BOTTOM + 22,
        "ticks": [{"value": t, "y": round(TREND_BOTTOM - span * t / 100, 1)} for t in (0, 50, 100)],
    }


class DashboardView(OfficeRequiredMixin, ReplicaReadMixin, TemplateView):
    """An area's figures, one row per child division, each row a link one level down."""

    template_name = "ledgers/dashboard.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        division = chosen_division(user, self.request)
        if division is None:
            tops = Division.objects.for_user(user).filter(parent__isnull=True).order_by("code")
            return super().get_context_data(tops=tops, **kwargs)
        figures = dashboard(user=user, division=division, now=self.request.now)
        return super().get_context_data(
            figures=figures,
            bars=bar_chart(figures["rows"]),
            trend=trend_chart(figures["total"].rates),
            **kwargs,
        )
