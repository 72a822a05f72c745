"""The peers a user would otherwise pick, run as probes in a child process of their own (see
``probes.py``): bare xlsxwriter in constant-memory mode writing a ledger's rows, and
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
    """Bare xlsxwriter, ``constant_memory`` on, writing ``rows`` rows with ``write_row``, cycling
    through real rows of the ledger fetched beforehand (not timed): the library as documented,
    with no formats, titles or escaping."""
    import xlsxwriter

    sample = ledger_sample(ledger=ledger, username=username, division=division)
    started = time.perf_counter()
    with tempfile.TemporaryFile() as handle:
        wb = xlsxwriter.Workbook(handle, {"constant_memory": True})
        ws = wb.add_worksheet()
        for n in range(rows):
            ws.write_row(n, 0, sample[n % len(sample)])
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
