import pytest


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """The no-reuse check hashes each candidate against the history: a cheap hasher here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
