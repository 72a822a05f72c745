"""Writes for sign-in security: a password chosen by its user, and an office's reset to a
one-time password. Both are audited."""

import secrets
import string

from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from accounts.validators import character_classes
from audit.models import AuditKind
from audit.services import audit_record

# No 0/O, 1/l/I: read off a screen and typed on a phone.
_ALPHABET = (
    "".join(ch for ch in string.ascii_letters + string.digits if ch not in "0O1lI") + "#%+=@"
)


@transaction.atomic
def password_change(*, user, password: str, request=None) -> None:
    """``user`` sets a password they chose (validated by the caller's form)."""
    user._password_chosen = True
    user._password_one_time = False
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(kind=AuditKind.PASSWORD_CHANGE, request=request, user=user, target=user)


def one_time_password(length: int = 12) -> str:
    """A random password that meets the policy."""
    while True:
        candidate = "".join(secrets.choice(_ALPHABET) for _ in range(length))
        if character_classes(candidate) >= 3:
            return candidate


@transaction.atomic
def password_reset(*, user, by, request=None) -> str:
    """Set ``user``'s password to a new one-time password (to be changed at the next sign-in)
    and answer it, to be given to them once."""
    password = one_time_password()
    validate_password(password, user)
    user._password_one_time = True
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(kind=AuditKind.PASSWORD_RESET, request=request, user=by, target=user)
    return password
