"""The filters of the business and zone lists. Every choice a user can send is checked against
their scope: zones and cadres outside it are refused, divisions outside it are ignored."""

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass

import django_filters
from django import forms
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import Func, Q, TextField
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from baobao.filters import DivisionFilter, ScopedFilterSet
from baobao.widgets import QuickSelect
from entities.models import BusinessType, Entity, EntityStatus, Grade, Zone

YES_NO = [("yes", _("Yes")), ("no", _("No"))]


@dataclass(frozen=True)
class ExtraFilter:
    name: str
    make: Callable[..., django_filters.Filter]
    order: int


_extra_filters: dict[str, ExtraFilter] = {}


def entity_filter_register(
    *, name: str, make: Callable[..., django_filters.Filter], order: int = 50
) -> None:
    """Add a filter to the business list from an app above the register (who holds it, its
    self-checks …), from that app's ``AppConfig.ready()``. ``make(user)`` returns a new
    ``django_filters.Filter`` whose ``method`` is a callable ``(queryset, name, value)``; its
    choices must be scoped to ``user`` like the register's own. Filters show after the
    register's own, in ``order``."""
    known = _extra_filters.get(name)
    if known is not None and known.make is not make:
        raise ImproperlyConfigured(f"The business list already has a filter named {name!r}.")
    _extra_filters[name] = ExtraFilter(name, make, order)


# A search that looks like a credit code or a licence number (letters and digits only, at least
# ten of them) is matched exactly against both, through their unique indexes.
_CODE_SHAPE = re.compile(r"^[0-9A-Z]{10,40}$")


class NameBigrams(Func):
    """``name_bigrams(text)``: the distinct character pairs of a text (PostgreSQL, migration
    0006 of entities, which indexes it over ``UPPER(name)``)."""

    function = "name_bigrams"
    output_field = ArrayField(TextField())


def _filter_copy(base: django_filters.Filter) -> django_filters.Filter:
    """A filter of one request: the declared one copied shallowly, with its own ``extra`` (where
    django-filter stores the request's queryset) and no field built yet. Choices, labels and
    widgets are shared as read-only: a field copies its widget when it is made."""
    fresh = copy.copy(base)
    fresh.extra = dict(base.extra)
    fresh.__dict__.pop("_field", None)
    if base.method is not None:
        fresh.method = base.method  # a FilterMethod bound to the copy, not to the declared filter
    return fresh


class RequestFilters(dict):
    """A FilterSet's ``base_filters`` whose per-instance copy (``FilterSet.__init__`` deep-copies
    them) is ``_filter_copy`` of each: the same independence for a fraction of the time (a deep
    copy walks every widget, choice and lazy label on each page of the list)."""

    def __deepcopy__(self, memo):
        return {name: _filter_copy(base) for name, base in self.items()}


class AreaFilter(DivisionFilter):
    """The area's businesses through ``Entity.objects.in_area`` (a city's or a county's in name
    order on an index of their own)."""

    def filter(self, qs, value):
        division = self.parent.chosen_division(value)
        return qs if division is None else qs.in_area(division)


class EntityFilter(ScopedFilterSet):
    division = AreaFilter(label=_("Area"))
    q = django_filters.CharFilter(
        method="filter_q",
        label=_("Name or code"),
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    grade = django_filters.ChoiceFilter(
        choices=Grade.choices, label=_("Grade"), empty_label=_("All"), widget=QuickSelect
    )
    business_type = django_filters.ChoiceFilter(
        choices=BusinessType.choices,
        label=_("Business type"),
        empty_label=_("All"),
        widget=QuickSelect,
    )
    status = django_filters.ChoiceFilter(
        choices=EntityStatus.choices,
        label=_("Status"),
        empty_label=_("All"),
        widget=QuickSelect,
    )
    zone = django_filters.ModelChoiceFilter(
        queryset=Zone.objects.none(),
        label=_("Zone"),
        empty_label=_("All"),
        widget=QuickSelect,
    )

    class Meta:
        model = Entity
        fields = []

    def __init__(self, data=None, queryset=None, *, request, **kwargs):
        if queryset is None:
            queryset = Entity.objects.for_user(request.user)
        super().__init__(data, queryset, request=request, **kwargs)
        self.filters["zone"].queryset = Zone.objects.for_user(self.user).order_by("name")
        for extra in sorted(_extra_filters.values(), key=lambda e: e.order):
            self.filters[extra.name] = extra.make(self.user)
            self.filters[extra.name].parent = self

    @property
    def form(self):
        """The filter form, its zone options read as (id, name) pairs in one plain query: the
        field's own choices make a model per zone through a server-side cursor (three round
        trips) on every page of the list. The options, their order and the selection are the
        same; the field still checks the choice against its scoped queryset.

        The form holds this request's fields (each filter here is the request's own copy), so
        no form class is made per request (django-filter's ``get_form_class``) and its fields
        are not deep-copied again by the form."""
        if not hasattr(self, "_form"):
            data = self.data if self.is_bound else None
            form = self._meta.form(data, prefix=self.form_prefix)
            form.fields = {name: filter_.field for name, filter_ in self.filters.items()}
            self._form = form
            zone = form.fields["zone"]
            empty = [] if zone.empty_label is None else [("", zone.empty_label)]
            zone.widget.choices = [*empty, *zone.queryset.values_list("pk", "name")]
        return self._form

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        code = re.sub(r"\s+", "", value).upper()
        if _CODE_SHAPE.match(code):
            return queryset.filter(Q(uscc=code) | Q(licence_no=code))
        queryset = queryset.filter(name__icontains=value)
        if len(value) == 2 and connection.vendor == "postgresql":
            # Two characters (酒楼, 超市) are too short for the trigram index: the pair index
            # of migration 0006 finds the candidates, the LIKE above keeps the exact matches.
            pair = NameBigrams(Upper("name"))
            queryset = queryset.alias(name_pairs=pair).filter(name_pairs__contains=[value.upper()])
        return queryset


EntityFilter.base_filters = RequestFilters(EntityFilter.base_filters)


class ZoneFilter(ScopedFilterSet):
    """Zones are few (tens per county): the area is the only filter their list needs."""

    class Meta:
        model = Zone
        fields = []

    def __init__(self, data=None, queryset=None, *, request, **kwargs):
        if queryset is None:
            queryset = Zone.objects.for_user(request.user)
        super().__init__(data, queryset, request=request, **kwargs)
