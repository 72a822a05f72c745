"""The filters of the cadre register. Each one is served by an index (see Cadre.Meta.indexes,
migration 0004 and tests/cadres/test_selectors.py)."""

import django_filters
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from baobao.filters import ScopedFilterSet
from baobao.models import Level
from cadres.models import Assignment, Cadre, CadreStatus


class CadreFilter(ScopedFilterSet):
    q = django_filters.CharFilter(method="search", label=_("Name or phone"))
    level = django_filters.ChoiceFilter(
        field_name="division__level", choices=Level.choices, label=_("Level")
    )
    status = django_filters.ChoiceFilter(choices=CadreStatus.choices, label=_("Status"))
    commitment = django_filters.ChoiceFilter(
        method="filter_commitment",
        choices=[("yes", _("Signed")), ("no", _("Not signed"))],
        label=_("Commitment letter"),
    )
    load = django_filters.ChoiceFilter(
        method="filter_load",
        choices=[("idle", _("Holds no business")), ("holding", _("Holds businesses"))],
        label=_("Load"),
    )

    class Meta:
        model = Cadre
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the levels inside the user's scope: a county office has no city cadres.
        if self.user.is_office and self.user.division_id:
            top = self.user.division.level
            self.filters["level"].extra["choices"] = [
                (value, label) for value, label in Level.choices if value >= top
            ]

    def search(self, queryset, name, value):
        """Digits search the phone by prefix; anything else is part of the name."""
        value = value.strip()
        if not value:
            return queryset
        if value.isdigit():
            return queryset.filter(phone__startswith=value)
        return queryset.filter(name__contains=value)

    def filter_commitment(self, queryset, name, value):
        return queryset.filter(commitment_signed_on__isnull=value != "yes")

    def filter_load(self, queryset, name, value):
        holds = Exists(Assignment.objects.filter(cadre=OuterRef("pk"), end_date__isnull=True))
        return queryset.filter(holds if value == "holding" else ~holds)
