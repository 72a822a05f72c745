"""The peers a user would otherwise pick, run as probes in a child process of their own (see
``probes.py``): xlsxwriter in constant-memory mode writing a ledger's rows with our formats, and
django-import-export (bulk mode) importing the same 40,000-row business sheet as ours."""

import datetime
import io
import tempfile
import time


def ledger_sample(*, ledger: str, username: str, division: int | None) -> list[list]:
    """Up to 1,000 real rows of a ledger, as the ledger's selector gives them (fetched before
    any timing), with times made naive: what a bare writer accepts."""
    from django.utils import timezone

    from baobao.models import Division, User
    from ledgers.exports import LEDGERS

    user = User.objects.get(username=username)
    area = Division.objects.get(pk=division) if division else None
    sample = []
    rows = LEDGERS[ledger].rows(user=user, division=area, period=None, today=datetime.date.today())
    for row in rows:
        sample.append(
            [
                timezone.localtime(v).replace(tzinfo=None)
                if isinstance(v, datetime.datetime) and timezone.is_aware(v)
                else v
                for v in row
            ]
        )
        if len(sample) >= 1000:
            break
    return sample or [["x"] * len(LEDGERS[ledger].columns())]


def ceiling_xlsxwriter(*, ledger: str, username: str, division: int | None, rows: int) -> dict:
    """xlsxwriter in ``constant_memory`` mode writing the file ours writes, as its documentation
    shows: the same options (texts never taken for formulas, URLs or numbers), title and period
    rows merged, the formatted header, widths, frozen panes, autofilter and print settings; each
    column's number format given once with ``set_column`` and ``write_row`` for the rows; a text
    that would start a formula quote-prefixed by a write handler (xlsxwriter escapes the rest).
    It writes ``rows`` rows cycling through real rows of the ledger fetched beforehand (not
    timed): its rate is the library's ceiling, our export's includes reading the database."""
    import xlsxwriter
    from django.utils import timezone
    from django.utils.translation import gettext as _

    from ledgers.exports import LEDGERS
    from ledgers.xlsx import _HEADER, _TITLE, HEADER_ROW, NUMBER_FORMATS, print_width
    from ledgers.xlsx import FORMULA_PREFIXES as prefixes

    sample = ledger_sample(ledger=ledger, username=username, division=division)
    columns = LEDGERS[ledger].columns()
    started = time.perf_counter()
    with tempfile.TemporaryFile() as handle:
        wb = xlsxwriter.Workbook(
            handle,
            {
                "constant_memory": True,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
                "default_date_format": NUMBER_FORMATS["date"],
                "use_zip64": True,
            },
        )
        ws = wb.add_worksheet()
        quoted = wb.add_format({"quote_prefix": True})

        def formula_like(sheet, row, col, value, cell_format=None):
            if value.startswith(prefixes):
                return sheet.write_string(row, col, value, quoted)
            return None  # xlsxwriter writes it as usual

        ws.add_write_handler(str, formula_like)
        kinds = {kind: wb.add_format({"num_format": code}) for kind, code in NUMBER_FORMATS.items()}
        for index, column in enumerate(columns):
            ws.set_column(index, index, print_width(column), kinds.get(column.kind))
        now = timezone.localtime().strftime("%Y-%m-%d %H:%M")
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        ws.center_horizontally()
        ws.repeat_rows(0, HEADER_ROW - 1)
        ws.set_header(f"&L{ledger}&R{now}")
        ws.set_footer("&C第 &P 页 共 &N 页")
        ws.freeze_panes(HEADER_ROW, 0)
        last = len(columns) - 1
        ws.set_row(0, 28)
        ws.merge_range(0, 0, 0, last, str(LEDGERS[ledger].name), wb.add_format(_TITLE))
        ws.merge_range(1, 0, 1, last, _("All dates") + "    " + now, None)
        header = wb.add_format(_HEADER)
        ws.write_row(2, 0, [str(column.header) for column in columns], header)
        for n in range(rows):
            ws.write_row(HEADER_ROW + n, 0, sample[n % len(sample)])
        ws.autofilter(HEADER_ROW - 1, 0, HEADER_ROW - 1 + rows, last)
        wb.close()
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows": rows, "rate": rows / seconds, "columns": len(sample[0])}


def import_export_entities(*, username: str, rows: int) -> dict:
    """The same business sheet as ``probes.import_entities`` through django-import-export in bulk
    mode (``use_bulk``, ``force_init_instance``: new rows only, no lookup per row, no diff),
    areas looked up once by code, rolled back. It checks no more than the model's fields do
    (no credit-code check, no duplicates, no scope) and writes no history rows."""
    import tablib
    from django.conf import settings
    from django.db import transaction
    from django.utils import translation
    from import_export import fields, resources, widgets

    from baobao.models import Division, User
    from entities.models import BusinessType, Entity
    from ledgers.imports import FIELDS
    from tests.benchmarks.probes import _entity_sheet

    user = User.objects.get(username=username)
    content = _entity_sheet(county=user.division, rows=rows)
    with translation.override(settings.LANGUAGE_CODE):
        headers = {f.name: str(f.header) for f in FIELDS["entities"]}
        types = {str(label): value for value, label in BusinessType.choices}

    class Areas(widgets.ForeignKeyWidget):
        """Areas by code, read once (the widget's default is a query per row)."""

        def __init__(self):
            super().__init__(Division, "code")
            self.by_code = {d.code: d for d in Division.objects.all()}

        def clean(self, value, row=None, **kwargs):
            return self.by_code[str(value)]

    class Types(widgets.Widget):
        def clean(self, value, row=None, **kwargs):
            return types.get(value, value)

    class EntityResource(resources.ModelResource):
        name = fields.Field("name", headers["name"])
        uscc = fields.Field("uscc", headers["uscc"])
        business_type = fields.Field("business_type", headers["business_type"], widget=Types())
        grade = fields.Field("grade", headers["grade"])
        division = fields.Field("division", headers["division"], widget=Areas())
        address = fields.Field("address", headers["address"])
        contact_phone = fields.Field("contact_phone", headers["contact_phone"])

        class Meta:
            model = Entity
            fields = ("name", "uscc", "business_type", "grade", "division", "address")
            fields += ("contact_phone",)
            import_id_fields = ("uscc",)
            use_bulk = True
            batch_size = 1000
            force_init_instance = True
            skip_diff = True
            skip_html_diff = True

        def before_save_instance(self, instance, row, **kwargs):
            instance.division_path = instance.division.path

    with transaction.atomic():
        started = time.perf_counter()
        dataset = tablib.Dataset().load(io.BytesIO(content), format="xlsx")
        read = time.perf_counter()
        result = EntityResource().import_data(dataset, dry_run=False, raise_errors=True)
        seconds = time.perf_counter() - started
        created = Entity.objects.filter(uscc__startswith="93").count()
        transaction.set_rollback(True)
    if result.has_errors() or result.has_validation_errors() or created < rows:
        raise RuntimeError(f"django-import-export created {created} of {rows}")
    return {
        "seconds": seconds,
        "read_seconds": read - started,
        "rows": rows,
        "rate": rows / seconds,
        "bytes": len(content),
    }
