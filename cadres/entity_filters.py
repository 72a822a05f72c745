"""The business list's filters about holdings ("has a cadre", "escalated", "held by"), added to
the register's list (``entities.filters``) from this app's ``AppConfig.ready()``."""

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from baobao.widgets import QuickSelect
from cadres.models import Assignment, Cadre, CadreStatus
from entities.filters import YES_NO, entity_filter_register


def _current_holding(**conditions):
    return Exists(
        Assignment.objects.filter(entity=OuterRef("pk"), end_date__isnull=True, **conditions)
    )


def filter_covered(queryset, name, value):
    if value == "yes":
        return queryset.filter(_current_holding(cadre__status=CadreStatus.ACTIVE))
    # Without a cadre in post: nobody holds it, or its holder has left. Spelled as two
    # conditions, each served by an index: the first a probe of the current-holding index
    # (index only), the second one hashed list of the few businesses of cadres who left. As
    # one NOT EXISTS over holding and cadre, each business walked cost two probes and a
    # cadre row (the province's first page walked 30k businesses in 400 ms; now 7k, 70 ms).
    left = Assignment.objects.filter(end_date__isnull=True, cadre__status=CadreStatus.LEFT)
    return queryset.filter(~_current_holding() | Q(pk__in=left.values("entity_id")))


def filter_escalated(queryset, name, value):
    # A hashed list of the few escalated businesses (a partial index of the holdings):
    # checking each business walked costs a hash lookup, not an index probe.
    escalated = Q(
        pk__in=Assignment.objects.filter(end_date__isnull=True, escalated=True).values("entity_id")
    )
    return queryset.filter(escalated if value == "yes" else ~escalated)


def filter_held_by(queryset, name, value):
    return queryset.filter(_current_holding(cadre=value))


def covered_filter(user):
    return django_filters.ChoiceFilter(
        choices=YES_NO,
        method=filter_covered,
        label=_("Has a cadre"),
        empty_label=_("All"),
        widget=QuickSelect,
    )


def escalated_filter(user):
    return django_filters.ChoiceFilter(
        choices=YES_NO,
        method=filter_escalated,
        label=_("Escalated"),
        empty_label=_("All"),
        widget=QuickSelect,
    )


def held_by_filter(user):
    # Reached from a cadre's page ("their businesses"): a hidden id, checked against the scope.
    return django_filters.ModelChoiceFilter(
        queryset=Cadre.objects.for_user(user).select_related("division"),
        method=filter_held_by,
        label=_("Held by"),
        widget=forms.HiddenInput,
    )


def entity_filters_register() -> None:
    entity_filter_register(name="covered", make=covered_filter, order=10)
    entity_filter_register(name="escalated", make=escalated_filter, order=20)
    entity_filter_register(name="held_by", make=held_by_filter, order=90)
