"""Tables of the cadre register and of a cadre's holdings (django-tables2)."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from baobao.privacy import mask_phone
from baobao.tables import Table
from cadres.models import AideKind, Assignment, Cadre
from entities.tables import GradeColumn

NUM = {"td": {"class": "num"}, "th": {"class": "num"}}
NOWRAP = {"td": {"class": "nowrap"}}


class CadreTable(Table):
    """The 包保干部台账 on screen: expects ``held`` annotated and ``active_aides`` prefetched."""

    name = tables.Column(
        linkify=("cadres:detail", [tables.A("pk")]), verbose_name=_("Name"), attrs=NOWRAP
    )
    level = tables.Column(
        accessor="division__level",
        verbose_name=_("Level"),
        order_by=("division__level",),
        attrs=NOWRAP,
    )
    division = tables.Column(
        accessor="division__name",
        verbose_name=_("Area"),
        order_by=("division__code",),
        attrs=NOWRAP,
    )
    unit = tables.Column(verbose_name=_("Unit"))
    post = tables.Column(verbose_name=_("Post"))
    phone = tables.Column(verbose_name=_("Phone"), orderable=False, attrs=NOWRAP)
    status = tables.Column(verbose_name=_("Status"), attrs=NOWRAP)
    held = tables.Column(verbose_name=_("Businesses held"), attrs=NUM)
    aides = tables.Column(
        accessor="pk", verbose_name=_("Assistants / liaison"), orderable=False, empty_values=()
    )
    commitment_signed_on = tables.Column(
        verbose_name=_("Commitment letter"), empty_values=(), attrs=NOWRAP
    )

    class Meta:
        model = Cadre
        fields = ()
        sequence = (
            "name",
            "level",
            "division",
            "unit",
            "post",
            "phone",
            "status",
            "held",
            "aides",
            "commitment_signed_on",
        )
        empty_text = _("No cadre matches these filters.")

    def render_phone(self, value):
        return mask_phone(value)

    def render_status(self, record):
        css = "badge" if record.status == "active" else "badge bad"
        return format_html('<span class="{}">{}</span>', css, record.get_status_display())

    def render_aides(self, record):
        if not record.active_aides:
            return "—"
        return format_html_join(
            ", ",
            '{} <span class="muted">{}</span>',
            (
                (a.name, _("assistant") if a.kind == AideKind.ASSISTANT else _("liaison"))
                for a in record.active_aides
            ),
        )

    def render_commitment_signed_on(self, value):
        if value is None:
            return format_html('<span class="warn">{}</span>', _("Not signed"))
        return value.isoformat()


class HoldingTable(Table):
    """A cadre's current holdings, each with the actions that change it."""

    entity = tables.Column(
        linkify=("entities:detail", [tables.A("entity_id")]),
        verbose_name=_("Business"),
        order_by=("entity__name",),
    )
    grade = GradeColumn(
        accessor="entity__grade", verbose_name=_("Grade"), order_by=("entity__grade",)
    )
    division = tables.Column(
        accessor="entity__division__name", verbose_name=_("Area"), order_by=("entity__division",)
    )
    start_date = tables.Column(verbose_name=_("Since"))
    escalated = tables.Column(verbose_name=_("Escalated"))
    via_zone = tables.Column(
        accessor="via_zone__zone__name", verbose_name=_("Through zone"), orderable=False
    )
    actions = tables.Column(
        accessor="pk", verbose_name=_("Actions"), orderable=False, empty_values=()
    )

    class Meta:
        model = Assignment
        fields = ()
        sequence = ("entity", "grade", "division", "start_date", "escalated", "via_zone", "actions")
        empty_text = _("This cadre holds no business.")

    def __init__(self, *args, can_write=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.can_write = can_write
        if not can_write:
            self.columns.hide("actions")

    def render_start_date(self, value):
        return value.isoformat()

    def render_escalated(self, record):
        if not record.escalated:
            return "—"
        return format_html(
            '<span class="badge grade-B" title="{}">{}</span>',
            record.escalation_reason,
            _("escalated"),
        )

    def render_actions(self, record):
        if record.via_zone_id:
            url = reverse("holdings:zone-transfer", args=[record.via_zone_id])
            return format_html('<a href="{}">{}</a>', url, _("Move the zone"))
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse("holdings:transfer", args=[record.pk]),
            _("Transfer"),
            reverse("holdings:end", args=[record.pk]),
            _("End"),
        )
