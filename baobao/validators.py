"""Validators for Chinese identifiers: 统一社会信用代码 (GB 32100-2015) and phone numbers."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_SHAPE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
# Area code 0xx or 0xxx, seven or eight digit number, optional extension.
_LANDLINE = re.compile(r"^0\d{2,3}-?[1-9]\d{6,7}(-\d{1,6})?$")


def uscc_check_char(first17: str) -> str:
    """The check character for the first 17 characters of a credit code."""
    total = sum(USCC_CHARSET.index(ch) * w for ch, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def normalize_uscc(value: str) -> str:
    return (value or "").strip().upper()


def validate_uscc(value: str) -> None:
    code = normalize_uscc(value)
    if len(code) != 18:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(n)d."),
            code="uscc_length",
            params={"n": len(code)},
        )
    if not _USCC_SHAPE.match(code):
        raise ValidationError(
            _("The unified social credit code contains characters that are not allowed."),
            code="uscc_chars",
        )
    if uscc_check_char(code[:17]) != code[17]:
        raise ValidationError(
            _("The check digit of the unified social credit code is wrong; please check the code."),
            code="uscc_check",
        )


def normalize_phone(value: str) -> str:
    return re.sub(r"[\s()]", "", value or "").replace("—", "-")


def validate_mobile(value: str) -> None:
    if not _MOBILE.match(normalize_phone(value)):
        raise ValidationError(
            _("Enter an 11-digit mainland mobile number starting with 1."), code="mobile"
        )


def validate_phone(value: str) -> None:
    """A mainland mobile number, or a landline with its area code (e.g. 0856-5221234)."""
    phone = normalize_phone(value)
    if not (_MOBILE.match(phone) or _LANDLINE.match(phone)):
        raise ValidationError(
            _("Enter a mobile number (11 digits) or a landline with area code, e.g. 0856-5221234."),
            code="phone",
        )
