"""Helpers the test modules share: read the holdings and their ledger back, collect a page's
messages, expect a refusal, make a photo."""

import io
from contextlib import contextmanager

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from cadres.models import Adjustment, Assignment


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


def jpeg(name="IMG_0001.jpg", size=(80, 60)) -> SimpleUploadedFile:
    """A real JPEG photo upload of ``size`` pixels."""
    buffer = io.BytesIO()
    Image.new("RGB", size, "green").save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")
