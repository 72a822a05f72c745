"""Each pytest-xdist worker gets its own Redis database, as pytest-django gives it its own test
database (``test_<name>_gw<n>``): tests that purge the broker, flush the cache or count rate-limit
hits must not see another worker's. Loaded with ``-p`` (pyproject's addopts), so it runs before
Django reads REDIS_URL."""

import os
from urllib.parse import urlsplit

worker = os.environ.get("PYTEST_XDIST_WORKER", "")
url = os.environ.get("REDIS_URL")
if worker.startswith("gw") and url:
    parts = urlsplit(url)
    base = int(parts.path.lstrip("/") or 0)
    db = (base + 8 + int(worker[2:])) % 16
    os.environ["REDIS_URL"] = parts._replace(path=f"/{db}").geturl()
