"""The office home page's figures: the scope at a glance, each figure linking into its page."""

import datetime

from baobao.models import Level
from baobao.selectors import root_division
from cadres.selectors.overview import (
    adjustment_list,
    cadre_level_counts,
    coverage_counts,
    entity_grade_counts,
)
from inspections.quarters import Quarter
from inspections.selectors import rates_by_child_division

RECENT_ADJUSTMENTS = 10


def home_rates(*, user, today: datetime.date) -> dict | None:
    """This quarter's supervision rate (季度督导率) per child division of the user's scope."""
    division = root_division(user)
    if division is None:
        return None
    quarter = Quarter.of(today)
    return {
        "division": division,
        "quarter": quarter,
        "rows": rates_by_child_division(user=user, division=division, quarter=quarter, today=today),
    }


def office_figures(*, user, today: datetime.date) -> dict | None:
    """The office home's figures for the user's scope: open businesses by grade, cadres in post by
    level, coverage gaps, the latest adjustments, this quarter's supervision rates by child
    division. None for non-office roles."""
    if not (user.is_office or user.is_system_admin):
        return None
    levels = cadre_level_counts(user=user)
    top = user.division.level if user.is_office and user.division_id else Level.PROVINCE
    return {
        "grades": list(entity_grade_counts(user=user).items()),
        "levels": [
            (level, levels.get(level, 0)) for level in Level if level >= top or level in levels
        ],
        "coverage": coverage_counts(user=user),
        "recent_adjustments": adjustment_list(user=user)[:RECENT_ADJUSTMENTS],
        "rates": home_rates(user=user, today=today),
    }
