"""A firm set up for calling: the simulated provider, calling hours all day, a pool
of two lines, a salesperson (with a phone) who owns a customer."""

import datetime as dt

import pytest

from lenddesk.telephony.providers.simulated import SimulatedProvider
from lenddesk.telephony.services import number_add, settings_update
from lenddesk.tenancy.context import tenant_context
from tests.conftest import force_session
from tests.customers.conftest import add_customer
from tests.factories import make_user

CUSTOMER_PHONE = "13912345678"


@pytest.fixture(autouse=True)
def _no_script():
    SimulatedProvider.scripted.clear()
    yield
    SimulatedProvider.scripted.clear()


def all_day(admin, **more):
    settings_update(
        actor=admin,
        values={"quiet_start": dt.time(0, 0), "quiet_end": dt.time(23, 59, 59), **more},
    )


@pytest.fixture
def firm(tenant_a, admin_a):
    with tenant_context(tenant_a):
        all_day(admin_a)
        lines = [
            number_add(
                actor=admin_a,
                number="02088880001",
                label="线路1",
                daily_cap=100,
                cooldown_seconds=0,
            ),
            number_add(
                actor=admin_a,
                number="02088880002",
                label="线路2",
                daily_cap=100,
                cooldown_seconds=0,
            ),
        ]
    return {"tenant": tenant_a, "admin": admin_a, "lines": lines}


@pytest.fixture
def seller(tenant_a):
    return make_user(tenant_a, "caller1", role_keys=["salesperson"])


@pytest.fixture
def customer(tenant_a, seller):
    return add_customer(
        tenant_a, seller, name="李四", owner=seller, phone=CUSTOMER_PHONE
    )


@pytest.fixture
def seller_client(client, seller):
    force_session(client, seller)
    return client


def script(*results):
    SimulatedProvider.scripted.extend(results)
