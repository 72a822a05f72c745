"""Who the sign-in policies apply to, from settings (docs/security.md explains each)."""

from django.conf import settings

from baobao.models import Role

# Cadres and their aides work on phones in the field: no idle timeout (a visit form is filled
# for longer than that, and the phone's offline queue must not be cut off), and by default no
# second factor (password plus lockout; TWO_FACTOR_ROLES can add them).
FIELD_ROLES = {Role.CADRE, Role.ASSISTANT, Role.LIAISON}


def idle_timeout_seconds(user) -> int:
    """Seconds of inactivity after which ``user``'s session ends (0: never)."""
    if user.role in FIELD_ROLES:
        return 0
    return settings.SESSION_IDLE_SECONDS


def two_factor_required(user) -> bool:
    return user.role in settings.TWO_FACTOR_ROLES or (
        user.is_superuser and bool(settings.TWO_FACTOR_ROLES)
    )
