"""The business and zone tables. They only render rows their selectors fetched; a column never
queries the database per row."""

import copy
from collections import OrderedDict

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from baobao.tables import BodyRow, Table
from entities.models import Entity, Zone


def grade_badge(grade: str) -> str:
    return format_html('<span class="badge grade-{0}">{0}</span>', grade)


class GradeColumn(tables.Column):
    """A business's risk grade as its coloured badge (A/B/C/D). The stored letter, not the value
    django-tables2 passes: for a model's choice field that is the label ("A级" in Chinese), which
    gave the badge a class the stylesheet does not have."""

    def render(self, record, bound_column):
        return grade_badge(bound_column.accessor.resolve(record))


def holder_cell(holding) -> str:
    """The holder column of a business row (an ``Assignment``) or a zone row (a
    ``ZoneAssignment``: never through a zone, never escalated), read by attribute only. Built in
    Python, not with a template per row: a page renders fifty, and rendering a template each cost
    ~15% of it."""
    if holding is None:
        return format_html('<span class="bad">{}</span>', gettext("No cadre"))
    cadre = holding.cadre
    parts = [
        format_html(
            '<a href="{}">{}</a> <span class="muted">{}</span>',
            reverse("cadres:detail", args=[cadre.pk]),
            cadre.name,
            cadre.get_level_display(),
        )
    ]
    if getattr(holding, "via_zone_id", None):
        parts.append(format_html('<span class="badge">{}</span>', gettext("through zone")))
    if getattr(holding, "escalated", False):
        parts.append(format_html('<span class="badge escalated">{}</span>', gettext("escalated")))
    if cadre.has_left:
        parts.append(format_html('<span class="bad">{}</span>', gettext("has left")))
    return format_html_join(" ", "{}", ((part,) for part in parts))


class EntityTable(Table):
    name = tables.LinkColumn(
        "entities:detail", args=[tables.A("pk")], verbose_name=_("Name"), order_by=("name", "id")
    )
    uscc = tables.Column(verbose_name=_("Credit code"), orderable=False)
    grade = GradeColumn(verbose_name=_("Grade"), order_by=("grade", "name", "id"))
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
        template_name = "tables/lean.html"

    def render_holder(self, record):
        return holder_cell(record.current_holdings[0] if record.current_holdings else None)

    def body(self) -> list[BodyRow]:
        """The page's rows as cells of HTML in the columns' order, built in one pass for
        tables/lean.html: django-tables2's work per cell (an accessor walk, a signature check per
        render call) was the largest part of the list page's time. The cells are what the
        columns render (tests/entities/test_tables.py holds the two equal)."""
        empty = self.default
        rows = []
        for entity in self.data:
            cells = (
                format_html(
                    '<a href="{}">{}</a>', reverse("entities:detail", args=[entity.pk]), entity.name
                ),
                entity.uscc or empty,
                grade_badge(entity.grade),
                entity.get_business_type_display(),
                entity.get_status_display(),
                entity.division.name,
                entity.zone.name if entity.zone_id else empty,
                self.render_holder(entity),
            )
            rows.append(BodyRow(cells))
        return rows


class RequestColumns(OrderedDict):
    """A table's ``base_columns`` whose per-table copy (``Table.__init__`` deep-copies them) is a
    shallow copy of each column: django-tables2 only reassigns a column's attributes (visible,
    accessor, the current cell), so each table still has its own, for a fraction of the time."""

    def __deepcopy__(self, memo):
        return OrderedDict((name, copy.copy(column)) for name, column in self.items())


EntityTable.base_columns = RequestColumns(EntityTable.base_columns)


class ZoneTable(Table):
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
        return holder_cell(record.current_holdings[0] if record.current_holdings else None)
