"""Filter pieces shared by the office's lists: the level-by-level division chooser."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from baobao.models import Division


class DivisionFilter(django_filters.Filter):
    """Narrow to a division's subtree. The id must be inside the user's scope (else ignored).

    ``field_name`` leads to a division path: "division__path" through the row's division, or
    "entity__division_path", a business's own copy (no join). The business list has its own
    (``entities.filters.AreaFilter``).
    """

    field_class = forms.IntegerField

    def filter(self, qs, value):
        division = self.parent.chosen_division(value)
        if division is None:
            return qs
        return qs.filter(**{f"{self.field_name}__startswith": division.path})


class ScopedFilterSet(django_filters.FilterSet):
    """A FilterSet that knows the user, for choices and the division chooser."""

    division = DivisionFilter(field_name="division__path", label=_("Area"))

    def __init__(self, data=None, queryset=None, *, request, **kwargs):
        self.user = request.user
        super().__init__(data, queryset, request=request, **kwargs)

    def chosen_division(self, value) -> Division | None:
        if not value:
            return None
        if not hasattr(self, "_chosen_division"):
            self._chosen_division = Division.objects.for_user(self.user).filter(pk=value).first()
        return self._chosen_division
