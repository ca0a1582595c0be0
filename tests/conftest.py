import os
import time

import pytest
from django.db import connection

from lenddesk.accounts.middleware import AUTH_TIME, LAST_SEEN
from lenddesk.tenancy.context import tenant_context
from lenddesk.tenancy.session import SESSION_TENANT
from tests.factories import PASSWORD, make_operator, make_tenant, make_user

IN_CI = os.environ.get("CI", "").lower() == "true"


def pytest_collection_modifyitems(config, items):
    """Tests for one database or for Redis are deselected (not skipped) where that is
    not what this run has; CI runs the suite on PostgreSQL with Redis and on SQLite
    without, so each test runs at least once."""
    absent = {"redis"} if not os.environ.get("REDIS_URL") else set()
    absent.add("sqlite" if connection.vendor == "postgresql" else "postgres")
    keep = [item for item in items if not absent & set(item.keywords)]
    dropped = [item for item in items if absent & set(item.keywords)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


@pytest.fixture
def tenant_a(db):
    return make_tenant(slug="firm-a", name="甲公司")


@pytest.fixture
def tenant_b(db):
    return make_tenant(slug="firm-b", name="乙公司")


@pytest.fixture
def admin_a(tenant_a):
    with tenant_context(tenant_a):
        from lenddesk.accounts.models import User

        return User.objects.get(username="admin")


@pytest.fixture
def admin_b(tenant_b):
    with tenant_context(tenant_b):
        from lenddesk.accounts.models import User

        return User.objects.get(username="admin")


@pytest.fixture
def salesperson_a(tenant_a):
    return make_user(tenant_a, "sales1", role_keys=["salesperson"])


@pytest.fixture
def operator(db):
    return make_operator()


def login(client, user, password=PASSWORD):
    """Log in through the real log-in form; fails the test if it is refused."""
    response = client.post(
        "/accounts/login/",
        {"tenant": user.tenant.slug, "username": user.username, "password": password},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return response


def force_session(client, user):
    """A session as the log-in view would create it, without the form."""
    with tenant_context(user.tenant):
        client.force_login(user)
    session = client.session
    session[SESSION_TENANT] = user.tenant_id
    session[AUTH_TIME] = session[LAST_SEEN] = time.time()
    session.save()


@pytest.fixture
def client_admin_a(client, admin_a):
    force_session(client, admin_a)
    return client


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counters and lockouts live in the cache; each test starts clean."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
