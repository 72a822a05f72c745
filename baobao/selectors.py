"""Reads of the core: who a user is and what their scope covers."""

from cadres.models import Assignment, Cadre


def user_overview(*, user) -> dict:
    """The identity card of the home page: role, scope path, and the cadre whose work they do."""
    scope = user.division
    scope_path = [*scope.ancestors(), scope] if scope else []
    cadre = None
    holdings = None
    if cadre_id := user.acting_cadre_id:
        cadre = Cadre.objects.select_related("division").get(pk=cadre_id)
        holdings = (
            Assignment.objects.current()
            .filter(cadre_id=cadre_id)
            .select_related("entity__division")
            .order_by("entity__name")
        )
    return {
        "role_label": user.get_role_display(),
        "scope": scope,
        "scope_path": scope_path,
        "sees_everything": user.is_system_admin,
        "acting_cadre": cadre,
        "holdings": holdings,
    }
