"""Pieces shared by the register pages: paging, the level-by-level area picker of a form, and
the create-or-edit view of a register row."""

import copy
from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views import View

from baobao.forms import add_service_error
from baobao.keyset import keyset_paginate
from baobao.mixins import RegisterWriterRequiredMixin
from baobao.models import Division
from baobao.selectors import access_division, division_children, division_trail

PER_PAGE = 50


def paginate(request, table) -> None:
    """Sort and page ``table`` from the query string by seeking (no OFFSET, no COUNT); the
    table's pager is ``table.pager``."""
    table.pager = keyset_paginate(request, table, per_page=PER_PAGE)


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


class RegisterFormView(RegisterWriterRequiredMixin, View):
    """Create (no ``pk``) or edit one register row through its create / update service, with
    the area picked level by level inside the form."""

    template_name: str
    form_class: type
    context_name: str
    # May an existing row move to another area from this form?
    area_editable = True

    def access(self, user, pk):
        """The row being edited, fetched inside the user's scope (404 otherwise)."""
        raise NotImplementedError

    def save(self, form) -> tuple[str, str]:
        """Call the create or update service: (what to tell the user, where to go next)."""
        raise NotImplementedError

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.object = None

    def fetch(self):
        """Fetch the row after the role check (``dispatch``), so a clerk's 403 comes first."""
        if "pk" in self.kwargs:
            self.object = self.access(self.request.user, self.kwargs["pk"])

    def form(self, *args, **kwargs):
        # A copy: a form that fails validation must not change the row the page shows.
        instance = copy.copy(self.object) if self.object else None
        return self.form_class(*args, instance=instance, user=self.request.user, **kwargs)

    def asked_area(self):
        """The area a link asked for (``?division=``), if it is inside the user's scope."""
        return access_division(self.request.user, self.request.GET.get("division"))

    def get(self, request, *args, **kwargs):
        self.fetch()
        selected = self.object.division if self.object else self.asked_area()
        return self.render(self.form(), selected)

    def post(self, request, *args, **kwargs):
        self.fetch()
        if AreaPicker.navigating(request):
            return self.render(self.form(initial=request.POST.dict()))
        form = self.form(request.POST)
        if form.is_valid():
            try:
                done, next_url = self.save(form)
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, done)
                return redirect(next_url)
        return self.render(form)

    def render(self, form, selected=None):
        picker = None
        if self.object is None or self.area_editable:
            default = (
                self.object.division
                if self.object
                else self.asked_area() or self.request.user.division
            )
            picker = AreaPicker.build(self.request, default=default, selected=selected)
        context = {"form": form, self.context_name: self.object, "picker": picker}
        return render(self.request, self.template_name, context)
