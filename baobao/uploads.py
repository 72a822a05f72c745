"""Private uploads: validated by content and size, stored under random names, served by scoped views."""

import uuid
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from baobao import clock

IMAGE_FORMATS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}
CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".jpg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
}


def private_upload_name(prefix: str, filename: str) -> str:
    """A random file name under ``prefix/YYYY/`` that keeps only the (validated) extension."""
    ext = PurePath(filename).suffix.lower()
    if ext not in CONTENT_TYPES:
        ext = ""
    return f"{prefix}/{clock.today():%Y}/{uuid.uuid4().hex}{ext}"


def _check_size(upload) -> None:
    limit = settings.UPLOAD_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("The file is %(size).1f MB; the limit is %(limit).0f MB.")
            % {"size": upload.size / 1024 / 1024, "limit": limit / 1024 / 1024},
            code="file_too_large",
        )


def image_extension(upload) -> str | None:
    """The extension of a JPEG, PNG or WebP image judged by its content, or None."""
    upload.seek(0)
    try:
        with Image.open(upload) as image:
            image_format = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return None
    finally:
        upload.seek(0)
    return IMAGE_FORMATS.get(image_format)


def validate_document(upload) -> str:
    """Accept a scanned document (PDF, JPEG, PNG or WebP) by its content; return its extension."""
    _check_size(upload)
    upload.seek(0)
    head = upload.read(5)
    upload.seek(0)
    ext = ".pdf" if head == b"%PDF-" else image_extension(upload)
    if ext is None:
        raise ValidationError(
            _("Upload a PDF or an image (JPEG, PNG, WebP); this file is neither."),
            code="file_type",
        )
    return ext


def validate_document_field(value) -> None:
    """Model-field validator: check a newly attached document (an admin upload included) by content."""
    if getattr(value, "_committed", True):
        return
    ext = validate_document(value.file)
    value.name = f"upload{ext}"


def content_type_for(name: str) -> str:
    return CONTENT_TYPES.get(PurePath(name).suffix.lower(), "application/octet-stream")
