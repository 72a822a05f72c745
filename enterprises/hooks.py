"""What the business side adds to pages of the apps below: the self-management evidence on the
business page and on the visit form (with a hint for the 日管控/周排查/月调度 checklist item), and
the accounts section on the business page for the office."""

from django.utils.translation import gettext as _

from enterprises.filters import self_check_missing_filter
from enterprises.models import Membership
from enterprises.rollup import rollup_entities_changed
from enterprises.selectors import evidence_since, self_check_evidence
from entities.changes import entity_listener_register
from entities.filters import entity_filter_register
from entities.sections import entity_section_register
from inspections.panels import visit_panel_register


def _hint(evidence: dict) -> str:
    parts = "，".join(f"{row['label']} {row['done']}/{row['due']}" for row in evidence["rows"])
    text = _("Self-management since the last visit: %(parts)s.") % {"parts": parts}
    if evidence["short"]:
        text += " " + _("Falls short: suggest marking this item as a problem.")
    return text


def evidence_context(*, request, entity) -> dict:
    today = request.today
    evidence = self_check_evidence(
        entity=entity, since=evidence_since(entity=entity, today=today), today=today
    )
    return {"evidence": evidence, "check_hints": [("日管控", _hint(evidence))]}


def entity_page_context(*, request, obj) -> dict:
    context = evidence_context(request=request, entity=obj)
    user = request.user
    context["accounts"] = (
        list(Membership.objects.filter(entity=obj).select_related("user"))
        if user.can_write_registers
        else None
    )
    return context


def hooks_register() -> None:
    """Called by ``EnterprisesConfig.ready()``."""
    entity_listener_register(rollup_entities_changed)  # the rates' rollup follows each change
    entity_section_register(
        page="entity",
        name="self_management",
        template="enterprises/_entity_self_management.html",
        context=entity_page_context,
        order=20,
    )
    entity_filter_register(name="self_check_missing", make=self_check_missing_filter, order=30)
    visit_panel_register(
        name="self_management",
        template="enterprises/_visit_evidence.html",
        context=evidence_context,
    )
