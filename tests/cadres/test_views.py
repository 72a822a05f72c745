"""The commitment letter page: scoped reads, office-only writes, uploads checked by content."""

import io

import pypdf
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from cadres.models import Cadre
from tests.factories import (
    CadreFactory,
    admin_user,
    cadre_user,
    county,
    office_user,
    township,
    village,
)

pytestmark = pytest.mark.django_db


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg_with_gps() -> bytes:
    """A phone-style JPEG whose EXIF carries the device and a GPS position."""
    image = Image.new("RGB", (60, 30), "white")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (27.0, 43.0, 0.0), 3: "E", 4: (109.0, 11.0, 0.0)}  # GPSInfo
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def pdf_bytes() -> bytes:
    """A real one-page PDF."""
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@pytest.fixture
def wanshan_cadre():
    wanshan = county(code="520603000000", name="万山区")
    return CadreFactory(division=wanshan)


def upload(client, cadre, content, name, signed_on="2026-03-01"):
    return client.post(
        reverse("cadres:commitment", args=[cadre.pk]),
        {"signed_on": signed_on, "scan": SimpleUploadedFile(name, content)},
    )


def test_office_records_a_signed_letter_and_can_open_it(client):
    # given a township cadre in 碧江区 and the county office
    cadre = CadreFactory(division=township())
    client.force_login(office_user(county()))
    # when the clerk uploads a scanned PNG (named .pdf by mistake)
    response = upload(client, cadre, png_bytes(), "letter.pdf")
    # then it is recorded, re-encoded as JPEG whatever its name, and served back
    assert response.status_code == 302
    cadre.refresh_from_db()
    assert str(cadre.commitment_signed_on) == "2026-03-01"
    assert cadre.commitment_scan.name.endswith(".jpg")
    scan = client.get(reverse("cadres:commitment-scan", args=[cadre.pk]))
    assert scan.status_code == 200
    assert scan["Content-Type"] == "image/jpeg"
    with Image.open(io.BytesIO(b"".join(scan.streaming_content))) as stored:
        assert stored.format == "JPEG" and stored.size == (40, 20)


def test_a_scan_loses_its_exif_and_gps(client):
    cadre = CadreFactory(division=village())
    client.force_login(office_user(county()))
    with Image.open(io.BytesIO(jpeg_with_gps())) as original:
        assert original.getexif().get_ifd(0x8825)  # the fixture really carries a position
    assert upload(client, cadre, jpeg_with_gps(), "letter.jpg").status_code == 302
    cadre.refresh_from_db()
    with cadre.commitment_scan.open("rb") as handle, Image.open(handle) as stored:
        assert not stored.getexif()
        assert "exif" not in stored.info
    with cadre.commitment_scan.open("rb") as handle:
        assert b"PhoneMaker" not in handle.read()


def test_a_pdf_is_accepted(client):
    cadre = CadreFactory(division=village())
    client.force_login(office_user(county()))
    assert upload(client, cadre, pdf_bytes(), "letter.pdf").status_code == 302
    cadre.refresh_from_db()
    assert cadre.commitment_scan.name.endswith(".pdf")


@pytest.mark.parametrize(
    "content",
    [
        b"%PDF-1.7\n...",  # the header and nothing else
        b"%PDF-1.4\n" + b"A" * 500 + b"\n%%EOF",  # header and end, no objects, no xref
        b"%PDF-1.4\n<script>alert(1)</script>",
    ],
    ids=["header-only", "no-xref", "html"],
)
def test_a_fake_pdf_is_refused_in_chinese(client, content):
    cadre = CadreFactory(division=village())
    client.force_login(office_user(county()))
    response = upload(client, cadre, content, "letter.pdf")
    assert response.status_code == 200
    assert "PDF" in response.text and "图片" in response.text
    assert not Cadre.objects.get(pk=cadre.pk).commitment_scan


def test_a_fake_image_is_refused_in_chinese(client):
    cadre = CadreFactory(division=village())
    client.force_login(office_user(county()))
    # a PNG signature and header, then garbage where the pixels should be
    fake = png_bytes()[:33] + b"\x00" * 200
    response = upload(client, cadre, fake, "letter.png")
    assert response.status_code == 200
    assert "图片" in response.text
    assert not Cadre.objects.get(pk=cadre.pk).commitment_scan


def test_a_non_document_is_refused_in_chinese_and_changes_nothing(client):
    cadre = CadreFactory(division=village())
    client.force_login(office_user(county()))
    response = upload(client, cadre, b"MZ\x90\x00 not really a scan", "letter.png")
    assert response.status_code == 200
    assert "PDF" in response.text and "图片" in response.text
    cadre.refresh_from_db()
    assert not cadre.commitment_scan
    assert cadre.commitment_signed_on is None


def test_an_oversized_file_is_refused(client, settings):
    settings.UPLOAD_MAX_BYTES = 1000
    cadre = CadreFactory(division=village())
    client.force_login(office_user(county()))
    response = upload(client, cadre, b"%PDF-" + b"0" * 2000, "letter.pdf")
    assert response.status_code == 200
    assert "MB" in response.text
    assert not Cadre.objects.get(pk=cadre.pk).commitment_scan


def test_a_future_signing_date_is_refused(client):
    cadre = CadreFactory(division=village())
    client.force_login(office_user(county()))
    response = upload(client, cadre, pdf_bytes(), "l.pdf", signed_on="2999-01-01")
    assert response.status_code == 200
    assert Cadre.objects.get(pk=cadre.pk).commitment_signed_on is None


def test_other_countys_cadre_is_404_for_page_scan_and_upload(client, wanshan_cadre):
    client.force_login(office_user(county()))
    assert client.get(reverse("cadres:commitment", args=[wanshan_cadre.pk])).status_code == 404
    assert client.get(reverse("cadres:commitment-scan", args=[wanshan_cadre.pk])).status_code == 404
    assert upload(client, wanshan_cadre, b"%PDF-1.7", "l.pdf").status_code == 404
    assert client.get(reverse("cadres:commitment", args=[10**9])).status_code == 404


def test_a_cadre_sees_their_own_letter_but_may_not_upload(client):
    cadre = CadreFactory(division=village())
    other = CadreFactory(division=village())
    client.force_login(cadre_user(cadre))
    page = client.get(reverse("cadres:commitment", args=[cadre.pk]))
    assert page.status_code == 200
    assert '<form method="post" enctype' not in page.text
    assert upload(client, cadre, b"%PDF-1.7", "l.pdf").status_code == 403
    assert client.get(reverse("cadres:commitment", args=[other.pk])).status_code == 404


def test_the_scan_is_404_when_none_is_uploaded(client):
    cadre = CadreFactory(division=village())
    client.force_login(admin_user())
    assert client.get(reverse("cadres:commitment-scan", args=[cadre.pk])).status_code == 404
