"""Tables of the overview pages: coverage gaps with the action that fixes each, the overloaded and
idle cadres, and the adjustment ledger. None of them is sortable: each keeps the one indexed order
its selector gives."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.timezone import localtime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from baobao.models import Level
from baobao.tables import BodyRow, ChoiceLabels, Table, id_query, id_url
from cadres.models import Adjustment
from cadres.selectors.handoffs import HANDOFF_LABELS, office_level
from entities.tables import GradeColumn


def _holds(scope_path: str | None, path: str) -> bool:
    """Whether a scope holds the division with this path.

    A county office also sees businesses held by city cadres, whose pages belong to the city.
    """
    return scope_path is not None and path.startswith(scope_path)


def _cadre_link(name, cadre_id, path, scope_path):
    """The cadre's name, linked to their page when the user's scope holds them."""
    if _holds(scope_path, path):
        return format_html('<a href="{}">{}</a>', reverse("cadres:detail", args=[cadre_id]), name)
    return name


def _scope_path(user) -> str | None:
    """The path prefix of what the user's scope holds ("" for everything, None for nothing)."""
    if user.is_system_admin:
        return ""
    if user.is_office and user.division_id:
        return user.division.path
    return None


class OverviewTable(Table):
    def __init__(self, *args, user, **kwargs):
        self.user = user
        self.scope_path = _scope_path(user)
        self.office_level = office_level(user)
        super().__init__(*args, **kwargs)

    def passed_up(self, entity) -> str:
        """The hand-off label when the business needs a holder the user's office cannot assign
        (待市级安排包保); empty otherwise."""
        required = entity.required_level
        if self.office_level is not None and required < self.office_level:
            return HANDOFF_LABELS.get(required, "")
        return ""

    class Meta:
        orderable = False
        template_name = "tables/rows.html"


ACTION_ATTRS = {"td": {"class": "nowrap"}}
NOWRAP = {"td": {"class": "nowrap"}}
NUMBER = {"td": {"class": "num"}, "th": {"class": "num"}}


class UnheldTable(OverviewTable):
    class Meta(OverviewTable.Meta):
        empty_text = _("None: every open business has a holder.")

    name = tables.Column(verbose_name=_("Business"), linkify=("entities:detail", [tables.A("pk")]))
    grade = GradeColumn(verbose_name=_("Grade"))
    business_type = tables.Column(verbose_name=_("Business type"))
    division = tables.Column(accessor="division__name", verbose_name=_("Area"))
    status = tables.Column(verbose_name=_("Status"))
    created_at = tables.DateColumn(verbose_name=_("Registered on"), format="Y-m-d", attrs=NOWRAP)
    action = tables.TemplateColumn(
        template_name="overview/cells/assign.html",
        verbose_name=_("Fix"),
        empty_values=(),
        attrs=ACTION_ATTRS,
    )

    def render_action(self, record, column, bound_column, bound_row):
        waiting = self.passed_up(record)
        if waiting:
            return format_html('<span class="badge warn">{}</span>', waiting)
        return column.render(
            record=record, table=self, value=None, bound_column=bound_column, bound_row=bound_row
        )


class LeftCadreTable(OverviewTable):
    """Rows are dicts from ``coverage_left_cadres``."""

    class Meta(OverviewTable.Meta):
        empty_text = _("None: no cadre who left still holds a business.")

    cadre = tables.Column(accessor="cadre__name", verbose_name=_("Cadre"))
    level = tables.Column(accessor="cadre__division__level", verbose_name=_("Level"))
    division = tables.Column(accessor="cadre__division__name", verbose_name=_("Area"))
    left_on = tables.DateColumn(
        accessor="cadre__left_on", verbose_name=_("Left on"), format="Y-m-d", attrs=NOWRAP
    )
    holdings = tables.Column(verbose_name=_("Businesses still held"), attrs=NUMBER)
    action = tables.Column(
        accessor="cadre_id", verbose_name=_("Fix"), empty_values=(), attrs=ACTION_ATTRS
    )

    def render_cadre(self, value, record):
        return _cadre_link(
            value, record["cadre_id"], record["cadre__division__path"], self.scope_path
        )

    def render_level(self, value):
        return Level(value).label

    def render_action(self, value, record):
        if not self.user.can_write_registers:
            return "—"
        if not _holds(self.scope_path, record["cadre__division__path"]):
            return _("Held for a higher office: ask it to re-assign")
        return format_html(
            '<a class="button primary" href="{}?{}">{}</a>',
            reverse("holdings:bulk-transfer"),
            urlencode({"cadre": value}),
            _("Re-assign their businesses"),
        )


