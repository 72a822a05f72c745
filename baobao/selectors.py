"""Reads of the core: who a user is, what their scope covers, and the office home's figures."""

import datetime

from django.db.models import QuerySet

from baobao.models import Division, Level
from cadres.selectors.overview import (
    adjustment_list,
    cadre_level_counts,
    coverage_counts,
    entity_grade_counts,
)
from inspections.quarters import Quarter
from inspections.selectors import rates_by_child_division

RECENT_ADJUSTMENTS = 10


def root_division(user) -> Division | None:
    """Where a user's area overview (home rates, dashboard) starts: an office's own division;
    for the admin the single top of the tree (None when there are several or none)."""
    if user.is_office:
        return user.division if user.division_id else None
    roots = list(Division.objects.filter(parent__isnull=True)[:2])
    return roots[0] if len(roots) == 1 else None


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


def user_overview(*, user) -> dict:
    """The identity card of the office home page: role and scope path."""
    scope = user.division
    scope_path = [*scope.ancestors(), scope] if scope else []
    return {
        "role_label": user.get_role_display(),
        "scope": scope,
        "scope_path": scope_path,
        "sees_everything": user.is_system_admin,
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


def division_trail(*, user, division: Division | None) -> list[Division]:
    """The path from the top of the user's scope down to ``division`` (one query)."""
    if division is None:
        return []
    root = user.division if user.is_office and user.division_id else None
    ancestors = [d for d in division.ancestors() if root is None or root.contains(d)]
    return [*ancestors, division]


def division_children(*, user, division: Division | None) -> QuerySet[Division]:
    """The divisions one level below ``division``, or the top of the user's scope without one."""
    if division is None:
        return Division.objects.for_user(user).filter(parent__isnull=True).order_by("code")
    return Division.objects.filter(parent=division).order_by("code")


def access_division(user, pk) -> Division | None:
    """The division with this id if it is inside the user's scope, else None."""
    if not str(pk or "").isdigit():
        return None
    return Division.objects.for_user(user).filter(pk=pk).first()
