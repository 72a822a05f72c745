"""Private uploads: validated by content and size, stored under random names, served by scoped views."""

import io
import logging
import uuid
from pathlib import PurePath

import pypdf
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from baobao import clock

logger = logging.getLogger(__name__)
# A scanned page at 300 dpi is ~9 megapixels; anything far larger is refused before decoding.
SCAN_MAX_PIXELS = 60_000_000
SCAN_MAX_SIDE = 3000
SCAN_JPEG_QUALITY = 85
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


def _not_a_document() -> ValidationError:
    return ValidationError(
        _("Upload a PDF or an image (JPEG, PNG, WebP); this file is neither."),
        code="file_type",
    )


def _is_pdf(upload) -> bool:
    """A PDF that parses: header, cross-reference table and trailer, at least one page."""
    upload.seek(0)
    try:
        reader = pypdf.PdfReader(upload, strict=False)
        return len(reader.pages) > 0
    except Exception:  # pypdf raises many kinds on a damaged or forged file
        logger.info("An upload starting with %%PDF- did not parse as a PDF", exc_info=True)
        return False
    finally:
        upload.seek(0)


def validate_document(upload) -> str:
    """Accept a scanned document (a PDF that parses, or a JPEG, PNG or WebP image that decodes)
    by its content; return its extension."""
    _check_size(upload)
    upload.seek(0)
    head = upload.read(5)
    upload.seek(0)
    if head == b"%PDF-":
        if not _is_pdf(upload):
            raise _not_a_document()
        return ".pdf"
    ext = image_extension(upload)
    if ext is None:
        raise _not_a_document()
    return ext


def clean_document(upload) -> ContentFile:
    """The file to store for an uploaded scan: a PDF as it came (once it parses); an image
    decoded, turned upright and re-encoded as JPEG without its metadata (EXIF, GPS, device),
    at most SCAN_MAX_SIDE px on its long side. Refuses what ``validate_document`` refuses."""
    ext = validate_document(upload)
    if ext == ".pdf":
        upload.seek(0)
        return ContentFile(upload.read(), name="scan.pdf")
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            if image.width * image.height > SCAN_MAX_PIXELS:
                raise _not_a_document()
            image = ImageOps.exif_transpose(image)
            image.thumbnail((SCAN_MAX_SIDE, SCAN_MAX_SIDE), Image.Resampling.LANCZOS)
            if image.mode != "RGB":
                image = image.convert("RGBA")
                flat = Image.new("RGB", image.size, "white")
                flat.paste(image, mask=image.getchannel("A"))
                image = flat
            out = io.BytesIO()
            # No exif=, no icc_profile=: the stored file carries no metadata.
            image.save(out, "JPEG", quality=SCAN_JPEG_QUALITY, optimize=True)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise _not_a_document() from exc
    finally:
        upload.seek(0)
    return ContentFile(out.getvalue(), name="scan.jpg")


def validate_document_field(value) -> None:
    """Model-field validator: check a newly attached document (an admin upload included) by content."""
    if getattr(value, "_committed", True):
        return
    ext = validate_document(value.file)
    value.name = f"upload{ext}"


def content_type_for(name: str) -> str:
    return CONTENT_TYPES.get(PurePath(name).suffix.lower(), "application/octet-stream")