class BelowLevelTable(OverviewTable):
    class Meta(OverviewTable.Meta):
        empty_text = _("None: every holder is of the level the grade requires.")

    entity = tables.Column(
        accessor="entity__name",
        verbose_name=_("Business"),
        linkify=("entities:detail", [tables.A("entity_id")]),
    )
    grade = GradeColumn(accessor="entity__grade", verbose_name=_("Grade"))
    division = tables.Column(accessor="entity__division__name", verbose_name=_("Area"))
    cadre = tables.Column(accessor="cadre__name", verbose_name=_("Held by"))
    level = tables.Column(accessor="cadre__division__level", verbose_name=_("Holder's level"))
    required = tables.Column(
        accessor="entity__grade", verbose_name=_("Level required"), empty_values=()
    )
    start_date = tables.DateColumn(verbose_name=_("Held since"), format="Y-m-d", attrs=NOWRAP)
    action = tables.Column(accessor="pk", verbose_name=_("Fix"), attrs=ACTION_ATTRS)

    def render_cadre(self, value, record):
        return _cadre_link(value, record.cadre_id, record.cadre.division.path, self.scope_path)

    def render_required(self, record):
        return format_html("{} {}", record.entity.required_level.label, _("or above"))

    def render_action(self, value, record):
        if not self.user.can_write_registers:
            return "—"
        waiting = self.passed_up(record.entity)
        if waiting:
            return format_html('<span class="badge warn">{}</span>', waiting)
        if record.via_zone_id:
            url, label = (
                reverse("holdings:zone-transfer", args=[record.via_zone_id]),
                _("Hand the zone to another cadre"),
            )
        else:
            url, label = reverse("holdings:transfer", args=[value]), _("Transfer")
        return format_html('<a class="button primary" href="{}">{}</a>', url, label)


class BalanceCadreTable(OverviewTable):
    class Meta(OverviewTable.Meta):
        empty_text = _("None.")

    name = tables.Column(verbose_name=_("Cadre"), linkify=("cadres:detail", [tables.A("pk")]))
    level = tables.Column(accessor="division__level", verbose_name=_("Level"))
    division = tables.Column(accessor="division__name", verbose_name=_("Area"))
    unit = tables.Column(verbose_name=_("Unit"))
    post = tables.Column(verbose_name=_("Post"))


class OverloadedTable(BalanceCadreTable):
    load = tables.Column(verbose_name=_("Holdings"), attrs=NUMBER)

    class Meta(BalanceCadreTable.Meta):
        pass


