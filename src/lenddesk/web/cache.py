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

from lenddesk.web import counters


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


def _redis():
    """The default cache when it is Redis, else None (counters then live in the
    database: ``web.counters``)."""
    from django.core.cache import caches

    cache = caches["default"]  # the backend itself, not the module-level proxy
    return cache if isinstance(cache, RedisCache) else None


def count_hit(name: str, ttl: int) -> int:
    """Add one to a counter that ends ``ttl`` seconds after it was started, and return
    it. Atomic on every backend: one script call on Redis (INCR, EXPIRE NX), one
    upsert in the database otherwise. Every rate limit and lockout counts here."""
    if _redis() is None:
        return counters.db_count_hit(name, ttl)
    return read_count_take([], name, ttl, [])[1]


def hit_counts(names: list[str]) -> dict[str, int]:
    """The running counts of ``names`` without adding to them (0 when not running)."""
    cache = _redis()
    if cache is None:
        return counters.db_hit_counts(names)
    found = cache.get_many(names)
    return {name: int(found.get(name) or 0) for name in names}


def seconds_left(name: str) -> int:
    """Seconds until the counter ``name`` ends (0 when it is not running)."""
    cache = _redis()
    if cache is None:
        return counters.db_seconds_left(name)
    key = cache.make_and_validate_key(name)
    return max(0, int(cache._cache.get_client(key).ttl(key)))


def forget_count(name: str) -> None:
    """End the counter ``name`` now (a success resets a failure count)."""
    cache = _redis()
    if cache is None:
        counters.db_forget(name)
    else:
        cache.delete(name)


def read_count_take(
    reads: list[str], counter: str, ttl: int, flags: list[tuple[str, int]]
) -> tuple[list, int, list[bool]]:
    """In one round trip on Redis: read ``reads``, add one to ``counter`` (made with a
    ``ttl``) and take each of ``flags`` — (name, seconds) — that nobody holds.
    Returns the values read (None where missing), the count, and for each flag
    whether this call took it."""
    cache = _redis()
    if cache is None:
        from django.core.cache import caches

        other = caches["default"]
        found = other.get_many(reads)
        took = [other.add(name, 1, seconds) for name, seconds in flags]
        count = counters.db_count_hit(counter, ttl)
        return [found.get(name) for name in reads], count, took
    key = cache.make_and_validate_key(counter)
    client = cache._cache.get_client(key, write=True)
    keys = [cache.make_and_validate_key(name) for name in [*reads, counter]]
    keys += [cache.make_and_validate_key(name) for name, _seconds in flags]
    args = [len(reads), ttl, *(seconds for _name, seconds in flags)]
    answer = _script(client)(keys=keys, args=args)
    found, count, took = (
        answer[: len(reads)],
        answer[len(reads)],
        answer[len(reads) + 1 :],
    )
    loads = cache._cache._serializer.loads
    values = [None if raw is None else loads(raw) for raw in found]
    return values, int(count), [bool(t) for t in took]


# read_count_take as one command: a pipeline of five cost redis-py three times the
# packing and parsing of one script call (EVALSHA; the script is sent once).
_READ_COUNT_TAKE = """
local reads = tonumber(ARGV[1])
local answer = {}
for i = 1, reads do answer[i] = redis.call('GET', KEYS[i]) end
local counter = KEYS[reads + 1]
answer[reads + 1] = redis.call('INCR', counter)
redis.call('EXPIRE', counter, ARGV[2], 'NX')
for i = reads + 2, #KEYS do
    answer[i] = 0
    if redis.call('SET', KEYS[i], 1, 'EX', ARGV[i - reads + 1], 'NX') then
        answer[i] = 1
    end
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
    cache = _redis()
    if cache is None:
        from django.core.cache import caches

        counters.db_give_back(counter)
        if flag is not None:
            caches["default"].delete(flag)
        return
    key = cache.make_and_validate_key(counter)
    pipe = cache._cache.get_client(key, write=True).pipeline(transaction=False)
    pipe.decr(key)
    pipe.expire(key, ttl, nx=True)  # never a counter without an end
    if flag is not None:
        pipe.delete(cache.make_and_validate_key(flag))
    pipe.execute()
