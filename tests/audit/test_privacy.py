"""Personal data (个人信息保护): phone numbers masked in lists, and in the Excel ledgers and on
detail pages for the roles that do not call people; shown in full to those who do, each view of a
detail page audited."""

import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone, translation

from audit.models import AuditEvent, AuditKind
from baobao.privacy import mask_phone, mask_phones_in
from entities.models import Grade
from ledgers.exports import export_workbook
from tests.factories import (
    AssignmentFactory,
    CadreAideFactory,
    CadreFactory,
    EntityFactory,
    admin_user,
    county,
    office_user,
    province,
    village,
)

pytestmark = pytest.mark.django_db
FULL = "13812345678"
MASKED = "138****5678"


@pytest.mark.parametrize(
    ("value", "masked"),
    [(FULL, MASKED), ("138 1234 5678", MASKED), ("0856-5221234", "****1234"), ("", "")],
)
def test_the_mask(value, masked):
    assert mask_phone(value) == masked


def test_numbers_inside_text_are_masked_and_the_rest_kept():
    assert mask_phones_in(f"张三 {FULL}；李四 0856-5221234") == f"张三 {MASKED}；李四 ****1234"
    assert mask_phones_in(None) is None


def test_the_cadre_list_masks_every_number(client):
    CadreFactory(phone=FULL)
    client.force_login(office_user(county()))
    page = client.get(reverse("cadres:list")).text
    assert MASKED in page and FULL not in page


def test_a_county_office_sees_the_number_on_the_detail_page_and_the_view_is_audited(client):
    cadre = CadreFactory(phone=FULL)
    office = office_user(county())
    client.force_login(office)
    page = client.get(reverse("cadres:detail", args=[cadre.pk])).text
    assert FULL in page
    [event] = AuditEvent.objects.filter(kind=AuditKind.PERSONAL_VIEW)
    assert (event.user_id, event.target) == (office.pk, f"cadre:{cadre.pk}")


@pytest.mark.parametrize("make", [lambda: office_user(province()), admin_user])
def test_the_province_office_and_the_admin_see_masked_numbers_on_detail_pages(client, make):
    cadre = CadreFactory(phone=FULL)
    CadreAideFactory(cadre=cadre, phone="13900000001")
    entity = EntityFactory(division=village(), contact_phone="13700001111")
    client.force_login(make())
    page = client.get(reverse("cadres:detail", args=[cadre.pk])).text
    assert MASKED in page and FULL not in page and "13900000001" not in page
    page = client.get(reverse("entities:detail", args=[entity.pk])).text
    assert "137****1111" in page and "13700001111" not in page
    assert not AuditEvent.objects.filter(kind=AuditKind.PERSONAL_VIEW).exists()


def _cells(user, key):
    with translation.override("zh-hans"):
        wb = export_workbook(
            user=user, keys=[key], division=None, period=None, exported_at=timezone.now()
        )
        buffer = io.BytesIO()
        wb.save(buffer)
    ws = openpyxl.load_workbook(io.BytesIO(buffer.getvalue())).worksheets[0]
    return [c for row in ws.iter_rows(min_row=4, values_only=True) for c in row if c]


def test_exported_cells_are_masked_for_the_province_and_full_for_the_county():
    cadre = CadreFactory(phone=FULL)
    CadreAideFactory(cadre=cadre, name="李协保", phone="13900000001")
    AssignmentFactory(cadre=cadre, entity__grade=Grade.C, entity__contact_phone="13700001111")
    masked_cadres = _cells(office_user(province()), "cadres")
    assert MASKED in masked_cadres and "李协保 139****0001" in masked_cadres
    assert not any("13900000001" in str(c) or FULL in str(c) for c in masked_cadres)
    masked_entities = _cells(office_user(province()), "entities")
    assert "137****1111" in masked_entities and "13700001111" not in masked_entities
    # the county office files the ledger with the numbers in full
    full = _cells(office_user(county()), "cadres")
    assert FULL in full and "李协保 13900000001" in full
