import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate-limit counters and used captchas live in the cache: each test starts without any."""
    cache.clear()
    yield
    cache.clear()
