"""Validators for Chinese identifiers: 统一社会信用代码 (GB 32100-2015) and phone numbers.

A credit code is read as python-stdnum's ``stdnum.cn.uscc`` reads it (spaces and hyphens dropped,
upper case; eight digits, then ten characters of the code's alphabet, then its check character),
and its characters 9–17, the 组织机构代码 (GB 11714-1997), must carry their own check digit too:
the one rule stdnum does not apply.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.cn import uscc as stdnum_uscc

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_SHAPE = re.compile(r"^\d{8}[0-9A-HJ-NPQRTUWXY]{10}$")
# GB 11714: eight body characters (digits or letters, A=10 … Z=35) weighted, check 0-9 or X.
ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
# The longest text a person may paste for a code: 18 characters with a separator between each.
USCC_INPUT_MAX_LENGTH = 40

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
# Area code 0xx or 0xxx, seven or eight digit number, optional extension.
_LANDLINE = re.compile(r"^0\d{2,3}-?[1-9]\d{6,7}(-\d{1,6})?$")


def uscc_check_char(first17: str) -> str:
    """The check character for the first 17 characters of a credit code."""
    total = sum(USCC_CHARSET.index(ch) * w for ch, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def org_code_check_char(first8: str) -> str:
    """The GB 11714 check character (0-9 or X) of an organisation code's first 8 characters."""
    total = sum(int(ch, 36) * w for ch, w in zip(first8, ORG_CODE_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def uscc_complete(first16: str) -> str:
    """A whole credit code from its first 16 characters: the organisation code's check digit,
    then the code's own check character (for generated codes: demo data, factories)."""
    first17 = first16 + org_code_check_char(first16[8:16])
    return first17 + uscc_check_char(first17)


def normalize_uscc(value: str) -> str:
    """The code as stored: spaces and hyphens (as pasted from a licence) dropped, upper case."""
    return stdnum_uscc.compact(value or "")


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
    if org_code_check_char(code[8:16]) != code[16]:
        raise ValidationError(
            _(
                "Characters 9 to 17 of the unified social credit code (the organisation code) "
                "do not carry a valid check digit; please check the code."
            ),
            code="uscc_org_check",
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
