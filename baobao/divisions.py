"""A division re-coded in place (a code corrected after a redistricting): the rules that keep the
tree whole, and the copies of its path that other rows keep following it."""

from django.apps import apps
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def division_change_check(division) -> str | None:
    """Refuse a division whose code is not under its parent's, and a change that would break the
    tree below it: an existing division keeps its level and parent, and one with divisions under
    it keeps its code. Raises ValidationError (messages by field); returns the path stored for
    the division (None for a new one), read once for the check and for ``save``."""

    parent = division.parent
    if parent is not None and not division.code.startswith(parent.path):
        raise ValidationError(
            {
                "code": _("The code must begin with its parent's code %(path)s.")
                % {"path": parent.path}
            }
        )
    if division.pk is None:
        return None
    stored = type(division).objects.filter(pk=division.pk)
    before = stored.values("code", "level", "parent_id", "path").first()
    if before is None:
        return None
    if (before["level"], before["parent_id"]) != (division.level, division.parent_id):
        raise ValidationError(
            _(
                "A division keeps its level and parent. To redistrict, add the new division and "
                "move the businesses and cadres to it on their own pages."
            )
        )
    if before["code"] != division.code and division.children.exists():
        raise ValidationError({"code": _("A division with divisions under it keeps its code.")})
    return before["path"]


def path_copies_update(*, division_id: int, path: str) -> int:
    """Set ``division_path`` to ``path`` on every row that keeps a copy of this division's path:
    any model with a ``division`` (or ``division_id``) and a ``division_path`` field (the
    businesses, the public's requests, the running counts and their marks), found through the
    app registry, so the core names no app. History rows keep the path they had. Returns how
    many rows changed."""

    changed = 0
    for model in apps.get_models():
        meta = model._meta
        names = {f.attname for f in meta.concrete_fields}
        if meta.proxy or not meta.managed or "history_id" in names:
            continue
        if {"division_id", "division_path"} <= names:
            rows = model._base_manager.filter(division_id=division_id)
            changed += rows.exclude(division_path=path).update(division_path=path)
    return changed
