"""The supervision section of the business page (``entities.sections``): its last four quarters,
due or not, visited or not."""

from cadres.selectors.handoffs import entity_handoff
from entities.sections import entity_section_register
from inspections.selectors import entity_quarter_status


def entity_quarters(*, request, obj) -> dict:
    return {
        "quarter_status": entity_quarter_status(entity=obj, today=request.today),
        # A business waiting for a higher office's holder says so on the current quarter.
        "handoff": entity_handoff(entity=obj, today=request.today),
    }


def sections_register() -> None:
    """Called by ``InspectionsConfig.ready()``."""
    entity_section_register(
        page="entity",
        name="quarter_status",
        template="inspections/_entity_quarter_status.html",
        context=entity_quarters,
        order=10,
    )
