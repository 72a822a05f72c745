"""The filters of the business and zone lists. Every choice a user can send is checked against
their scope: zones and cadres outside it are refused, divisions outside it are ignored."""

import re

import django_filters
from django import forms
from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import Exists, Func, OuterRef, Q, TextField
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from baobao.filters import DivisionFilter, ScopedFilterSet
from baobao.widgets import QuickSelect
from cadres.models import Assignment, Cadre, CadreStatus
from entities.models import BusinessType, Entity, EntityStatus, Grade, Zone

YES_NO = [("yes", _("Yes")), ("no", _("No"))]

# A search that looks like a credit code or a licence number (letters and digits only, at least
# ten of them) is matched exactly against both, through their unique indexes.
_CODE_SHAPE = re.compile(r"^[0-9A-Z]{10,40}$")


class NameBigrams(Func):
    """``name_bigrams(text)``: the distinct character pairs of a text (PostgreSQL, migration
    0006 of entities, which indexes it over ``UPPER(name)``)."""

    function = "name_bigrams"
    output_field = ArrayField(TextField())


def _current_holding(**conditions):
    return Exists(
        Assignment.objects.filter(entity=OuterRef("pk"), end_date__isnull=True, **conditions)
    )


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
    covered = django_filters.ChoiceFilter(
        choices=YES_NO,
        method="filter_covered",
        label=_("Has a cadre"),
        empty_label=_("All"),
        widget=QuickSelect,
    )
    escalated = django_filters.ChoiceFilter(
        choices=YES_NO,
        method="filter_escalated",
        label=_("Escalated"),
        empty_label=_("All"),
        widget=QuickSelect,
    )
    # Reached from a cadre's page ("their businesses"): a hidden id, checked against the scope.
    held_by = django_filters.ModelChoiceFilter(
        queryset=Cadre.objects.none(),
        method="filter_held_by",
        label=_("Held by"),
        widget=forms.HiddenInput,
    )

    class Meta:
        model = Entity
        fields = []

    def __init__(self, data=None, queryset=None, *, request, **kwargs):
        if queryset is None:
            queryset = Entity.objects.for_user(request.user)
        super().__init__(data, queryset, request=request, **kwargs)
        self.filters["zone"].queryset = Zone.objects.for_user(self.user).order_by("name")
        self.filters["held_by"].queryset = Cadre.objects.for_user(self.user).select_related(
            "division"
        )

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

    def filter_covered(self, queryset, name, value):
        if value == "yes":
            return queryset.filter(_current_holding(cadre__status=CadreStatus.ACTIVE))
        # Without a cadre in post: nobody holds it, or its holder has left. Spelled as two
        # conditions, each served by an index: the first a probe of the current-holding index
        # (index only), the second one hashed list of the few businesses of cadres who left. As
        # one NOT EXISTS over holding and cadre, each business walked cost two probes and a
        # cadre row (the province's first page walked 30k businesses in 400 ms; now 7k, 70 ms).
        left = Assignment.objects.filter(end_date__isnull=True, cadre__status=CadreStatus.LEFT)
        return queryset.filter(~_current_holding() | Q(pk__in=left.values("entity_id")))

    def filter_escalated(self, queryset, name, value):
        # A hashed list of the few escalated businesses (a partial index of the holdings):
        # checking each business walked costs a hash lookup, not an index probe.
        escalated = Q(
            pk__in=Assignment.objects.filter(end_date__isnull=True, escalated=True).values(
                "entity_id"
            )
        )
        return queryset.filter(escalated if value == "yes" else ~escalated)

    def filter_held_by(self, queryset, name, value):
        return queryset.filter(_current_holding(cadre=value))


class ZoneFilter(ScopedFilterSet):
    """Zones are few (tens per county): the area is the only filter their list needs."""

    class Meta:
        model = Zone
        fields = []

    def __init__(self, data=None, queryset=None, *, request, **kwargs):
        if queryset is None:
            queryset = Zone.objects.for_user(request.user)
        super().__init__(data, queryset, request=request, **kwargs)


def entity_filter_register(name: str, filter_: django_filters.Filter) -> None:
    """Add a filter an app above the register contributes to the business list (called from
    that app's ``AppConfig.ready()``); the list's form shows it with the others."""
    EntityFilter.base_filters[name] = filter_
