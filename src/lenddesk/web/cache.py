"""Django's Redis cache backend, with one Redis client per connection pool.

Django builds a new ``redis.Redis`` object for every cache call, and each one sets up
its ~170 response callbacks: about a tenth of a millisecond, paid two or three times
on every intake delivery and API request (rate limits, idempotency, the drain flag).
A client is safe to share between threads (it takes a connection from its pool per
command), so one per pool does.
"""

from __future__ import annotations

import contextlib
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
    return read_count_take([], name, ttl, None)[1]


def read_count_take(
    reads: list[str], counter: str, ttl: int, flag: tuple[str, int] | None
) -> tuple[list, int, bool]:
    """In one round trip on Redis: read ``reads``, add one to ``counter`` (made with a
    ``ttl``) and, given ``flag`` as (name, seconds), take it if nobody holds it.
    Returns the values read (None where missing), the count, and whether this call
    took the flag."""
    from django.core.cache import caches

    cache = caches["default"]  # the backend itself, not the module-level proxy
    if not isinstance(cache, RedisCache):
        found = cache.get_many(reads)
        took = flag is not None and cache.add(flag[0], 1, flag[1])
        cache.add(counter, 0, ttl)
        try:
            count = cache.incr(counter)
        except ValueError:  # expired between add and incr
            cache.set(counter, 1, ttl)
            count = 1
        return [found.get(name) for name in reads], count, took
    key = cache.make_and_validate_key(counter)
    client = cache._cache.get_client(key, write=True)
    keys = [cache.make_and_validate_key(name) for name in reads] + [key]
    args = [len(reads), ttl, 0]
    if flag is not None:
        keys.append(cache.make_and_validate_key(flag[0]))
        args[2] = flag[1]
    *found, count, took = _script(client)(keys=keys, args=args)
    loads = cache._cache._serializer.loads
    return [None if raw is None else loads(raw) for raw in found], int(count), took == 1


# read_count_take as one command: a pipeline of five cost redis-py three times the
# packing and parsing of one script call (EVALSHA; the script is sent once).
_READ_COUNT_TAKE = """
local reads = tonumber(ARGV[1])
local answer = {}
for i = 1, reads do answer[i] = redis.call('GET', KEYS[i]) end
local counter = KEYS[reads + 1]
answer[reads + 1] = redis.call('INCR', counter)
redis.call('EXPIRE', counter, ARGV[2], 'NX')
answer[reads + 2] = 0
if tonumber(ARGV[3]) > 0 and redis.call('SET', KEYS[reads + 2], 1, 'EX', ARGV[3], 'NX') then
    answer[reads + 2] = 1
end
return answer
"""
_scripts: dict[int, object] = {}


def _script(client):
    script = _scripts.get(id(client))
    if script is None:
        script = _scripts.setdefault(
            id(client), client.register_script(_READ_COUNT_TAKE)
        )
    return script


def give_back(counter: str, ttl: int, flag: str | None) -> None:
    """Undo ``read_count_take`` for a request refused after it: one off the counter
    and, when it took it, the flag let go (one round trip on Redis)."""
    from django.core.cache import caches

    cache = caches["default"]
    if not isinstance(cache, RedisCache):
        with contextlib.suppress(ValueError):
            cache.decr(counter)
        if flag is not None:
            cache.delete(flag)
        return
    key = cache.make_and_validate_key(counter)
    pipe = cache._cache.get_client(key, write=True).pipeline(transaction=False)
    pipe.decr(key)
    pipe.expire(key, ttl, nx=True)  # never a counter without an end
    if flag is not None:
        pipe.delete(cache.make_and_validate_key(flag))
    pipe.execute()
