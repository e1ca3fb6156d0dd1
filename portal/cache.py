"""Django's Redis cache, keeping one redis client per connection pool.

Django's RedisCacheClient makes a new `redis.Redis` for every cache operation. Making one fills
a table of about 340 response callbacks, which cost more CPU than the Redis round trip itself:
the API's write limit reads and writes its counter on every POST, so that was two new clients
a request (docs/performance.md). A `redis.Redis` may be shared: each command takes a connection
from the pool and gives it back. Everything else (pools, serializer, replicas) is Django's.
"""

from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._client(connection_pool=self._get_connection_pool(write))
            self._clients[index] = client
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