class AdjustmentTable(OverviewTable):
    effective_date = tables.DateColumn(verbose_name=_("Date"), format="Y-m-d", attrs=NOWRAP)
    kind = tables.Column(verbose_name=_("Kind"), attrs=NOWRAP)
    entity = tables.TemplateColumn(
        template_name="overview/cells/adjustment_entity.html", verbose_name=_("Business")
    )
    cadres = tables.TemplateColumn(
        template_name="overview/cells/adjustment_cadres.html",
        verbose_name=_("From → to"),
        empty_values=(),
    )
    zone = tables.Column(accessor="zone__name", verbose_name=_("Zone"))
    grades = tables.TemplateColumn(
        "{% if record.new_grade %}{{ record.old_grade|default:'—' }} → {{ record.new_grade }}{% endif %}",
        verbose_name=_("Grade"),
        empty_values=(),
    )
    reason = tables.Column(verbose_name=_("Reason"))
    recorded = tables.TemplateColumn(
        template_name="overview/cells/adjustment_recorded.html",
        verbose_name=_("Recorded"),
        empty_values=(),
        attrs=NOWRAP,
    )

    class Meta(OverviewTable.Meta):
        empty_text = _("No adjustment matches.")
        template_name = "tables/lean.html"

    def body(self) -> list[BodyRow]:
        """The page's rows in one pass, for tables/lean.html: the template columns rendered a
        template (with every context processor) per cell, most of the ledger's time. Each cell
        is what its column renders (tests/cadres/test_tables_overview.py holds them equal)."""
        empty = self.default
        system = gettext("System")
        title = gettext("Show only this cadre")
        kinds, entity_url = ChoiceLabels(Adjustment, "kind"), id_url("entities:detail")
        # The ledger narrowed to a cadre: this page's query, less its page, with the cadre's id.
        query = self.request.GET.copy()
        query.pop("page", None)
        narrowed = id_query(query, "cadre")
        links = {}  # a cadre's link, once a page: a cadre has many rows

        def cadre_link(cadre) -> str:
            # overview/cells/cadre_filter_link.html
            if cadre.pk not in links:
                links[cadre.pk] = format_html(
                    '<a href="?{}" title="{}">{}</a> <span class="muted">{}</span>',
                    narrowed(cadre.pk),
                    title,
                    cadre.name,
                    cadre.get_level_display(),
                )
            return links[cadre.pk]

        rows = []
        for adjustment in self.data:
            entity, by = adjustment.entity, adjustment.created_by
            from_cadre, to_cadre = adjustment.from_cadre, adjustment.to_cadre
            if from_cadre is not None and adjustment.from_cadre_id == adjustment.to_cadre_id:
                cadres = cadre_link(from_cadre)
            else:
                cadres = format_html(
                    "{} → {}",
                    "—" if from_cadre is None else cadre_link(from_cadre),
                    "—" if to_cadre is None else cadre_link(to_cadre),
                )
            new_grade = adjustment.new_grade
            cells = (
                adjustment.effective_date.isoformat(),
                kinds[adjustment.kind],
                format_html(
                    '<a href="{}">{}</a> <span class="muted">{}</span>',
                    entity_url(adjustment.entity_id),
                    entity.name,
                    entity.division.name,
                ),
                cadres,
                empty if adjustment.zone is None else adjustment.zone.name,
                format_html("{} → {}", adjustment.old_grade or "—", new_grade) if new_grade else "",
                adjustment.reason or empty,
                format_html(
                    '{}<br><span class="muted">{}</span>',
                    system if by is None else (by.get_full_name() or by.username),
                    f"{localtime(adjustment.created_at):%Y-%m-%d %H:%M}",
                ),
            )
            rows.append(BodyRow(cells))
        return rows


class HandoffTable(OverviewTable):
    """Rows from ``handoff_queue`` / ``handoffs_passed_up``: annotated with ``waiting_since``,
    ``holding_id`` and ``holder_name``. ``today`` gives the days waited."""

    class Meta(OverviewTable.Meta):
        empty_text = _("None.")

    name = tables.Column(verbose_name=_("Business"), linkify=("entities:detail", [tables.A("pk")]))
    grade = GradeColumn(verbose_name=_("Grade"))
    division = tables.Column(accessor="division__name", verbose_name=_("Area"))
    holder_name = tables.Column(verbose_name=_("Held by"), default="—")
    waiting_since = tables.DateColumn(verbose_name=_("Waiting since"), format="Y-m-d", attrs=NOWRAP)
    days = tables.Column(
        accessor="waiting_since", verbose_name=_("Days waiting"), attrs=NUMBER, orderable=False
    )
    action = tables.Column(accessor="pk", verbose_name=_("Fix"), attrs=ACTION_ATTRS)

    def __init__(self, *args, today, **kwargs):
        self.today = today
        super().__init__(*args, **kwargs)

    def render_days(self, value):
        return (self.today - value).days

    def render_action(self, value, record):
        waiting = self.passed_up(record)
        if waiting:
            return format_html('<span class="badge warn">{}</span>', waiting)
        if not self.user.can_write_registers:
            return "—"
        if record.holding_id is None:
            url, label = (
                f"{reverse('holdings:assign')}?{urlencode({'entity': value})}",
                _("Assign a cadre"),
            )
        else:
            url, label = reverse("holdings:transfer", args=[record.holding_id]), _("Transfer")
        return format_html('<a class="button primary" href="{}">{}</a>', url, label)
