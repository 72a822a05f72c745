"""The cache degrades instead of failing: Redis down means a miss, not a 500.

``FallbackRedisCache`` is Django's ``RedisCache`` with two additions:

- every call that Redis does not answer (refused, reset, or silent past the socket timeout of
  ``REDIS_SOCKET_TIMEOUT`` seconds) answers like a miss: ``get`` returns the default, ``set`` and
  ``add`` return False, ``delete`` returns False. Callers already treat a miss as "compute it
  from the database", so the dashboards read the database and the pages stay up;
- after a failure the cache stops asking Redis for ``CACHE_RETRY_SECONDS`` (a circuit breaker),
  so a stopped Redis costs one timeout per process per period, not one per call.

``cache_unavailable()`` says whether the last call failed within that period: pages show the
notice "缓存不可用" from it. A locmem cache (a laptop) is never unavailable.
"""

import logging
import threading
import time

from django.conf import settings
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

_state = threading.local()
_lock = threading.Lock()
_down_until = 0.0


def _open() -> bool:
    return time.monotonic() < _down_until


def _trip(exc: Exception) -> None:
    global _down_until
    with _lock:
        if not _open():
            logger.warning("Cache unavailable, falling back for a while: %s", exc)
        _down_until = time.monotonic() + settings.CACHE_RETRY_SECONDS


def cache_unavailable() -> bool:
    """True while the cache is being bypassed after a failure."""
    return _open()


def cache_reset() -> None:
    """Forget a past failure (tests, and an operator's shell after Redis is back)."""
    global _down_until
    _down_until = 0.0


def _guarded(name: str, fallback):
    method = getattr(RedisCache, name)

    def call(self, *args, **kwargs):
        if _open():
            return fallback() if callable(fallback) else fallback
        try:
            return method(self, *args, **kwargs)
        except RedisError as exc:
            _trip(exc)
            return fallback() if callable(fallback) else fallback

    call.__name__ = name
    call.__doc__ = method.__doc__
    return call


class FallbackRedisCache(RedisCache):
    add = _guarded("add", False)
    set = _guarded("set", False)
    touch = _guarded("touch", False)
    delete = _guarded("delete", False)
    has_key = _guarded("has_key", False)
    get_many = _guarded("get_many", dict)
    set_many = _guarded("set_many", list)
    delete_many = _guarded("delete_many", None)
    clear = _guarded("clear", False)

    def get(self, key, default=None, version=None):
        if _open():
            return default
        try:
            return super().get(key, default, version)
        except RedisError as exc:
            _trip(exc)
            return default
