"""The dry run per kind: what each row of an entities, cadres or holdings sheet would do."""

from django.conf import settings
from django.utils import translation

from ledgers.imports.plans.cadres import plan_cadres
from ledgers.imports.plans.entities import plan_entities
from ledgers.imports.plans.holdings import plan_holdings
from ledgers.imports.rows import RowPlan
from ledgers.imports.sheet import Action
from ledgers.models import ImportKind

PLANNERS = {
    ImportKind.ENTITIES: plan_entities,
    ImportKind.CADRES: plan_cadres,
    ImportKind.HOLDINGS: plan_holdings,
}


def plan_rows(*, kind: str, rows, user, progress=None) -> list[RowPlan]:
    """The dry run of rows already read (``[(row number, {field: text}), …]``) against the
    registers as they are now; ``progress(n)`` is called as row n is checked."""
    with translation.override(settings.LANGUAGE_CODE):
        return PLANNERS[kind](rows, user, progress or _ignore)


def _ignore(count: int) -> None:
    return None


def plan_counts(plans: list[RowPlan]) -> dict:
    counts = dict.fromkeys(Action.ALL, 0)
    for plan in plans:
        counts[plan.action] += 1
    return counts
