"""Reads of the core: who a user is and what their scope covers (the office home's figures are
the ledgers' own: ``ledgers.dashboards.home``)."""

from django.db.models import QuerySet

from baobao.models import Division


def root_division(user) -> Division | None:
    """Where a user's area overview (home rates, dashboard) starts: an office's own division;
    for the admin the single top of the tree (None when there are several or none)."""
    if user.is_office:
        return user.division if user.division_id else None
    roots = list(Division.objects.filter(parent__isnull=True)[:2])
    return roots[0] if len(roots) == 1 else None


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


def division_levels(*, user, division: Division | None) -> tuple[list[Division], list[Division]]:
    """``division_trail`` and ``division_children`` together, in one query: the area chooser
    shown on every list."""
    if division is None:
        return [], list(division_children(user=user, division=None))
    children_qs = Division.objects.filter(parent=division).order_by()
    levels = division.ancestors().order_by().union(children_qs)
    above, children = [], []
    for d in levels.order_by("level", "code"):
        (children if d.parent_id == division.pk else above).append(d)
    root = user.division if user.is_office and user.division_id else None
    trail = [d for d in above if root is None or root.contains(d)]
    return [*trail, division], children


def access_division(user, pk) -> Division | None:
    """The division with this id if it is inside the user's scope, else None."""
    if not str(pk or "").isdigit():
        return None
    return Division.objects.for_user(user).filter(pk=pk).first()
