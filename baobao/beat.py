"""Exactly one beat: the scheduler runs only while it holds a Redis lock.

``SingleBeatScheduler`` (``CELERY_BEAT_SCHEDULER``) is Celery's persistent scheduler that, before
each tick, takes or renews the lock ``baobao:beat:leader`` (``SET NX PX``, BEAT_LOCK_SECONDS,
renewed only by its holder). A second beat started by mistake finds the lock held and idles,
checking again every third of the lock's life; if the first beat dies, its lock expires and
the second takes over within BEAT_LOCK_SECONDS. Redis down: nobody holds the lock and nothing is
scheduled (nothing could be enqueued anyway); when Redis returns one beat takes it again.

Still run ONE beat (README): the lock is the safety net, not the deployment plan.
"""

import contextlib
import logging
import uuid

import redis
from celery.beat import PersistentScheduler
from django.conf import settings

logger = logging.getLogger(__name__)

LOCK_KEY = "baobao:beat:leader"
_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1])
end
return 0
"""


class SingleBeatScheduler(PersistentScheduler):
    def __init__(self, *args, **kwargs):
        self.lock_token = uuid.uuid4().hex
        self.leading = False
        self._redis = None
        super().__init__(*args, **kwargs)

    @property
    def lock_seconds(self) -> int:
        return settings.BEAT_LOCK_SECONDS

    def _client(self):
        url = self.app.conf.broker_url or ""
        if not url.startswith(("redis://", "rediss://")):
            return None
        if self._redis is None:
            self._redis = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3)
        return self._redis

    def lead(self) -> bool:
        """Take or renew the lock; True while this beat is the one."""
        client = self._client()
        if client is None:  # an in-memory broker: one process, nothing to share
            return True
        ttl_ms = int(self.lock_seconds * 1000)
        try:
            held = bool(
                self.leading and client.eval(_RENEW, 1, LOCK_KEY, self.lock_token, ttl_ms)
            ) or bool(client.set(LOCK_KEY, self.lock_token, nx=True, px=ttl_ms))
        except redis.RedisError as exc:
            logger.warning("Beat lock unavailable (%s): not scheduling", exc)
            held = False
        if held != self.leading:
            if held:
                logger.warning("Beat %s holds the lock: scheduling", self.lock_token[:8])
            else:
                logger.warning("Another beat holds the lock: %s idles", self.lock_token[:8])
        self.leading = held
        return held

    def tick(self, *args, **kwargs):
        interval = self.lock_seconds / 3
        if not self.lead():
            return interval
        return min(super().tick(*args, **kwargs), interval)

    def close(self):
        client = self._client()
        if client is not None and self.leading:
            with contextlib.suppress(redis.RedisError):
                client.eval(_RELEASE, 1, LOCK_KEY, self.lock_token)
        super().close()
