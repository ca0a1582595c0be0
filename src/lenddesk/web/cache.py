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


def count_hit(name: str, ttl: int) -> int:
    """Add one to a counter that expires ``ttl`` seconds after it was made, and return
    it: one round trip on Redis (INCR and EXPIRE NX in a pipeline), add-then-incr on
    the other backends."""
    from django.core.cache import caches

    cache = caches["default"]  # the backend itself, not the module-level proxy
    if isinstance(cache, RedisCache):
        key = cache.make_and_validate_key(name)
        pipe = cache._cache.get_client(key, write=True).pipeline(transaction=False)
        pipe.incr(key)
        pipe.expire(key, ttl, nx=True)
        count, _expiry_set = pipe.execute()
        return int(count)
    cache.add(name, 0, ttl)
    try:
        return cache.incr(name)
    except ValueError:  # expired between add and incr
        cache.set(name, 1, ttl)
        return 1
