"""The running counts the dashboards and coverage read (issue 18), recounted from the rows:
the register's, the holdings', the cadres' loads, the visits' and the issues', in that order (each reads the one
before). The services keep them from then on; a database that predates a counter table gets it
filled once, right after ``migrate`` (``counters_fill_after_migrate``), so an upgraded
installation never shows empty dashboards."""

import datetime
import logging

from baobao import clock
from baobao.tallies import tally_rollups_recounted
from cadres import loads, tallies
from cadres.loads import cadre_loads_rebuild, loads_missing
from cadres.models import HoldingMark, HoldingTally, LoadTally
from cadres.tallies import holding_tallies_rebuild
from entities import tallies as entity_tallies
from entities.models import Entity, EntityTally
from entities.tallies import entity_tallies_rebuild
from inspections.models import InspectionMark, IssueOpenTally, VisitTally
from inspections.tallies import TALLIES as INSPECTION_TALLIES
from inspections.tallies import inspection_tallies_rebuild

logger = logging.getLogger(__name__)


def counters_rebuild(*, today: datetime.date) -> int:
    """Recount every counter; returns how many tally rows were written."""
    rows = entity_tallies_rebuild() + holding_tallies_rebuild() + cadre_loads_rebuild()
    return rows + inspection_tallies_rebuild(today=today)


def rollups_recounted() -> dict:
    """Every tally's county roll-ups that differ from the sums of their leaf rows ({table:
    differences}, empty when all agree; ``baobao.tallies``)."""
    tallies_of = [
        (EntityTally, entity_tallies.KEYS, ("n",)),
        (HoldingTally, tallies.KEYS, tallies.FIELDS),
        (LoadTally, loads.KEYS, ("cadres",)),
        *INSPECTION_TALLIES,
    ]
    found = {
        model._meta.db_table: tally_rollups_recounted(model, keys, fields)
        for model, keys, fields in tallies_of
    }
    return {table: differences for table, differences in found.items() if differences}


def counters_missing() -> bool:
    """A register with businesses but not one counter or per-business mark: a database migrated
    from before the counters (the services keep some mark for any held or visited business)."""
    kept = (HoldingMark, HoldingTally, InspectionMark, VisitTally, IssueOpenTally)
    return Entity.objects.exists() and not any(m.objects.exists() for m in kept)


def counters_fill_after_migrate(sender, using="default", **kwargs) -> None:
    """``post_migrate`` receiver: fill the counters of a database that has none yet (or only the
    cadres' loads, on a database that predates them)."""
    if using != "default":
        return
    if counters_missing():
        rows = counters_rebuild(today=clock.today())
        logger.warning("Counters filled after migrate: %d tally rows recounted.", rows)
    elif loads_missing():
        rows = cadre_loads_rebuild()
        logger.warning("Cadre loads filled after migrate: %d tally rows recounted.", rows)
