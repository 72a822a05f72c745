"""Helpers the test modules share: read the holdings and their ledger back, collect a page's
messages, expect a refusal, make a photo, count a page's queries."""

import io
from contextlib import contextmanager

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from cadres.models import Adjustment, AdjustmentKind, Assignment, ZoneAssignment


def current(entity) -> Assignment | None:
    """The entity's open holding, if any."""
    return Assignment.objects.filter(entity=entity, end_date__isnull=True).first()


def ledger(entity) -> list[tuple]:
    """The entity's adjustment rows in the order they were written: (kind, from, to)."""
    return list(
        Adjustment.objects.filter(entity=entity)
        .order_by("pk")
        .values_list("kind", "from_cadre_id", "to_cadre_id")
    )


def success_messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@contextmanager
def refused(code):
    """Expect a ValidationError carrying ``code``."""
    with pytest.raises(ValidationError) as exc_info:
        yield exc_info
    assert exc_info.value.code == code, exc_info.value


def jpeg_bytes(size=(80, 60)) -> bytes:
    """The bytes of a real JPEG photo of ``size`` pixels."""
    buffer = io.BytesIO()
    Image.new("RGB", size, "green").save(buffer, "JPEG")
    return buffer.getvalue()


def jpeg(name="IMG_0001.jpg", size=(80, 60)) -> SimpleUploadedFile:
    """A real JPEG photo upload of ``size`` pixels."""
    return SimpleUploadedFile(name, jpeg_bytes(size), content_type="image/jpeg")


def page_queries(client, url) -> int:
    """How many queries a GET of ``url`` runs (it must answer 200)."""
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def assert_handed_over(*, cadre, successor, direct, zone, zoned, today) -> None:
    """A cadre who left naming ``successor``: their direct holdings and the whole zone moved,
    each with its ledger rows (the leave, then the transfer or zone assignment)."""
    for old in direct:
        assert current(old.entity).cadre == successor
        assert ledger(old.entity) == [
            (AdjustmentKind.CADRE_LEFT, cadre.pk, None),
            (AdjustmentKind.TRANSFER, cadre.pk, successor.pk),
        ]
    ended = ZoneAssignment.objects.filter(zone=zone, cadre=cadre).latest("pk")
    assert ended.end_date == today
    assert ZoneAssignment.objects.get(zone=zone, end_date__isnull=True).cadre == successor
    assert current(zoned).cadre == successor
    assert ledger(zoned)[-2:] == [
        (AdjustmentKind.CADRE_LEFT, cadre.pk, None),
        (AdjustmentKind.ZONE_ASSIGN, cadre.pk, successor.pk),
    ]
