import datetime
import io

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from baobao import clock
from baobao.models import Level
from cadres.models import Adjustment, AdjustmentKind, Assignment, Cadre, CadreAide
from entities.models import Entity, GradeChange
from ledgers.imports import (
    FIELDS,
    import_batch_apply,
    import_batch_create,
    import_job_run,
    import_template,
    sheet,
)
from ledgers.models import ImportBatch, ImportKind, ImportMode, ImportStatus
from tests.factories import (
    AssignmentFactory,
    CadreFactory,
    EntityFactory,
    county,
    office_user,
    valid_uscc,
    village,
    wanshan_village,
)

pytestmark = pytest.mark.django_db


def _headers(kind):
    with translation.override("zh-hans"):
        return [str(f.header) for f in FIELDS[kind]]


def _upload(kind, rows, name="sheet.xlsx"):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(_headers(kind))
    for row in rows:
        ws.append([row.get(f.name, "") for f in FIELDS[kind]])
    buffer = io.BytesIO()
    wb.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def _checked(*, user, kind, upload):
    """Upload a sheet and run its check as the worker would."""
    batch = import_batch_create(user=user, kind=kind, upload=upload)
    import_job_run(batch_id=batch.pk, now=clock.now())
    batch.refresh_from_db()
    return batch


def _entity_row(**kwargs):
    return {
        "name": "金滩饭店",
        "uscc": valid_uscc(900001),
        "business_type": "catering",
        "grade": "D",
        "division": village().code,
        "contact_phone": "0856-5221234",
        **kwargs,
    }


def _errors(batch):
    return {r["row"]: r["errors"] for r in batch.plan if r["errors"]}


def test_dry_run_plans_and_changes_nothing():
    user = office_user(county())
    batch = _checked(
        user=user, kind=ImportKind.ENTITIES, upload=_upload("entities", [_entity_row()])
    )
    assert batch.counts == {"create": 1, "change": 0, "unchanged": 0, "refused": 0}
    assert batch.status == ImportStatus.CHECKED
    assert not Entity.objects.exists()


@pytest.mark.parametrize(
    ("row", "column_index"),
    [
        ({"uscc": "91520602MA6DK1234Y"}, 1),  # bad check digit
        ({"uscc": "", "business_type": "catering"}, 1),  # required for the type
        ({"division": "999999"}, 5),  # unknown division
        ({"division": "520603001001"}, 5),  # another county: out of scope
        ({"contact_phone": "12345"}, 11),  # phone format
        ({"grade": "E"}, 4),
        ({"business_type": "火箭"}, 3),
        ({"name": ""}, 0),
    ],
)
def test_each_refusal_names_row_column_and_reason(row, column_index):
    wanshan_village()
    user = office_user(county())
    batch = _checked(
        user=user, kind=ImportKind.ENTITIES, upload=_upload("entities", [_entity_row(**row)])
    )
    errors = _errors(batch)
    assert list(errors) == [2]
    assert errors[2][0][0] == _headers("entities")[column_index]
    assert errors[2][0][1]


def test_duplicate_within_file_is_refused():
    user = office_user(county())
    batch = _checked(
        user=user,
        kind=ImportKind.ENTITIES,
        upload=_upload("entities", [_entity_row(), _entity_row(name="复制")]),
    )
    assert batch.counts["refused"] == 1
    assert "2" in _errors(batch)[3][0][1]


def test_all_or_nothing_refuses_when_a_row_is_bad_and_good_only_imports_the_rest():
    user = office_user(county())
    upload = _upload("entities", [_entity_row(), _entity_row(uscc="BAD", name="坏")])
    batch = _checked(user=user, kind=ImportKind.ENTITIES, upload=upload)
    with pytest.raises(ValidationError):
        import_batch_apply(batch=batch, mode=ImportMode.ALL_OR_NOTHING, by=user)
    assert not Entity.objects.exists()
    batch = import_batch_apply(batch=batch, mode=ImportMode.GOOD_ROWS, by=user)
    assert list(Entity.objects.values_list("name", flat=True)) == ["金滩饭店"]
    assert batch.result == {"created": 1, "changed": 0, "skipped": 1}
    # the first grading is recorded, and the history row
    assert GradeChange.objects.get().new_grade == "D"
    assert Entity.history.count() == 1


def test_reimporting_the_same_file_changes_nothing():
    user = office_user(county())
    rows = [_entity_row(), _entity_row(uscc="", licence_no="JY1", business_type="stall", name="摊")]
    first = _checked(user=user, kind="entities", upload=_upload("entities", rows))
    import_batch_apply(batch=first, mode=ImportMode.ALL_OR_NOTHING, by=user)
    again = _checked(user=user, kind="entities", upload=_upload("entities", rows))
    assert again.counts == {"create": 0, "change": 0, "unchanged": 2, "refused": 0}
    import_batch_apply(batch=again, mode=ImportMode.ALL_OR_NOTHING, by=user)
    assert Entity.objects.count() == 2 and GradeChange.objects.count() == 2


def test_changed_details_update_the_business_but_a_new_grade_is_refused():
    entity = EntityFactory(uscc=valid_uscc(900001), address="旧地址")
    user = office_user(county())
    batch = _checked(
        user=user,
        kind="entities",
        upload=_upload(
            "entities",
            [
                _entity_row(name=entity.name, address="新地址"),
                _entity_row(uscc=valid_uscc(900002), name="x"),
            ],
        ),
    )
    assert batch.counts["change"] == 1
    import_batch_apply(batch=batch, mode=ImportMode.GOOD_ROWS, by=user)
    entity.refresh_from_db()
    assert entity.address == "新地址"
    regrade = _checked(
        user=user,
        kind="entities",
        upload=_upload("entities", [_entity_row(name=entity.name, grade="C")]),
    )
    assert regrade.counts["refused"] == 1


