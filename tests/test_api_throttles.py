"""API rate limits count with the atomic counter: exactly the limit gets through, and
the refusal says how long to wait."""

import datetime as dt
import threading

import pytest
import time_machine
from django.core.management import call_command
from django.db import connections
from django.test import Client
from django.utils import timezone


def _token(tenant, username="nobody"):
    return Client().post(
        "/api/v1/auth/token",
        {"tenant": tenant.slug, "username": username, "password": "wrong"},
        content_type="application/json",
    )


def test_exactly_the_token_limit_gets_through_for_the_whole_minute(tenant_a, settings):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    assert rates["token"] == "20/min"
    start = timezone.now().replace(second=0, microsecond=0)
    with time_machine.travel(start, tick=False) as clock:
        statuses = [_token(tenant_a, "user%d" % n).status_code for n in range(25)]
        assert sum(1 for s in statuses if s != 429) == 20
        clock.move_to(start + dt.timedelta(seconds=50))
        refused = _token(tenant_a)
        assert refused.status_code == 429
        assert refused.json()["error"] == "throttled"
        assert 1 <= int(refused["Retry-After"]) <= 10
        clock.move_to(start + dt.timedelta(seconds=61))
        assert _token(tenant_a).status_code != 429


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_token_requests_never_pass_the_limit(tenant_a, settings):
    """Thirty requests at once from one address, on the embedded default's database
    cache: twenty get through, never more (the list-of-times throttle let parallel
    requests read the same list and each add itself)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "lenddesk_cache",
        }
    }
    call_command("createcachetable", verbosity=0)
    barrier = threading.Barrier(30)
    statuses: list[int] = []
    lock = threading.Lock()

    def attempt(n: int) -> None:
        try:
            barrier.wait()
            status = _token(tenant_a, "racer%d" % n).status_code
            with lock:
                statuses.append(status)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(statuses) == 30
    assert sum(1 for s in statuses if s != 429) == 20
