"""Every rate limit and lockout counts through ``web.cache.count_hit``: atomic under
concurrency and holding for its whole window, in the database (SQLite, PostgreSQL)
and on Redis alike (issue 13, finding 3)."""

import datetime as dt
import os
import threading
import uuid

import pytest
import time_machine
from django.core.cache import caches
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, close_old_connections, connection, connections
from django.utils import timezone

from lenddesk.celery import app
from lenddesk.web.cache import (
    count_hit,
    forget_count,
    give_back,
    hit_counts,
    read_count_take,
    seconds_left,
)
from lenddesk.web.models import Counter
from lenddesk.web.tasks import purge_counters

REDIS_URL = os.environ.get("REDIS_URL", "")
THREADS = 36
LIMIT = 20
HOUR = 3600

# The embedded default (no REDIS_URL) caches in the database; the test profile in
# local memory; production in Redis (when this run has one).
CACHES = {
    "database": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "lenddesk_cache",
    },
    "locmem": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
}
if REDIS_URL:
    CACHES["redis"] = {
        "BACKEND": "lenddesk.web.cache.RedisCache",
        "LOCATION": REDIS_URL.rsplit("/", 1)[0] + "/15",
        "KEY_PREFIX": "test-%s" % uuid.uuid4().hex,
    }


@pytest.fixture(params=sorted(CACHES))
def backend(request, settings):
    settings.CACHES = {"default": CACHES[request.param]}
    if request.param == "database":
        call_command("createcachetable", verbosity=0)
    return "redis" if request.param == "redis" else "database"


def _name() -> str:
    return "test-rate:%s" % uuid.uuid4().hex


def _shared_connection():
    """An in-memory SQLite test database is reachable only through one connection
    (other connections get "table is locked", not a wait): the threads share it, as
    Django's live server does. Everywhere else each thread has its own."""
    current = connections[DEFAULT_DB_ALIAS]
    if current.vendor == "sqlite" and current.is_in_memory_db():
        return current
    return None


def _race(name: str) -> list[int]:
    """THREADS requests count one hit each at the same moment; returns the counts
    they saw."""
    barrier = threading.Barrier(THREADS)
    seen: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    shared = _shared_connection()

    def hit():
        if shared is not None:
            connections[DEFAULT_DB_ALIAS] = shared
        else:
            close_old_connections()
        try:
            barrier.wait(timeout=30)
            count = count_hit(name, HOUR)
            with lock:
                seen.append(count)
        except BaseException as exc:
            errors.append(exc)
        finally:
            if shared is None:
                connection.close()

    threads = [threading.Thread(target=hit) for _ in range(THREADS)]
    if shared is not None:
        shared.inc_thread_sharing()
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        if shared is not None:
            shared.dec_thread_sharing()
    assert not errors, errors
    return seen


@pytest.mark.django_db(transaction=True)
def test_concurrent_hits_allow_exactly_the_limit(backend):
    name = _name()
    seen = _race(name)
    assert sorted(seen) == list(range(1, THREADS + 1))
    assert sum(1 for count in seen if count <= LIMIT) == LIMIT
    assert hit_counts([name]) == {name: THREADS}


@pytest.fixture(params=sorted(set(CACHES) - {"redis"}))
def app_clock_backend(request, settings):
    """The backends whose windows follow the application's clock (Redis keeps its
    own; its TTL is checked below)."""
    settings.CACHES = {"default": CACHES[request.param]}
    if request.param == "database":
        call_command("createcachetable", verbosity=0)
    return request.param


@pytest.mark.django_db
def test_the_window_holds_past_five_minutes_and_ends_on_time(app_clock_backend):
    name = _name()
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        assert [count_hit(name, HOUR) for _ in range(LIMIT)] == list(
            range(1, LIMIT + 1)
        )
        clock.move_to(start + dt.timedelta(minutes=6))
        assert count_hit(name, HOUR) == LIMIT + 1  # still counted: not reset
        assert hit_counts([name]) == {name: LIMIT + 1}
        assert 53 * 60 <= seconds_left(name) <= 54 * 60
        clock.move_to(start + dt.timedelta(minutes=59, seconds=59))
        assert count_hit(name, HOUR) == LIMIT + 2
        clock.move_to(start + dt.timedelta(hours=1, seconds=1))
        assert hit_counts([name]) == {name: 0}
        assert seconds_left(name) == 0
        assert count_hit(name, HOUR) == 1  # a new window
        assert 3599 <= seconds_left(name) <= HOUR


@pytest.mark.redis
@pytest.mark.django_db
def test_redis_counters_keep_their_whole_window(settings):
    settings.CACHES = {"default": CACHES["redis"]}
    name = _name()
    assert [count_hit(name, HOUR) for _ in range(3)] == [1, 2, 3]
    assert HOUR - 5 <= seconds_left(name) <= HOUR
    give_back(name, HOUR, None)
    assert hit_counts([name]) == {name: 2}
    forget_count(name)
    assert hit_counts([name]) == {name: 0}


@pytest.mark.django_db
def test_give_back_and_forget_in_the_database(backend):
    name = _name()
    assert count_hit(name, 60) == 1
    assert count_hit(name, 60) == 2
    give_back(name, 60, None)
    assert hit_counts([name]) == {name: 1}
    forget_count(name)
    assert hit_counts([name]) == {name: 0}
    assert count_hit(name, 60) == 1


@pytest.mark.django_db
def test_read_count_take_counts_in_the_database_and_takes_flags_once(backend):
    name, flag = _name(), _name()
    caches["default"].set("read-me", "value", 60)
    values, count, took = read_count_take(["read-me"], name, 60, [(flag, 60)])
    assert (values, count, took) == (["value"], 1, [True])
    values, count, took = read_count_take(["read-me"], name, 60, [(flag, 60)])
    assert (count, took) == (2, [False])
    if backend == "database":
        assert Counter.objects.get(key=name).count == 2
    caches["default"].delete("read-me")


@pytest.mark.django_db
def test_long_names_are_counted_under_a_digest():
    name = "x" * 500
    assert count_hit(name, 60) == 1
    assert count_hit(name, 60) == 2
    assert hit_counts([name]) == {name: 2}
    assert not Counter.objects.filter(key=name).exists()


@pytest.mark.django_db
def test_expired_counters_are_purged_hourly():
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        count_hit("short", 60)
        count_hit("long", HOUR)
        clock.move_to(start + dt.timedelta(minutes=2))
        assert purge_counters.delay().get() == 1
    assert list(Counter.objects.values_list("key", flat=True)) == ["long"]
    entry = app.conf.beat_schedule["purge-expired-counters"]
    assert (entry["task"], entry["schedule"]) == ("web.purge_counters", 3600)


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_app_role_counts_without_a_tenant_and_the_table_has_no_policy():
    from django.conf import settings
    from django.db import transaction

    from lenddesk.tenancy.rls import tenant_tables

    assert Counter._meta.db_table not in tenant_tables()
    name = _name()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SET LOCAL ROLE %s" % connection.ops.quote_name(settings.DB_APP_ROLE)
        )
        cursor.execute("SELECT set_config('app.tenant_id', '', true)")
        assert [count_hit(name, 60) for _ in range(2)] == [1, 2]
        forget_count(name)
        cursor.execute(
            "SELECT relrowsecurity FROM pg_class WHERE relname = %s",
            [Counter._meta.db_table],
        )
        assert cursor.fetchone() == (False,)
        cursor.execute("RESET ROLE")
