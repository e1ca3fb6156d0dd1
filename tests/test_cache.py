"""portal.cache: Django's Redis cache with one redis client kept per connection pool."""

import pytest
from django.conf import settings

from portal.cache import RedisCache


@pytest.mark.services
def test_the_cache_works_and_keeps_one_client(require_services):
    cache = RedisCache(settings.REDIS_URL, {"KEY_PREFIX": "portal-cache-test"})
    cache.set("visit", {"count": 1}, 30)
    assert cache.get("visit") == {"count": 1}
    cache.delete("counter")
    assert cache.add("counter", 0, 30)
    assert cache.incr("counter") == 1
    client = cache._cache.get_client(write=True)
    assert cache._cache.get_client(write=True) is client
    assert cache._cache.get_client("visit") is client  # one server: reads use the same pool
    cache.delete_many(["visit", "counter"])
    assert cache.get("visit") is None
