"""The two office ledgers as tables. They render only what their selectors joined; no column
queries the database per row."""

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from baobao.tables import BodyRow, ChoiceLabels, Table, id_url
from entities.tables import GradeColumn, grade_badge
from inspections.models import Issue, Visit

NUM = {"td": {"class": "num"}, "th": {"class": "num"}}
FINDINGS_EXCERPT = 40


def _link(url: str, text) -> str:
    return format_html('<a href="{}">{}</a>', url, text)


def _visited_at(record) -> str:
    return f"{localtime(record.visited_at):%Y-%m-%d %H:%M}"


def _raised_on(record) -> str:
    return f"{localtime(record.created_at):%Y-%m-%d}"


def _actor(label: str, name: str) -> str:
    return f"{label} · {name}" if name else label


def _overdue_class(record) -> str:
    return "overdue" if record.overdue else ""


class VisitTable(Table):
    """督导工作台账."""

    visited_at = tables.LinkColumn(
        "inspections:visit-detail",
        args=[tables.A("pk")],
        verbose_name=_("Visited at"),
        text=_visited_at,
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
        template_name = "tables/lean.html"

    def render_logged_by(self, record):
        user = record.logged_by
        return user.get_full_name() or user.username

    def render_findings(self, value):
        return Truncator(value).chars(FINDINGS_EXCERPT)

    def body(self) -> list[BodyRow]:
        """The page's rows in one pass, each cell what its column renders
        (tests/inspections/test_tables.py holds them equal)."""
        empty = self.default
        yes, no = self.columns["on_site"].column.yesno
        visit_url, entity_url = id_url("inspections:visit-detail"), id_url("entities:detail")
        rows = []
        for visit in self.data:
            entity = visit.entity
            cells = (
                _link(visit_url(visit.pk), _visited_at(visit)),
                _link(entity_url(visit.entity_id), entity.name),
                entity.division.name,
                grade_badge(entity.grade),
                visit.cadre.name,
                self.render_logged_by(visit),
                format_html(
                    '<span class="{}">{}</span>',
                    str(visit.on_site).lower(),
                    yes if visit.on_site else no,
                ),
                empty if visit.problems is None else visit.problems,
                self.render_findings(visit.findings) if visit.findings else empty,
            )
            rows.append(BodyRow(cells))
        return rows


class IssueTable(Table):
    """问题与处理台账; an overdue row is marked so the page can highlight it."""

    created_at = tables.LinkColumn(
        "inspections:issue-detail",
        args=[tables.A("pk")],
        verbose_name=_("Raised at"),
        text=_raised_on,
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
        row_attrs = {"class": _overdue_class}
        empty_text = _("No issues match.")
        template_name = "tables/lean.html"

    def render_days_overdue(self, value, record):
        if not record.overdue:
            return "—"
        return format_html('<strong class="bad">{}</strong>', value)

    def render_actor(self, record):
        return _actor(record.get_actor_kind_display(), record.actor_name)

    def body(self) -> list[BodyRow]:
        """The page's rows in one pass, each cell what its column renders and each overdue row
        marked (tests/inspections/test_tables.py holds them equal)."""
        category, severity = ChoiceLabels(Issue, "category"), ChoiceLabels(Issue, "severity")
        status, actor = ChoiceLabels(Issue, "status"), ChoiceLabels(Issue, "actor_kind")
        issue_url, entity_url = id_url("inspections:issue-detail"), id_url("entities:detail")
        rows = []
        for issue in self.data:
            cells = (
                _link(issue_url(issue.pk), _raised_on(issue)),
                _link(entity_url(issue.entity_id), issue.entity.name),
                category[issue.category],
                severity[issue.severity],
                status[issue.status],
                issue.deadline.isoformat(),
                self.render_days_overdue(issue.days_overdue, issue),
                _actor(actor[issue.actor_kind], issue.actor_name),
            )
            rows.append(BodyRow(cells, _overdue_class(issue)))
        return rows
