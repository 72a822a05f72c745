"""The filters of the two office ledgers (visits, issues). Every choice is checked against the
user's scope: a cadre outside it is refused, a division outside it is ignored."""

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from baobao.filters import DivisionFilter, ScopedFilterSet
from baobao.widgets import QuickSelect
from cadres.models import Cadre
from entities.models import Grade
from inspections.models import Issue, IssueStatus, Visit
from inspections.quarters import Quarter
from inspections.selectors import overdue_condition

YES_NO = [("yes", _("Yes")), ("no", _("No"))]


class QuarterField(forms.CharField):
    """A quarter written like 2026Q3."""

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            return Quarter.parse(value)
        except ValueError:
            raise ValidationError(
                _("Enter a quarter such as 2026Q3."), code="bad_quarter"
            ) from None


class QuarterFilter(django_filters.Filter):
    field_class = QuarterField

    def filter(self, qs, value):
        if value is None:
            return qs
        return qs.filter(**{self.field_name: value.code})


class _LedgerFilter(ScopedFilterSet):
    division = DivisionFilter(field_name="entity__division_path", label=_("Area"))
    grade = django_filters.ChoiceFilter(
        field_name="entity__grade",
        choices=Grade.choices,
        label=_("Grade"),
        empty_label=_("All"),
        widget=QuickSelect,
    )

    def __init__(self, data=None, queryset=None, *, request, **kwargs):
        super().__init__(data, queryset, request=request, **kwargs)
        self.filters["cadre"].queryset = Cadre.objects.for_user(self.user)


class VisitFilter(_LedgerFilter):
    cadre = django_filters.ModelChoiceFilter(queryset=Cadre.objects.none(), label=_("Cadre"))
    quarter = QuarterFilter(field_name="quarter", label=_("Quarter"))

    class Meta:
        model = Visit
        fields = []

    def __init__(self, data=None, queryset=None, *, request, **kwargs):
        if queryset is None:
            queryset = Visit.objects.for_user(request.user)
        super().__init__(data, queryset, request=request, **kwargs)


class IssueFilter(_LedgerFilter):
    """Issues by the quarter of the visit that raised them, and the cadre who made that visit."""

    quarter = QuarterFilter(field_name="visit__quarter", label=_("Quarter"))
    cadre = django_filters.ModelChoiceFilter(
        field_name="visit__cadre", queryset=Cadre.objects.none(), label=_("Cadre")
    )
    status = django_filters.ChoiceFilter(
        choices=IssueStatus.choices, label=_("Status"), empty_label=_("All"), widget=QuickSelect
    )
    overdue = django_filters.ChoiceFilter(
        choices=YES_NO,
        method="filter_overdue",
        label=_("Overdue"),
        empty_label=_("All"),
        widget=QuickSelect,
    )

    class Meta:
        model = Issue
        fields = []

    def __init__(self, data=None, queryset=None, *, request, **kwargs):
        if queryset is None:
            queryset = Issue.objects.for_user(request.user)
        super().__init__(data, queryset, request=request, **kwargs)
        # The request's one reading of the clock: the ledger labels rows overdue by the same day.
        self.today = request.today

    def filter_overdue(self, queryset, name, value):
        overdue = overdue_condition(self.today)
        return queryset.filter(overdue) if value == "yes" else queryset.exclude(overdue)
