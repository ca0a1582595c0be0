"""Django's Redis cache backend, with one Redis client per connection pool.

Django builds a new ``redis.Redis`` object for every cache call, and each one sets up
its ~170 response callbacks: about a tenth of a millisecond, paid two or three times
on every intake delivery and API request (rate limits, idempotency, the drain flag).
A client is safe to share between threads (it takes a connection from its pool per
command), so one per pool does.
"""

from __future__ import annotations

import threading

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class SharedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}
        self._lock = threading.Lock()

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            with self._lock:
                client = self._clients.setdefault(
                    id(pool), self._client(connection_pool=pool)
                )
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = SharedClientRedisCacheClient
