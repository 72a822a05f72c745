"""Panels that apps above contribute to the visit form (what the cadre should see on site).

An app registers from its ``AppConfig.ready()``::

    visit_panel_register(name="self_checks", template="…", context=lambda *, request, entity: {…})

A panel's context may carry ``check_hints``: ``[(keyword, text), …]``; the checklist item whose
text contains ``keyword`` shows ``text`` under it (the evidence for that item)."""

from collections.abc import Callable
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils.safestring import SafeString


@dataclass(frozen=True)
class Panel:
    name: str
    template: str
    context: Callable[..., dict]
    order: int


_panels: dict[str, Panel] = {}


def visit_panel_register(*, name: str, template: str, context: Callable[..., dict], order=50):
    _panels[name] = Panel(name, template, context, order)


def visit_panels(*, request, entity) -> tuple[list[SafeString], list[tuple[str, str]]]:
    """The panels rendered in order, and their hints for checklist items."""
    rendered, hints = [], []
    for panel in sorted(_panels.values(), key=lambda p: (p.order, p.name)):
        context = panel.context(request=request, entity=entity)
        hints += context.get("check_hints", [])
        rendered.append(render_to_string(panel.template, context, request=request))
    return rendered, hints


def hint_for(text: str, hints: list[tuple[str, str]]) -> str:
    return next((hint for keyword, hint in hints if keyword in text), "")
