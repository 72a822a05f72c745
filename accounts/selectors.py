"""Reads for sign-in security: the state of a user's password, the users an office may reset."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet

from accounts.models import PasswordRecord
from baobao.models import OFFICE_ROLES, REGISTER_WRITER_ROLES, Role, User


class Change:
    """Why a password must be changed before anything else (empty: it need not)."""

    NONE = ""
    ONE_TIME = "one_time"
    FIRST = "first"
    EXPIRED = "expired"


@dataclass(frozen=True)
class PasswordState:
    change: str
    expires_at: datetime | None

    def days_left(self, *, now: datetime) -> int | None:
        if self.expires_at is None:
            return None
        return max((self.expires_at - now).days, 0)

    def warn(self, *, now: datetime) -> bool:
        """Within the warning window before expiry (a week by default)."""
        days = self.days_left(now=now)
        return days is not None and days < settings.PASSWORD_EXPIRY_WARNING_DAYS


def password_state(*, user, now: datetime) -> PasswordState:
    """Must ``user`` change their password now, and when does it expire? One query."""
    latest = (
        PasswordRecord.objects.filter(user=user)
        .order_by("-set_at", "-id")
        .only("set_at", "one_time")
    ).first()
    set_at = latest.set_at if latest else user.date_joined
    max_age = settings.PASSWORD_MAX_AGE_DAYS
    expires_at = set_at + timedelta(days=max_age) if max_age else None
    if latest is not None and latest.one_time:
        change = Change.ONE_TIME
    elif latest is None and settings.PASSWORD_FIRST_LOGIN_CHANGE:
        # Created in bulk (an import, a seed) with a password nobody chose.
        change = Change.FIRST
    elif expires_at is not None and now >= expires_at:
        change = Change.EXPIRED
    else:
        change = Change.NONE
    return PasswordState(change=change, expires_at=expires_at)


# Roles that keep accounts: an office that writes the registers resets the passwords of the
# users in its area; the system administrator anyone's except the other two duties'.
RESETTER_ROLES = REGISTER_WRITER_ROLES
PROTECTED_ROLES = {Role.ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR}


def resettable_users(*, user) -> QuerySet[User]:
    """The users whose password ``user`` may reset: an office's users of its own area (offices
    below it, its cadres and their aides), never themselves nor an administrator."""
    qs = User.objects.exclude(pk=user.pk).exclude(role__in=sorted(PROTECTED_ROLES))
    qs = qs.exclude(is_superuser=True)
    if user.role == Role.ADMIN:
        return qs
    if user.role in RESETTER_ROLES and user.role in OFFICE_ROLES and user.division_id:
        path = user.division.path
        # A business user has no division: theirs is the area of a business they work for
        # (the enterprises app's memberships, named by their relation, not imported).
        business = User.objects.filter(
            role=Role.BUSINESS,
            memberships__is_active=True,
            memberships__entity__division_path__startswith=path,
        )
        return qs.filter(Q(division__path__startswith=path) | Q(pk__in=business.values("pk")))
    return qs.none()


def can_reset_passwords(user) -> bool:
    return user.is_authenticated and user.role in RESETTER_ROLES
