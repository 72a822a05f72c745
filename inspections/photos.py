"""Visit and issue photos: checked by content, turned upright, stripped of metadata, resized and
re-encoded as JPEG on the server, whatever the phone sent."""

import io
import math
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from baobao.uploads import image_extension

MAX_SIDE = 1600
JPEG_QUALITY = 80
# A phone photo is at most ~50 megapixels; anything larger is refused before it is decoded.
MAX_PIXELS = 60_000_000


@dataclass(frozen=True)
class Photo:
    file: ContentFile
    width: int
    height: int


def _refuse_type():
    return ValidationError(_("Upload a photo (JPEG, PNG or WebP)."), code="photo_type")


@dataclass(frozen=True)
class CheckedPhoto:
    """An upload that passed the submit's checks, and its extension judged by content."""

    upload: object
    ext: str


def photo_check(upload) -> CheckedPhoto:
    """The checks a submit makes at once, without decoding a pixel: the upload cap, and a JPEG,
    PNG or WebP image by its content (its header parses and verifies) of at most MAX_PIXELS.
    A file that passes may still fail to decode; the re-encode says so on the photo."""
    limit = settings.UPLOAD_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("The photo is %(size).1f MB; the limit is %(limit).0f MB.")
            % {"size": upload.size / 1024 / 1024, "limit": limit / 1024 / 1024},
            code="photo_too_large",
        )
    ext = image_extension(upload)
    if ext is None:
        raise _refuse_type()
    upload.seek(0)
    try:
        with Image.open(upload) as image:
            # Opening reads only the header: refuse a decompression bomb before decoding it.
            if image.width * image.height > MAX_PIXELS:
                raise _refuse_type()
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise _refuse_type() from exc
    finally:
        upload.seek(0)
    return CheckedPhoto(upload=upload, ext=ext)


def process_photo(upload) -> Photo:
    """A clean JPEG of at most MAX_SIDE px on its long side from an uploaded image; refuses
    what ``photo_check`` refuses, and an image that does not decode."""
    photo_check(upload)
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            _draft(image)
            # Resized before it is turned upright (the cap is on the long side either way), so
            # that the turn moves the smaller image; thumbnail() keeps the EXIF it turns by.
            image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.BILINEAR, reducing_gap=2.0)
            image = ImageOps.exif_transpose(image)
            if image.mode not in ("RGB", "YCbCr"):
                image = _flatten(image)
            out = io.BytesIO()
            # No exif=, no icc_profile=: the saved file carries no metadata (GPS, device).
            image.save(out, "JPEG", quality=JPEG_QUALITY)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise _refuse_type() from exc
    finally:
        upload.seek(0)
    return Photo(
        file=ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.jpg"),
        width=image.width,
        height=image.height,
    )


def _draft(image: Image.Image) -> None:
    """Let a JPEG decode at 1/2, 1/4 or 1/8 of its size (the decoder's own scaling of its DCT
    blocks, far cheaper than decoding every pixel and resizing them) when that still leaves at
    least MAX_SIDE on the long side for the resize to work from. Other formats decode in full."""
    if image.format != "JPEG":
        return
    scale = max(image.width, image.height) / MAX_SIDE
    if scale < 2:
        return
    image.draft("YCbCr", (math.ceil(image.width / scale), math.ceil(image.height / scale)))


def _flatten(image: Image.Image) -> Image.Image:
    """RGB on a white background (a transparent PNG would otherwise turn black)."""
    image = image.convert("RGBA")
    background = Image.new("RGB", image.size, "white")
    background.paste(image, mask=image.getchannel("A"))
    return background
