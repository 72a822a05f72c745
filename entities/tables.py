"""The business and zone tables. They only render rows their selectors fetched; a column never
queries the database per row."""

import django_tables2 as tables
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from entities.models import Entity, Zone


class EntityTable(tables.Table):
    name = tables.LinkColumn(
        "entities:detail", args=[tables.A("pk")], verbose_name=_("Name"), order_by=("name", "id")
    )
    uscc = tables.Column(verbose_name=_("Credit code"), orderable=False)
    grade = tables.TemplateColumn(
        '<span class="badge grade-{{ value }}">{{ value }}</span>',
        verbose_name=_("Grade"),
        order_by=("grade", "name", "id"),
    )
    business_type = tables.Column(
        verbose_name=_("Business type"), order_by=("business_type", "name", "id")
    )
    status = tables.Column(verbose_name=_("Status"), order_by=("status", "name", "id"))
    division = tables.Column(accessor="division__name", verbose_name=_("Area"), orderable=False)
    zone = tables.Column(accessor="zone__name", verbose_name=_("Zone"), orderable=False)
    holder = tables.Column(empty_values=(), verbose_name=_("Cadre"), orderable=False)

    class Meta:
        model = Entity
        fields = ()
        sequence = (
            "name",
            "uscc",
            "grade",
            "business_type",
            "status",
            "division",
            "zone",
            "holder",
        )
        empty_text = _("No businesses match.")

    def render_holder(self, record):
        holding = record.current_holdings[0] if record.current_holdings else None
        return render_to_string("entities/_holder_cell.html", {"holding": holding})


class ZoneTable(tables.Table):
    name = tables.LinkColumn(
        "entities:zone-detail", args=[tables.A("pk")], verbose_name=_("Name"), orderable=False
    )
    kind = tables.Column(verbose_name=_("Kind"), orderable=False)
    division = tables.Column(accessor="division__name", verbose_name=_("Area"), orderable=False)
    business_count = tables.Column(
        verbose_name=_("Businesses"),
        orderable=False,
        attrs={"td": {"class": "num"}, "th": {"class": "num"}},
    )
    holder = tables.Column(empty_values=(), verbose_name=_("Cadre"), orderable=False)

    class Meta:
        model = Zone
        fields = ()
        sequence = ("name", "kind", "division", "business_count", "holder")
        empty_text = _("No zones yet.")

    def render_holder(self, record):
        holding = record.current_holdings[0] if record.current_holdings else None
        return render_to_string("entities/_holder_cell.html", {"holding": holding})
