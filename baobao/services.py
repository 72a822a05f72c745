"""Small rules shared by every write service."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from baobao import clock


def resolve_date(date: datetime.date | None) -> datetime.date:
    """The date a change takes effect: today by default, never in the future."""
    today = clock.today()
    date = date or today
    if date > today:
        raise ValidationError(_("The effective date cannot be in the future."), code="future_date")
    return date


# The reason columns of the ledgers (adjustments, grade history, escalations, leaving).
REASON_MAX_LENGTH = 255


def clean_reason(reason: str) -> str:
    """A reason stripped of surrounding space; refused when longer than the ledger keeps."""
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            _("A reason has at most %(n)d characters.") % {"n": REASON_MAX_LENGTH},
            code="reason_too_long",
        )
    return reason


def require_reason(reason: str) -> str:
    """A change of who holds what, or of a grade or status, always says why."""
    reason = clean_reason(reason)
    if not reason:
        raise ValidationError(_("Give a reason for this change."), code="reason_required")
    return reason


def site_text(message) -> str:
    """A lazily translated text as stored in a ledger: always in the site's language, whatever
    the language of the request that wrote it."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(message)
