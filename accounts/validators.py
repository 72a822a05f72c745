"""Password rules of the 等保 level-3 policy, as Django password validators (AUTH_PASSWORD_VALIDATORS):
at least three of the four character classes, and none of the last passwords again. The history
validator also keeps that history: Django calls ``password_changed`` after every save of a new
password, whoever set it."""

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

CLASSES = (str.islower, str.isupper, str.isdigit)


def character_classes(password: str) -> int:
    """How many of lower case, upper case, digits and other characters the password uses."""
    found = {i for ch in password for i, test in enumerate(CLASSES) if test(ch) and ch.isascii()}
    if any(not (ch.isascii() and ch.isalnum()) for ch in password):
        found.add(len(CLASSES))
    return len(found)


class CharacterClassesValidator:
    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        if character_classes(password) < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self):
        return _(
            "Your password must use at least %(count)d of: lower-case letters, upper-case "
            "letters, digits and symbols."
        ) % {"count": self.min_classes}


class PasswordHistoryValidator:
    def __init__(self, remember: int = 5):
        self.remember = remember

    def validate(self, password, user=None):
        if user is None or user.pk is None:
            return
        from accounts.models import PasswordRecord

        hashes = list(
            PasswordRecord.objects.filter(user=user)
            .order_by("-set_at", "-id")
            .values_list("password", flat=True)[: self.remember]
        )
        if user.password and user.password not in hashes:
            hashes.append(user.password)
        if any(check_password(password, hashed) for hashed in hashes):
            raise ValidationError(self.get_help_text(), code="password_reused")

    def password_changed(self, password, user=None):
        """Record the new password's hash. A password the user chose is marked so by the change
        service; one set by someone else (an office's reset, the admin site, an installer) is
        one-time when the policy says new passwords are (PASSWORD_FIRST_LOGIN_CHANGE)."""
        if user is None or user.pk is None:
            return
        from accounts.models import PasswordRecord

        chosen = getattr(user, "_password_chosen", None)
        one_time = getattr(user, "_password_one_time", None)
        if one_time is None:
            one_time = not chosen and settings.PASSWORD_FIRST_LOGIN_CHANGE
        PasswordRecord.objects.create(user=user, password=user.password, one_time=one_time)

    def get_help_text(self):
        return ngettext(
            "Your password must differ from your last password.",
            "Your password must differ from your last %(count)d passwords.",
            self.remember,
        ) % {"count": self.remember}
