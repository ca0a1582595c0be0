"""Every number the facts give equals the list behind it and a count by hand, for
every metric; scope, days, spend spreading and refresh behave."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from lenddesk.analytics.facts import drill_url, fact_totals, freshness
from lenddesk.analytics.metrics import METRIC_CODES
from lenddesk.analytics.models import DailyFact, FactRefresh
from lenddesk.analytics.refresh import refresh_facts
from lenddesk.analytics.refresh.sources import ZONE, spread
from lenddesk.customers.models import FollowUp
from lenddesk.tenancy.context import tenant_context
from tests.analytics.conftest import EXPECTED
from tests.conftest import force_session

pytestmark = pytest.mark.django_db
ONE_DAY = dt.timedelta(days=1)


def total(actor, metric, w, **kw):
    with tenant_context(w["tenant"]):
        rows = fact_totals(
            actor, metrics=[metric], date_from=w["first"], date_to=w["last"], **kw
        )
    assert len(rows) <= 1
    return (rows[0]["n"], rows[0]["amount"]) if rows else (0, Decimal("0.00"))


def drill_count(client, user, metric, w, **kw):
    force_session(client, user)
    with tenant_context(w["tenant"]):
        url = drill_url(metric, date_from=w["first"], date_to=w["last"], **kw)
    page = client.get(url)
    assert page.status_code == 200, url
    html = page.content.decode()
    count = int(html.split('data-count="')[1].split('"')[0])
    amount = None
    if 'data-amount="' in html:
        amount = Decimal(html.split('data-amount="')[1].split('"')[0])
    return count, amount


def test_each_number_is_its_list_and_the_hand_count(facts, client):
    w = facts
    seen = {}
    for metric in METRIC_CODES:
        n, amount = total(w["gm"], metric, w)
        count, listed = drill_count(client, w["gm"], metric, w)
        seen[metric] = (n, count, amount if listed is not None else None, listed)
    want = {
        m: (n, n, amount, amount) if amount is not None else (n, n, None, None)
        for m, (n, amount) in EXPECTED.items()
    }
    assert seen == want


def test_a_salesperson_counts_only_their_own(facts, client):
    w = facts
    assert total(w["s1"], "followups", w)[0] == 2
    assert drill_count(client, w["s1"], "followups", w)[0] == 2
    # c1 and the approved order's customer; not the pool's, not colleagues'
    assert total(w["s1"], "new_customers", w)[0] == 2
    assert total(w["s1"], "followups", w, user_id=w["s3"].pk)[0] == 0
    assert drill_count(client, w["s1"], "followups", w, user_id=w["s3"].pk)[0] == 0


def test_a_team_lead_counts_their_department_and_below(facts, client):
    w = facts
    lead = w["lead1"]
    assert total(lead, "followups", w)[0] == 3  # s1 2 + s2 (sub-team) 1, not s3
    assert drill_count(client, lead, "followups", w)[0] == 3
    # rows of nobody (pool customers, spend) are the firm's, not the team's
    assert total(lead, "new_customers", w)[0] == 2 + 1
    assert drill_count(client, lead, "new_customers", w)[0] == 3
    assert total(lead, "pool_returns", w)[0] == 1  # s2 released c5 by hand
    assert total(lead, "spend", w)[0] == 0


def test_department_filter_includes_sub_departments(facts, client):
    w = facts
    one, sub = w["one"].pk, w["sub"].pk
    assert total(w["gm"], "followups", w, department_id=one)[0] == 3
    assert total(w["gm"], "followups", w, department_id=sub)[0] == 1
    assert drill_count(client, w["gm"], "followups", w, department_id=one)[0] == 3
    assert drill_count(client, w["gm"], "followups", w, department_id=sub)[0] == 1


def test_channel_and_funder_filters_match_the_list(facts, client):
    w = facts
    assert total(w["gm"], "new_customers", w, channel="抖音")[0] == 4
    assert drill_count(client, w["gm"], "new_customers", w, channel="抖音")[0] == 4
    assert total(w["gm"], "new_customers", w, channel="")[0] == 1  # c5
    # metrics without a channel hold "": a channel filter finds nothing there
    assert total(w["gm"], "followups", w, channel="抖音")[0] == 0
    assert drill_count(client, w["gm"], "followups", w, channel="抖音")[0] == 0
    with tenant_context(w["tenant"]):
        by_funder = fact_totals(
            w["gm"],
            metrics=["submissions"],
            date_from=w["first"],
            date_to=w["last"],
            by=("funder", "product"),
        )
    funder = w["product"].funder_id
    assert by_funder == [
        {
            "funder_id": funder,
            "product_id": w["product"].pk,
            "metric": "submissions",
            "n": 2,
            "amount": Decimal("0.00"),
        }
    ]
    assert drill_count(client, w["gm"], "submissions", w, funder_id=funder)[0] == 2


def test_grouping_keys_and_ad_accounts(facts):
    w = facts
    with tenant_context(w["tenant"]):
        rows = fact_totals(
            w["gm"],
            metrics=["new_customers", "spend"],
            date_from=w["first"],
            date_to=w["last"],
            by=("month", "channel", "ad_account"),
        )
    ad1: dict = {}
    for r in rows:
        if r["ad_account_id"] == w["ad1"].pk:
            ad1[r["metric"]] = ad1.get(r["metric"], 0) + r["n"]
    assert ad1 == {"new_customers": 1, "spend": 3}
    assert all(r["month"].day == 1 for r in rows)
    assert {r["channel"] for r in rows} == {"抖音", "百度", ""}
    with pytest.raises(ValueError):
        fact_totals(w["gm"], metrics=["nope"], date_from=w["first"], date_to=w["last"])


def test_another_firm_sees_only_its_own(facts):
    w = facts
    other = w["other"]
    with tenant_context(other):
        refresh_facts(w["first"], w["last"])
        from lenddesk.accounts.models import User

        admin_b = User.objects.get(username="admin")
        rows = fact_totals(
            admin_b, metrics=METRIC_CODES, date_from=w["first"], date_to=w["last"]
        )
    assert {(r["metric"], r["n"]) for r in rows} == {
        ("new_customers", 1),
        ("followups", 1),
    }
    assert total(w["gm"], "followups", w)[0] == 5  # firm A unchanged


def test_spend_is_spread_evenly_and_sums_exactly(facts):
    w = facts
    day = dt.date(2026, 1, 30)
    parts = list(spread(Decimal("100.00"), day, day + dt.timedelta(days=2)))
    assert [a for _d, a in parts] == [
        Decimal("33.33"),
        Decimal("33.33"),
        Decimal("33.34"),
    ]
    assert [d for d, _a in parts][-1] == dt.date(2026, 2, 1)
    assert sum(a for _d, a in spread(Decimal("0.05"), day, day + dt.timedelta(6))) == (
        Decimal("0.05")
    )
    start = timezone.localdate() - dt.timedelta(days=2)
    with tenant_context(w["tenant"]):
        days = fact_totals(
            w["gm"], metrics=["spend"], date_from=start, date_to=start, by=("day",)
        )
    assert days == [
        {"day": start, "metric": "spend", "n": 1, "amount": Decimal("333.33")}
    ]


def test_refresh_is_idempotent_and_logged(facts):
    w = facts
    with tenant_context(w["tenant"]):
        before = fact_totals(
            w["gm"], metrics=METRIC_CODES, date_from=w["first"], date_to=w["last"]
        )
        rows = DailyFact.objects.count()
        written = refresh_facts(w["first"], w["last"])
        assert written == rows == DailyFact.objects.count()
        after = fact_totals(
            w["gm"], metrics=METRIC_CODES, date_from=w["first"], date_to=w["last"]
        )
        latest = FactRefresh.objects.order_by("-refreshed_at", "-id").first()
        assert latest.rows == written and latest.date_to == w["last"]
        assert freshness() == latest.refreshed_at
    assert before == after


def test_refreshing_some_days_leaves_the_others(facts):
    w = facts
    today = timezone.localdate()
    yesterday = today - dt.timedelta(days=1)
    with tenant_context(w["tenant"]):
        # a follow-up moved to yesterday after the facts were made
        moved = FollowUp.objects.filter(author=w["s3"]).first()
        FollowUp.objects.filter(pk=moved.pk).update(
            created_at=dt.datetime.combine(yesterday, dt.time(23, 59), tzinfo=ZONE)
        )
        disbursed = DailyFact.objects.filter(metric="disbursed").get()
        refresh_facts(today, today)  # yesterday's facts are not rebuilt
        assert DailyFact.objects.filter(pk=disbursed.pk).exists()
    assert total(w["gm"], "followups", w)[0] == 4  # today's lost it, yesterday not yet
    with tenant_context(w["tenant"]):
        refresh_facts(yesterday, yesterday)
        late = dt.datetime.combine(today, dt.time(0, 0), tzinfo=ZONE)
        FollowUp.objects.filter(pk=moved.pk).update(created_at=late)
        refresh_facts(yesterday, today)
        day = fact_totals(
            w["gm"], metrics=["followups"], date_from=today, date_to=today, by=("day",)
        )
        start = dt.datetime.combine(today, dt.time(0, 0), tzinfo=ZONE)
        by_hand = FollowUp.objects.filter(
            is_system=False, created_at__gte=start, created_at__lt=start + ONE_DAY
        ).count()
    assert total(w["gm"], "followups", w)[0] == 5
    # 00:00 Beijing (16:00 UTC the day before) belongs to the new day
    assert sum(r["n"] for r in day) == by_hand >= 1


def test_freshness_and_drill_address(facts):
    w = facts
    with tenant_context(w["other"]):
        FactRefresh.objects.all().delete()
        assert freshness() is None
    with tenant_context(w["tenant"]):
        url = drill_url(
            "fees",
            date_from=dt.date(2026, 3, 1),
            date_to=dt.date(2026, 3, 31),
            user_id=7,
            channel="抖音",
        )
        assert freshness() is not None
    assert url.startswith("/analytics/drill/fees/?from=2026-03-01&to=2026-03-31")
    assert "user=7" in url and "channel=%E6%8A%96%E9%9F%B3" in url
