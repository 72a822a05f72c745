"""Shared helpers for the public side's tests."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from public.abuse import captcha_answer, captcha_new


def captcha_fields() -> dict:
    token = captcha_new()
    return {"captcha_token": token, "captcha": captcha_answer(token), "website": ""}


def jpeg_with_exif(name="photo.jpg") -> SimpleUploadedFile:
    """A small JPEG carrying EXIF (a GPS-like tag), as a phone sends it."""
    image = Image.new("RGB", (64, 48), "red")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N"}  # GPS IFD
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def report_data(**overrides) -> dict:
    return {
        "category": "hygiene",
        "text": "后厨有老鼠",
        "place": "",
        "phone": "",
        **captcha_fields(),
        **overrides,
    }
