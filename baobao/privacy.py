"""Personal data (个人信息保护): who sees phone numbers in full, and the mask everyone else sees.

Lists on screen mask every number (a list is for finding; the number is one click away on the
detail page). The detail page and the Excel ledgers show numbers in full only to the roles whose
work is calling people, and the apps audit each such view; the others see 138****5678.
docs/security.md gives the reason per role.
"""

import re

from baobao.models import Role

# The offices that arrange supervision and phone cadres and businesses, and the cadres and aides
# who phone the businesses they hold. The province office reads roll-up figures only; the system,
# security and audit administrators keep the system, not the registers.
PHONE_FULL_ROLES = {
    Role.CITY_OFFICE,
    Role.COUNTY_OFFICE,
    Role.TOWNSHIP_OFFICE,
    Role.CADRE,
    Role.ASSISTANT,
    Role.LIAISON,
}
_NUMBER = re.compile(r"\d[\d\- ]{5,}\d")


def sees_full_phones(user) -> bool:
    return bool(user.is_authenticated and user.role in PHONE_FULL_ROLES)


def mask_phone(value: str | None) -> str:
    """138****5678: the first three and last four digits kept, four in between hidden; a short
    or landline number keeps only its last four."""
    if not value:
        return value or ""
    digits = re.sub(r"\D", "", value)
    if len(digits) == 11 and digits.startswith("1"):
        return f"{digits[:3]}****{digits[-4:]}"
    return f"****{digits[-4:]}" if len(digits) > 4 else "****"


def mask_phones_in(text: str | None) -> str | None:
    """Every number-like run in a free text (e.g. "张三 13812345678") masked."""
    if not text:
        return text
    return _NUMBER.sub(lambda m: mask_phone(m.group()), text)
