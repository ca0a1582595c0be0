"""The demo firm's calling: a pool, a week of calls with recordings, statistics."""

import pytest

from lenddesk.accounts.demo import build as build_accounts
from lenddesk.customers.demo import build as build_customers
from lenddesk.telephony import stats
from lenddesk.telephony.demo import build
from lenddesk.telephony.models import CallerNumber, CallRecord, DoNotCall
from lenddesk.tenancy.context import tenant_context

pytestmark = pytest.mark.django_db


def test_demo_builds_a_week_of_calls(tenant_a, admin_a):
    lines = []
    with tenant_context(tenant_a):
        build_accounts(tenant_a, lines.append)
        build_customers(tenant_a, lines.append)
        build(tenant_a, lines.append)
        assert CallerNumber.objects.count() == 4
        calls = CallRecord.objects.all()
        assert calls.count() >= 20
        assert calls.exclude(recording_name="").exists()
        assert DoNotCall.objects.count() == 1
        days = stats.by_day(admin_a, *stats.period(None, None))
        assert sum(1 for d in days if d.calls) >= 6
        build(tenant_a, lines.append)  # a second run keeps what is there
        assert CallRecord.objects.count() == calls.count()
    assert any(line.startswith("telephony:") for line in lines)
