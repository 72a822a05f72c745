"""django-tables2's tables with the work per cell done once per column.

django-tables2 renders each cell through ``BoundRow``: it inspects the render method's signature,
and builds the column's attributes (the table's, the column's, the classes) and their HTML, for
every cell. A page of fifty visits is 450 cells, and that per-cell work was most of a ledger page's
time at province scale (the rows come from the database in ~10 ms). :class:`Table` keeps
django-tables2's semantics (the same values, renderers, links, defaults) and only remembers what
does not change from one row to the next: each render method's arguments, whether a column
shows a choice's label, and a column's cell attributes when none of them is computed from the
record. ``tables/default.html`` renders the
rows with :meth:`FastRow.fast_cells`; ``tests/baobao/test_tables.py`` holds the cells equal to
django-tables2's own.

A table on a page that must be faster still builds its rows itself in one pass (its ``body()``,
a list of :class:`BodyRow`), without django-tables2 between a record and its cells, and renders
them with ``tables/lean.html`` (:meth:`Table.lean_rows`); a test holds its cells equal to what
its columns render.
"""

from typing import NamedTuple

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.templatetags.l10n import localize, unlocalize
from django.urls import reverse
from django.utils import formats
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django_tables2 import tables
from django_tables2.columns.linkcolumn import BaseLinkColumn
from django_tables2.columns.manytomanycolumn import ManyToManyColumn
from django_tables2.rows import BoundRow, BoundRows
from django_tables2.utils import A, AttributeDict, signature


class FastRow(BoundRow):
    def _get_and_render_with(self, bound_column, render_func, default):
        # As BoundRow._get_and_render_with, with "does this column show a choice's label"
        # (a walk of the model's fields) answered once a column and kind of record.
        value = None
        accessor = A(bound_column.accessor)
        column = bound_column.column
        penultimate, remainder = accessor.penultimate(self._record)
        if isinstance(penultimate, models.Model) and self._table.shows_label(
            bound_column, self._record, accessor, penultimate, remainder
        ):
            value = getattr(penultimate, f"get_{remainder}_display")()
            remainder = None
        if remainder:
            try:
                value = accessor.resolve(self._record)
            except Exception:
                # a column that is not a field (django-tables2's issue #257)
                if isinstance(column, BaseLinkColumn) and column.text is not None:
                    return render_func(bound_column)
        if value in column.empty_values or (
            isinstance(column, ManyToManyColumn) and not value.exists()
        ):
            return default
        return render_func(bound_column, value)

    def _call_render(self, bound_column, value=None):
        # As BoundRow._call_render, with the render method's arguments looked up once a column:
        # all of them for a **kwargs method, else the ones it names (None when it names one that
        # is not offered, as django-tables2's call_with_appropriate does).
        available = {
            "value": value,
            "record": self._record,
            "column": bound_column.column,
            "bound_column": bound_column,
            "bound_row": self,
            "table": self._table,
        }
        wanted = self._table.render_arguments(bound_column)
        if wanted is None:
            content = bound_column.render(**available)
        elif all(name in available for name in wanted):
            content = bound_column.render(**{name: available[name] for name in wanted})
        else:
            content = None
        return bound_column.link(content, **available) if bound_column.link else content

    def fast_cells(self):
        """(the ``<td>``'s attributes as HTML, the cell's content) for each column, in order."""
        table = self._table
        for column in table.columns:
            cell = self.get_cell(column.name)
            column.current_value = cell
            column.current_record = self._record
            localized = column.localize
            if localized is not None:
                cell = localize(cell) if localized else unlocalize(cell)
            yield table.td_html(column), cell


class FastRows(BoundRows):
    def __iter__(self):
        yield from self.generator_pinned_row(self.pinned_data.get("top"))
        for record in self.data:
            yield FastRow(record, table=self.table)
        yield from self.generator_pinned_row(self.pinned_data.get("bottom"))

    def __getitem__(self, key):
        if isinstance(key, slice):
            return FastRows(data=self.data[key], table=self.table, pinned_data=self.pinned_data)
        return FastRow(record=self.data[key], table=self.table)


class BodyRow(NamedTuple):
    """A row a table built itself: its cells' HTML in the columns' order, and the ``<tr>``'s
    class ("" for none)."""

    cells: tuple
    css_class: str = ""


