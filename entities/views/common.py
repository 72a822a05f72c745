"""Pieces shared by the register pages: paging and the level-by-level area picker of a form."""

from dataclasses import dataclass, field

from django_tables2 import RequestConfig
from django_tables2.paginators import LazyPaginator

from baobao.models import Division
from baobao.selectors import access_division, division_children, division_trail

PER_PAGE = 50


def paginate(request, table) -> None:
    """Sort and page ``table`` from the query string, without counting the rows (no COUNT(*))."""
    RequestConfig(
        request, paginate={"per_page": PER_PAGE, "paginator_class": LazyPaginator}
    ).configure(table)


@dataclass
class AreaOption:
    pk: int
    name: str
    selected: bool
    below: bool


@dataclass
class AreaPicker:
    """The area field of a register form, chosen one level at a time inside the form itself.

    Its buttons post ``_area``: a division id to go up to, or "down" to open the chosen one. The
    view then shows the form again with what was typed, instead of saving. Every id is looked up
    inside the user's scope; the form's field checks the final choice the same way.
    """

    current: Division | None
    trail: list[Division]
    options: list[AreaOption] = field(default_factory=list)
    has_lower: bool = False

    @staticmethod
    def navigating(request) -> bool:
        return "_area" in request.POST

    @classmethod
    def build(cls, request, *, default: Division | None, selected=None) -> "AreaPicker":
        """``default`` is where browsing starts; ``selected`` the division chosen so far."""
        user = request.user
        current = default
        if request.method == "POST":
            target = request.POST.get("_area")
            if target == "down" or target is None:
                target = request.POST.get("division")
            current = access_division(user, target) or default
            if target:
                selected = current
        selected_pk = getattr(selected, "pk", None)
        children = list(division_children(user=user, division=current))
        options = [AreaOption(d.pk, d.name, d.pk == selected_pk, True) for d in children]
        if current is not None:
            options.insert(
                0, AreaOption(current.pk, current.name, current.pk == selected_pk, False)
            )
        return cls(
            current=current,
            trail=division_trail(user=user, division=current),
            options=options,
            has_lower=bool(children),
        )
