"""The holdings' sections of the register's pages (``entities.sections``): who holds the business
or the zone and what may be done about it, who held it before, and its adjustment rows."""

from cadres.selectors.handoffs import entity_handoff, office_level
from cadres.selectors.histories import entity_adjustments, entity_assignments, zone_past_holdings
from cadres.selectors.holdings import zone_current_holding
from entities.sections import entity_section_register
from entities.selectors import entity_current_holding


def entity_holder(*, request, obj) -> dict:
    """The holder card. An office below the level the grade needs has no cadre to offer: the
    business waits for the higher office (待上级安排包保) and the card says so instead of an
    empty picker."""
    user = request.user
    handoff = entity_handoff(entity=obj, today=request.today)
    level = office_level(user)
    can_arrange = handoff is None or level is None or level <= handoff.level
    return {
        "holding": entity_current_holding(user=user, entity=obj),
        "handoff": handoff,
        "can_arrange": user.can_write_registers and can_arrange,
    }


def entity_holdings(*, request, obj) -> dict:
    return {"assignments": entity_assignments(user=request.user, entity=obj)}


def entity_ledger_rows(*, request, obj) -> dict:
    return {
        "adjustments": entity_adjustments(user=request.user, entity=obj),
        "recorder": True,
        "cadre": None,
    }


def zone_holder(*, request, obj) -> dict:
    return {
        "holding": zone_current_holding(obj.pk),
        "past_holdings": zone_past_holdings(zone=obj),
    }


def sections_register() -> None:
    """Called by ``CadresConfig.ready()``."""
    entity_section_register(
        page="entity",
        name="holder",
        template="cadres/_entity_holder.html",
        context=entity_holder,
        column="side",
        order=10,
    )
    entity_section_register(
        page="entity",
        name="holdings",
        template="cadres/_entity_holdings.html",
        context=entity_holdings,
        order=20,
    )
    entity_section_register(
        page="entity",
        name="adjustments",
        template="includes/adjustments_table.html",
        context=entity_ledger_rows,
        order=40,
    )
    entity_section_register(
        page="zone",
        name="holder",
        template="cadres/_zone_holder.html",
        context=zone_holder,
        column="side",
        order=10,
    )
