"""baobao.tables.Table renders the cells django-tables2 renders: the same content and the same
cell attributes, only worked out once a column where django-tables2 works them out once a cell."""

import datetime

import django_tables2 as tables
import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils.safestring import mark_safe

from baobao.tables import BodyRow, Table
from cadres.selectors.registers import cadre_list
from cadres.tables import CadreTable
from inspections.selectors import issue_ledger, visit_ledger
from inspections.tables import IssueTable, VisitTable
from tests.factories import AssignmentFactory, IssueFactory, VisitFactory, admin_user


def _stock(table) -> list[list[tuple[str, str]]]:
    """django-tables2's own cells: BoundRow.items() and the column's td attributes per cell."""
    rows = []
    for row in table.rows:
        rows.append([(column.attrs["td"].as_html(), str(cell)) for column, cell in row.items()])
    return rows


def _fast(table) -> list[list[tuple[str, str]]]:
    return [[(td, str(cell)) for td, cell in row.fast_cells()] for row in table.rows]


class Sample(Table):
    plain = tables.Column()
    kwargs = tables.Column(empty_values=())
    named = tables.Column()
    missing = tables.Column(empty_values=())
    linked = tables.Column(linkify=lambda record: f"/x/{record['plain']}/")
    shaded = tables.Column(attrs={"td": {"class": lambda record: f"r{record['plain']}"}})
    number = tables.Column(attrs={"td": {"class": "num"}}, localize=True)
    empty = tables.Column(default="—")

    def render_kwargs(self, **kwargs):
        return f"{kwargs['record']['plain']}:{kwargs['bound_row'].record['plain']}"

    def render_named(self, value, record, table):
        return f"{value}/{record['plain']}/{table.__class__.__name__}"

    def render_missing(self, value, something_else):  # an argument no cell offers: None
        return "never"


def test_cells_equal_django_tables2s_on_every_kind_of_column():
    data = [
        {"plain": i, "named": f"n{i}", "linked": "go", "shaded": "s", "number": 1234.5 * i}
        for i in range(1, 4)
    ]
    table = Sample(data, attrs={"td": {"data-x": "1"}})
    fast = _fast(table)
    assert fast == _stock(Sample(data, attrs={"td": {"data-x": "1"}}))
    # The sample exercises what it claims: computed attributes differ by row, links are links.
    assert fast[0][5][0] != fast[1][5][0]
    assert 'href="/x/1/"' in fast[0][4][1]
    assert fast[0][3][1] == "None" and fast[0][7][1] == "—"


@pytest.mark.django_db
def test_the_ledgers_cells_equal_django_tables2s():
    holding = AssignmentFactory()
    VisitFactory(entity=holding.entity, cadre=holding.cadre)
    IssueFactory(entity=holding.entity)
    user = admin_user()
    request = RequestFactory().get("/")
    request.user = user
    cases = [
        (VisitTable, visit_ledger(user=user)),
        (IssueTable, issue_ledger(user=user, today=datetime.date(2026, 12, 2))),
        (CadreTable, cadre_list(request=request)[1]),
    ]
    for table_class, rows in cases:
        kwargs = {"user": user} if "user" in table_class.__init__.__code__.co_varnames else {}
        fast = _fast(table_class(list(rows), **kwargs))
        assert fast and fast == _stock(table_class(list(rows), **kwargs)), table_class


def test_the_template_renders_the_fast_cells():
    data = [{"plain": 7, "named": "n", "linked": "go", "shaded": "s", "number": 1}]
    table = Sample(data)
    table.context = {"request": RequestFactory().get("/")}
    html = render_to_string(
        "tables/default.html", {"table": table, "request": table.context["request"]}
    )
    assert (
        'class="r7"' in html and 'href="/x/7/"' in html and "7:7" in html and "n/7/Sample" in html
    )


class LeanSample(Table):
    name = tables.Column(order_by=("name",))
    count = tables.Column(attrs={"td": {"class": "num"}}, orderable=False)

    class Meta:
        template_name = "tables/lean.html"
        empty_text = "Nothing here."

    def body(self):
        return [
            BodyRow((record["name"], record["count"]), "overdue" if record["count"] > 1 else "")
            for record in self.data
        ]


def _lean_html(data) -> str:
    request = RequestFactory().get("/", {"page": "2"})
    table = LeanSample(data)
    table.request = request
    return render_to_string("tables/lean.html", {"table": table, "request": request})


def test_the_lean_template_renders_the_rows_a_table_builds():
    html = _lean_html([{"name": "<b>&", "count": 2}, {"name": mark_safe("<i>x</i>"), "count": 1}])
    # each row with its class, each cell in its column's <td>, escaped unless safe
    assert '<tr class="overdue"><td>&lt;b&gt;&amp;</td><td class="num">2</td></tr>' in html
    assert '<tr><td><i>x</i></td><td class="num">1</td></tr>' in html
    # and the sortable header as django-tables2's own template makes it
    assert '<th class="orderable"><a href="?page=2&amp;sort=name">Name</a></th>' in html
    assert "<th >Count</th>" in html
    assert "Nothing here." not in html
    assert 'colspan="2">Nothing here.</td>' in _lean_html([])