def test_cadres_import_with_aides_and_level_rule():
    user = office_user(county())
    rows = [
        {
            "name": "张县长",
            "division": county().code,
            "phone": "13985600001",
            "assistant1_name": "李四",
            "assistant1_phone": "13985600002",
        },
        {"name": "无协保", "division": county().code, "phone": "13985600003"},
        {"name": "坏号", "division": village().code, "phone": "1234"},
    ]
    batch = _checked(user=user, kind="cadres", upload=_upload("cadres", rows))
    assert batch.counts == {"create": 1, "change": 0, "unchanged": 0, "refused": 2}
    import_batch_apply(batch=batch, mode=ImportMode.GOOD_ROWS, by=user)
    cadre = Cadre.objects.get(phone="13985600001")
    assert cadre.division.level == Level.COUNTY
    assert list(CadreAide.objects.values_list("name", flat=True)) == ["李四"]
    again = _checked(user=user, kind="cadres", upload=_upload("cadres", rows[:1]))
    assert again.counts["unchanged"] == 1


def test_holdings_import_assigns_transfers_and_writes_adjustments():
    user = office_user(county())
    unheld = EntityFactory()
    held = AssignmentFactory(start_date=datetime.date(2025, 1, 1))
    to = CadreFactory(level=Level.VILLAGE)
    city_cadre = CadreFactory(level=Level.COUNTY)
    rows = [
        {"entity": unheld.uscc, "cadre_phone": to.phone, "start_date": "2026-01-01"},
        {"entity": held.entity.uscc, "cadre_phone": to.phone, "reason": "岗位调整"},
        {"entity": "NOPE", "cadre_phone": to.phone},
        {"entity": unheld.uscc, "cadre_phone": to.phone},
        {"entity": EntityFactory().uscc, "cadre_phone": city_cadre.phone},  # escalation, no reason
    ]
    batch = _checked(user=user, kind="holdings", upload=_upload("holdings", rows))
    assert batch.counts == {"create": 1, "change": 1, "unchanged": 0, "refused": 3}
    import_batch_apply(batch=batch, mode=ImportMode.GOOD_ROWS, by=user)
    assert Assignment.objects.get(entity=unheld, end_date__isnull=True).cadre == to
    assert Assignment.objects.get(entity=held.entity, end_date__isnull=True).cadre == to
    kinds = dict(Adjustment.objects.values_list("entity_id", "kind"))
    assert kinds == {unheld.pk: AdjustmentKind.ASSIGN, held.entity_id: AdjustmentKind.TRANSFER}
    assert Adjustment.objects.get(entity=held.entity).reason == "岗位调整"
    # and again: nothing more
    again = _checked(user=user, kind="holdings", upload=_upload("holdings", rows[:2]))
    assert again.counts["unchanged"] == 2


def test_template_round_trip():
    user = office_user(county())
    village()
    wb = import_template("entities", user=user)
    ws = wb.worksheets[0]
    assert [c.value for c in ws[1]] == _headers("entities")
    assert wb.sheetnames[1:] == ["区划", "下拉选项", "说明"]
    ws.cell(row=2, column=6, value=village().code)
    ws.cell(row=2, column=2, value=valid_uscc(900005))
    buffer = io.BytesIO()
    wb.save(buffer)
    batch = _checked(
        user=user, kind="entities", upload=SimpleUploadedFile("t.xlsx", buffer.getvalue())
    )
    assert batch.counts["create"] == 1, batch.plan


def test_a_sheet_without_the_columns_fails_its_check_with_the_reason():
    wb = openpyxl.Workbook()
    wb.active.append(["foo", "bar"])
    buffer = io.BytesIO()
    wb.save(buffer)
    batch = _checked(
        user=office_user(county()),
        kind="entities",
        upload=SimpleUploadedFile("x.xlsx", buffer.getvalue()),
    )
    assert batch.status == ImportStatus.FAILED
    assert "表头" in batch.error
    assert batch.plan == [] and batch.lease_until is None


def test_a_file_that_is_not_a_workbook_is_refused_at_upload_and_nothing_is_kept():
    with pytest.raises(ValidationError) as refused:
        import_batch_create(
            user=office_user(county()),
            kind="entities",
            upload=SimpleUploadedFile("x.xlsx", b"%PDF-1.4 not a sheet"),
        )
    assert refused.value.code == "not_xlsx"
    assert not ImportBatch.objects.exists()


def test_importing_plans_the_stored_rows_without_reading_the_file_again(monkeypatch):
    user = office_user(county())
    batch = _checked(user=user, kind="entities", upload=_upload("entities", [_entity_row()]))
    assert batch.sheet_rows and batch.rows_read == batch.rows_checked == 1
    batch.file.delete(save=False)  # the file is gone: only the stored rows remain

    def no_reading(*args, **kwargs):
        raise AssertionError("the file was read again")

    monkeypatch.setattr(openpyxl, "load_workbook", no_reading)
    monkeypatch.setattr(sheet, "read_rows", no_reading)

    batch = import_batch_apply(batch=batch, mode=ImportMode.ALL_OR_NOTHING, by=user)

    assert batch.status == ImportStatus.IMPORTED
    assert list(Entity.objects.values_list("name", flat=True)) == ["金滩饭店"]