class ChoiceLabels(dict):
    """A choice field's labels by stored value, translated once, for a ``body()``: what the
    model's ``get_FOO_display()`` gives (the value itself when it is no choice), without that
    method rebuilding the field's choices, each label a lazy translation, per call (~30 µs, and
    a row has several)."""

    def __init__(self, model, field_name: str):
        field = model._meta.get_field(field_name)
        super().__init__((value, str(label)) for value, label in field.flatchoices)

    def __missing__(self, value):
        return value


# Stands for a row's id in a link built once a page (an id is a number: it never occurs in one).
ID_MARKER = "2147483647"


def _with_id(built: str):
    head, tail = built.split(ID_MARKER)
    return lambda pk: f"{head}{pk}{tail}"


def id_url(viewname: str):
    """``reverse(viewname, args=[id])`` for the rows of a page, for a ``body()``: reversed once,
    each id put in its place (a reverse costs ~30 µs, and a row links two or three pages)."""
    return _with_id(reverse(viewname, args=[ID_MARKER]))


def id_query(query, key: str):
    """``query`` (a QueryDict) with ``key`` set to an id, urlencoded, for the rows of a page:
    encoded once, each id put in its place."""
    query = query.copy()
    query[key] = ID_MARKER
    return _with_id(query.urlencode())


def _computed(attrs) -> bool:
    """Whether any attribute (at any depth) is computed from the cell (a callable)."""
    return any(callable(v) or (isinstance(v, dict) and _computed(v)) for v in attrs.values())


class Table(tables.Table):
    """The project's base table: django-tables2's, rendered by :class:`FastRow`."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = FastRows(data=self.data, table=self, pinned_data=self.pinned_data)
        self._arguments: dict[str, tuple | None] = {}
        self._td: dict[str, str | None] = {}
        self._labels: dict[tuple, bool] = {}

    def shows_label(self, bound_column, record, accessor, penultimate, remainder) -> bool:
        """Whether the cell is the label of the field's choice (``get_FOO_display()``)."""
        key = (bound_column.name, type(record), type(penultimate))
        if key not in self._labels:
            try:
                field = accessor.get_field(record)
            except FieldDoesNotExist:
                field = None
            display = getattr(penultimate, f"get_{remainder}_display", None)
            self._labels[key] = bool(getattr(field, "choices", ()) and display)
        return self._labels[key]

    def render_arguments(self, bound_column) -> tuple | None:
        """The names a column's render method takes (None: it takes ``**kwargs``, so all)."""
        name = bound_column.name
        if name not in self._arguments:
            args, kwargs_name = signature(bound_column.render)
            self._arguments[name] = None if kwargs_name else tuple(args)
        return self._arguments[name]

    def td_html(self, bound_column) -> str:
        """The cell attributes of a column as HTML: once for the table unless computed per cell."""
        name = bound_column.name
        if name not in self._td:  # None: computed per cell
            computed = _computed(self.attrs) or _computed(bound_column.column.attrs)
            self._td[name] = None if computed else AttributeDict(bound_column.attrs["td"]).as_html()
        html = self._td[name]
        return AttributeDict(bound_column.attrs["td"]).as_html() if html is None else html

    def lean_rows(self) -> list[tuple[str, str]]:
        """``body()`` for tables/lean.html: each row as (its ``<tr>``'s attributes, its cells as
        ``<td>`` HTML). A cell reads as ``{{ cell }}`` would show it (localised, escaped unless
        safe), its ``<td>`` with its column's attributes worked out once (a table that builds its
        rows computes none per cell): a template loop over the cells cost a tenth of a page.
        ``body()`` gives a cell for every column of the table's sequence; the columns a page
        excludes (the zone page's zone) are left out here."""
        tds = []
        for column in self.columns:
            html = AttributeDict(column.attrs["td"]).as_html()
            tds.append(f" {html}" if html else "")
        # body() builds a cell for every column of the sequence; a page may exclude some.
        names = list(self.sequence)
        shown = [names.index(column.name) for column in self.columns]
        rows = []
        for row in self.body():
            if len(row.cells) != len(names):
                raise ValueError(f"{type(self).__name__}.body(): a cell for each of {names}")
            cells = "".join(
                f"<td{td}>{conditional_escape(formats.localize(row.cells[i]))}</td>"
                for td, i in zip(tds, shown, strict=True)
            )
            tr = format_html(' class="{}"', row.css_class) if row.css_class else ""
            rows.append((tr, mark_safe(cells)))  # each cell escaped above
        return rows
