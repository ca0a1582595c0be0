"""The jobs and the command that keep the facts fresh, and the demo history."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Min
from django.utils import timezone

from lenddesk.acquisition.models import AdSpend
from lenddesk.analytics import demo
from lenddesk.analytics.facts import fact_totals
from lenddesk.analytics.models import DailyFact, FactRefresh
from lenddesk.analytics.refresh.sources import spread
from lenddesk.analytics.tasks import refresh_nightly_task, refresh_recent_task
from lenddesk.customers.models import Customer, FollowUp
from lenddesk.tenancy.context import tenant_context
from tests.factories import make_tenant

pytestmark = pytest.mark.django_db


def refreshes(tenant):
    with tenant_context(tenant):
        return list(FactRefresh.objects.values_list("date_from", "date_to"))


def test_the_jobs_refresh_firms_with_the_module(world):
    w = world
    without = make_tenant(slug="no-analytics", modules=[])
    today = timezone.localdate()
    assert refresh_recent_task() > 0
    assert refreshes(w["tenant"]) == [(today - dt.timedelta(days=1), today)]
    assert refreshes(w["other"]) == [(today - dt.timedelta(days=1), today)]
    refresh_nightly_task()
    assert (today - dt.timedelta(days=39), today) in refreshes(w["tenant"])
    assert refreshes(without) == []


def test_rebuild_command_prints_progress_and_builds_all_history(world):
    w = world
    out = io.StringIO()
    since = (timezone.localdate() - dt.timedelta(days=70)).isoformat()
    call_command("analytics_rebuild", tenant="facts-a", since=since, stdout=out)
    text = out.getvalue()
    assert text.startswith("facts-a: %s" % since)
    assert text.count(" rows\n") == 3  # 71 days in batches of 31
    with tenant_context(w["tenant"]):
        first = FactRefresh.objects.get()
        assert str(first.date_from) == since and first.rows == DailyFact.objects.count()
        rows = fact_totals(
            w["gm"], metrics=["followups"], date_from=first.date_from, date_to=w["last"]
        )
    assert rows[0]["n"] == 6  # with s1's week-old follow-up


def test_rebuild_command_refuses_bad_arguments(world):
    make_tenant(slug="no-analytics", modules=[])
    for options, named in (
        ({"since": "2026-02-30"}, "--since"),
        ({"since": "2999-01-01"}, "--since"),
        ({"tenant": "nobody"}, "--tenant"),
        ({"tenant": "no-analytics"}, "--tenant"),
    ):
        with pytest.raises(CommandError, match=named):
            call_command("analytics_rebuild", stdout=io.StringIO(), **options)


def test_demo_spreads_three_months_and_spend_adds_up(world):
    w = world
    lines = []
    today = timezone.localdate()
    first = today - dt.timedelta(days=demo.DAYS - 1)
    with tenant_context(w["tenant"]):
        demo.build(w["tenant"], lines.append)
        demo.build(w["tenant"], lines.append)
        oldest = Customer.objects.aggregate(m=Min("created_at"))["m"]
        assert timezone.localdate(oldest) >= first
        assert FollowUp.objects.filter(created_at__date__lt=today).exists()
        spends = list(AdSpend.objects.filter(ad_account=w["ad1"]))
        rows = fact_totals(
            w["gm"], metrics=["spend"], date_from=first, date_to=today, by=("month",)
        )
    assert lines[-1].endswith("(kept)") and "fact rows" in lines[0]
    # every day of the three months has spend, in entries cut at month ends
    assert sum((s.period_end - s.period_start).days + 1 for s in spends) == demo.DAYS
    assert all(s.period_start.month == s.period_end.month for s in spends)
    in_window = sum(
        (a for s in spends for d, a in spread(s.amount, s.period_start, s.period_end)),
        Decimal(0),
    )
    assert sum(r["amount"] for r in rows) == in_window
    assert sum(r["n"] for r in rows) == demo.DAYS
