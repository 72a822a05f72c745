"""The parts of a business's (or a zone's) page that other apps contribute.

The register's pages know the business itself; who holds it, its quarterly supervision or its
own self-checks belong to apps above the register. Each such app registers a section from its
``AppConfig.ready()``::

    entity_section_register(
        page="entity", name="quarter_status", template="inspections/_entity_quarter_status.html",
        context=lambda *, request, obj: {"quarter_status": ...}, column="main", order=10,
    )

and the page renders the sections of its ``page`` in ``order``, each template with the page's
base context (the object, ``can_write`` …) plus what its ``context`` returns. A section's
context sees only the object the page has already fetched through its ``access_*`` helper, so
it reads nothing the user may not see as long as it scopes its own queries by ``request.user``.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

PAGES = ("entity", "zone")
COLUMNS = ("side", "main")


@dataclass(frozen=True)
class Section:
    page: str
    name: str
    template: str
    context: Callable[..., dict]
    column: str
    order: int


_sections: dict[str, dict[str, Section]] = {page: {} for page in PAGES}


def entity_section_register(
    *,
    page: str,
    name: str,
    template: str,
    context: Callable[..., dict],
    column: str = "main",
    order: int = 50,
) -> None:
    """Add a section to the business (``page="entity"``) or zone (``"zone"``) page."""
    if page not in PAGES or column not in COLUMNS:
        raise ImproperlyConfigured(f"Unknown page {page!r} or column {column!r} for {name!r}.")
    known = _sections[page].get(name)
    section = Section(page, name, template, context, column, order)
    if known is not None and known != section:
        raise ImproperlyConfigured(f"The {page} page already has a section named {name!r}.")
    _sections[page][name] = section


def page_sections(*, page: str, request, obj, base: dict) -> dict[str, list[SafeString]]:
    """The page's sections rendered, by column (``side``, ``main``), in their order."""
    rendered: dict[str, list[SafeString]] = {column: [] for column in COLUMNS}
    for section in sorted(_sections[page].values(), key=lambda s: (s.order, s.name)):
        context = {**base, **section.context(request=request, obj=obj)}
        rendered[section.column].append(
            render_to_string(section.template, context, request=request)
        )
    return rendered
