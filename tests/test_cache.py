"""The Redis cache backend used in production (the test settings use local memory)."""

import os
import threading
import uuid

from lenddesk.web.cache import RedisCache

REDIS = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"


def _cache():
    return RedisCache(REDIS, {"KEY_PREFIX": "test-%s" % uuid.uuid4().hex})


def test_the_cache_works_and_reuses_one_client():
    cache = _cache()
    assert cache.add("rate", 0, 30) is True
    assert cache.add("rate", 5, 30) is False  # already there
    assert cache.incr("rate") == 1
    cache.set("flag", {"firm": 7}, 30)
    assert cache.get("flag") == {"firm": 7}
    cache.delete("flag")
    assert cache.get("flag") is None
    assert cache._cache.get_client(write=True) is cache._cache.get_client(write=True)


def test_threads_share_the_client_without_losing_counts():
    cache = _cache()
    cache.set("hits", 0, 30)

    def hit():
        for _ in range(50):
            cache.incr("hits")

    threads = [threading.Thread(target=hit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert cache.get("hits") == 400
    cache.delete("hits")


def test_a_hit_counter_counts_in_one_window(settings):
    from django.core.cache import caches

    from lenddesk.web.cache import count_hit

    settings.CACHES = {
        "default": {
            "BACKEND": "lenddesk.web.cache.RedisCache",
            "LOCATION": REDIS,
            "KEY_PREFIX": "test-%s" % uuid.uuid4().hex,
        }
    }
    name = "rate-%s" % uuid.uuid4().hex
    assert [count_hit(name, 30) for _ in range(3)] == [1, 2, 3]
    backend = caches["default"]
    assert isinstance(backend, RedisCache)
    client = backend._cache.get_client(write=True)
    assert 0 < client.ttl(backend.make_and_validate_key(name)) <= 30
    backend.delete(name)


def test_a_hit_counter_on_another_backend(db):
    from lenddesk.web.cache import count_hit

    name = "rate-%s" % uuid.uuid4().hex
    assert [count_hit(name, 30) for _ in range(3)] == [1, 2, 3]
