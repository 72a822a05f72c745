"""The two office ledgers as tables. They render only what their selectors joined; no column
queries the database per row."""

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from baobao.tables import Table
from entities.tables import GradeColumn
from inspections.models import Issue, Visit

NUM = {"td": {"class": "num"}, "th": {"class": "num"}}
FINDINGS_EXCERPT = 40


class VisitTable(Table):
    """督导工作台账."""

    visited_at = tables.LinkColumn(
        "inspections:visit-detail",
        args=[tables.A("pk")],
        verbose_name=_("Visited at"),
        text=lambda record: f"{record.visited_at:%Y-%m-%d %H:%M}",
        order_by=("visited_at", "id"),
    )
    entity = tables.LinkColumn(
        "entities:detail",
        args=[tables.A("entity_id")],
        accessor="entity__name",
        verbose_name=_("Business"),
        orderable=False,
    )
    area = tables.Column(accessor="entity__division__name", verbose_name=_("Area"), orderable=False)
    grade = GradeColumn(accessor="entity__grade", verbose_name=_("Grade"), orderable=False)
    cadre = tables.Column(accessor="cadre__name", verbose_name=_("Cadre"), orderable=False)
    logged_by = tables.Column(empty_values=(), verbose_name=_("Logged by"), orderable=False)
    on_site = tables.BooleanColumn(verbose_name=_("On site"), orderable=False)
    problems = tables.Column(verbose_name=_("Problems"), orderable=False, attrs=NUM)
    findings = tables.Column(verbose_name=_("Findings"), orderable=False)

    class Meta:
        model = Visit
        fields = ()
        sequence = (
            "visited_at",
            "entity",
            "area",
            "grade",
            "cadre",
            "logged_by",
            "on_site",
            "problems",
            "findings",
        )
        empty_text = _("No visits match.")

    def render_logged_by(self, record):
        user = record.logged_by
        return user.get_full_name() or user.username

    def render_findings(self, value):
        return Truncator(value).chars(FINDINGS_EXCERPT)


class IssueTable(Table):
    """问题与处理台账; an overdue row is marked so the page can highlight it."""

    created_at = tables.LinkColumn(
        "inspections:issue-detail",
        args=[tables.A("pk")],
        verbose_name=_("Raised at"),
        text=lambda record: f"{record.created_at:%Y-%m-%d}",
        order_by=("created_at", "id"),
    )
    entity = tables.LinkColumn(
        "entities:detail",
        args=[tables.A("entity_id")],
        accessor="entity__name",
        verbose_name=_("Business"),
        orderable=False,
    )
    category = tables.Column(verbose_name=_("Category"), orderable=False)
    severity = tables.Column(verbose_name=_("Severity"), orderable=False)
    status = tables.Column(verbose_name=_("Status"), orderable=False)
    deadline = tables.DateColumn(
        format="Y-m-d", verbose_name=_("Deadline"), order_by=("deadline", "id")
    )
    days_overdue = tables.Column(verbose_name=_("Days overdue"), orderable=False, attrs=NUM)
    actor = tables.Column(empty_values=(), verbose_name=_("Who must act"), orderable=False)

    class Meta:
        model = Issue
        fields = ()
        sequence = (
            "created_at",
            "entity",
            "category",
            "severity",
            "status",
            "deadline",
            "days_overdue",
            "actor",
        )
        row_attrs = {"class": lambda record: "overdue" if record.overdue else ""}
        empty_text = _("No issues match.")

    def render_days_overdue(self, value, record):
        if not record.overdue:
            return "—"
        return format_html('<strong class="bad">{}</strong>', value)

    def render_actor(self, record):
        label = record.get_actor_kind_display()
        return f"{label} · {record.actor_name}" if record.actor_name else label
