"""Django's Redis cache, serving from memory while Redis cannot be reached.

The cache holds only what can be lost: rate-limit counters (allauth's login limits, the API's
write limit, invitations), used one-time codes. A Redis outage must not turn every login and
API write into a 500, so while Redis is unreachable each process counts in its own memory
(LocMemCache): the limits still apply, per process rather than across all of them. The outage
is logged when it starts and Redis is tried again every OUTAGE_RETRY_SECONDS.
"""

import logging
import time

from django.core.cache.backends import redis as django_redis
from django.core.cache.backends.locmem import LocMemCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

OUTAGE_RETRY_SECONDS = 30
# Without these a Redis host that drops packets would hold each request for minutes.
SOCKET_TIMEOUT_SECONDS = 1
# Shared by every thread of the process: when Redis was last found unreachable, per server.
unreachable_since: dict[str, float] = {}


def _falls_back(name: str):
    def operation(self, *args, **kwargs):
        if self.is_unreachable():
            return getattr(self.fallback, name)(*args, **kwargs)
        try:
            return getattr(super(RedisCache, self), name)(*args, **kwargs)
        except (RedisConnectionError, RedisTimeoutError) as error:
            self.note_unreachable(error)
            return getattr(self.fallback, name)(*args, **kwargs)

    operation.__name__ = name
    operation.__doc__ = f"{name}() in Redis, or in this process's memory while Redis is down."
    return operation


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        options = dict(params.get("OPTIONS") or {})
        options.setdefault("socket_connect_timeout", SOCKET_TIMEOUT_SECONDS)
        options.setdefault("socket_timeout", SOCKET_TIMEOUT_SECONDS)
        super().__init__(server, {**params, "OPTIONS": options})
        self.server = server
        # LocMemCache keeps its data per name, so every thread of the process shares it.
        self.fallback = LocMemCache(
            f"portal-redis-fallback:{server}",
            {key: value for key, value in params.items() if key != "OPTIONS"},
        )

    def is_unreachable(self) -> bool:
        since = unreachable_since.get(self.server)
        if since is None:
            return False
        if time.time() - since < OUTAGE_RETRY_SECONDS:
            return True
        del unreachable_since[self.server]  # time to try Redis again
        return False

    def note_unreachable(self, error: Exception) -> None:
        unreachable_since[self.server] = time.time()
        logger.warning(
            "Redis cache unreachable (%s): rate limits and one-time codes are kept in this "
            "process's memory for the next %d seconds, then Redis is tried again.",
            error,
            OUTAGE_RETRY_SECONDS,
        )

    add = _falls_back("add")
    get = _falls_back("get")
    set = _falls_back("set")
    touch = _falls_back("touch")
    delete = _falls_back("delete")
    get_many = _falls_back("get_many")
    has_key = _falls_back("has_key")
    incr = _falls_back("incr")
    set_many = _falls_back("set_many")
    delete_many = _falls_back("delete_many")
    clear = _falls_back("clear")
