"""Small rules shared by every write service."""

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _


def resolve_date(date: datetime.date | None) -> datetime.date:
    """The date a change takes effect: today by default, never in the future."""
    today = timezone.localdate()
    date = date or today
    if date > today:
        raise ValidationError(_("The effective date cannot be in the future."), code="future_date")
    return date


def require_reason(reason: str) -> str:
    """A change of who holds what, or of a grade or status, always says why."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give a reason for this change."), code="reason_required")
    return reason
