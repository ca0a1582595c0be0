"""The customer list a manager works with: the total, sorting with keyset pages,
filters, chosen columns, and bulk actions that report what they did and skipped."""

import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lenddesk.audit.models import AuditAction, AuditEvent
from lenddesk.customers import selectors
from lenddesk.customers.models import Customer, FunnelStage
from lenddesk.customers.selectors import CustomerFilters, order_from
from lenddesk.customers.services import customer_set_locked
from lenddesk.tenancy.context import tenant_context
from tests.conftest import force_session
from tests.customers.conftest import add_customer
from tests.factories import make_user


@pytest.fixture(autouse=True)
def english(client):
    """Messages are asserted in English; the amounts test asks for Chinese."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


ROW = re.compile(r'name="customers" value="(\d+)"')


def _ids(html: str) -> list[int]:
    return [int(pk) for pk in ROW.findall(html)]


def _more(html: str) -> str | None:
    found = re.search(r'id="more-row".*?href="\?([^"]+)"', html, re.S)
    return found.group(1).replace("&amp;", "&") if found else None


def _walk(client, query: str) -> list[int]:
    """Every page of the list through its own "More" links."""
    seen, page = [], client.get("/customers/?" + query).content.decode()
    while True:
        seen += _ids(page)
        following = _more(page)
        if following is None:
            return seen
        page = client.get("/customers/?" + following).content.decode()


def _total(html: str) -> str:
    return re.search(r'data-testid="customer-total">([^<]+)<', html).group(1)


@pytest.fixture
def book(tenant_a, team):
    """60 customers of the lead's team (s1, s2) with amounts, ties and blanks, and
    one of another team (s3)."""
    made = []
    for n in range(60):
        owner = team["s1"] if n % 2 else team["s2"]
        amount = None if n % 7 == 0 else Decimal(10000 * (n % 9 + 1))
        made.append(
            add_customer(
                tenant_a,
                owner,
                owner=owner,
                name="客户%02d" % n,
                demand_amount=amount,
                city="深圳" if n % 3 == 0 else "广州",
                channel="抖音" if n % 4 == 0 else "",
            )
        )
    other = add_customer(tenant_a, team["s3"], owner=team["s3"], name="别组客户")
    return {"mine": made, "other": other}


def test_manager_sorts_filters_bulk_tags_and_sees_the_count(
    client, tenant_a, tenant_b, admin_b, team, book
):
    force_session(client, team["lead1"])
    page = client.get("/customers/").content.decode()
    assert "60" in _total(page)
    assert len(_ids(page)) == 25

    by_amount = _walk(client, "sort=-amount")
    expected = sorted(
        book["mine"],
        key=lambda c: (c.demand_amount is None, -(c.demand_amount or 0), -c.pk),
    )
    assert by_amount == [c.pk for c in expected]

    big = client.get("/customers/?amount_min=5万&city=深圳").content.decode()
    wanted = [
        c for c in book["mine"] if c.city == "深圳" and (c.demand_amount or 0) >= 50000
    ]
    assert str(len(wanted)) in _total(big)
    assert sorted(_ids(big)) == sorted(c.pk for c in wanted)

    fifty = [c.pk for c in book["mine"][:50]]
    with tenant_context(tenant_b):
        foreign = add_customer(tenant_b, admin_b, owner=admin_b, name="外司")
    answer = client.post(
        "/customers/bulk/",
        {
            "action": "tag",
            "tag": "高意向",
            "customers": [*fifty, book["other"].pk, foreign.pk],
            "next": "/customers/?tag=高意向",
        },
        follow=True,
    )
    shown = answer.content.decode()
    assert "50 done, 2 skipped: not in your data scope (2)." in shown
    assert "50" in _total(shown)
    with tenant_context(tenant_a):
        assert Customer.objects.filter(tags__name="高意向").count() == 50
        assert (
            AuditEvent.objects.filter(
                action=AuditAction.CUSTOMER_UPDATED, changes__tags__added="高意向"
            ).count()
            == 50
        )
    again = client.post(
        "/customers/bulk/",
        {"action": "tag", "tag": "高意向", "customers": fifty[:3]},
        follow=True,
    ).content.decode()
    assert "0 done, 3 skipped: already has this tag (3)." in again


@pytest.mark.parametrize(
    "sort", ["amount", "-amount", "next_followup", "last_followup", "created"]
)
def test_every_sort_walks_each_customer_once_in_order(client, tenant_a, team, sort):
    field = selectors.order_from(sort).field
    with tenant_context(tenant_a):
        for n in range(58):
            add_customer(
                tenant_a,
                team["s1"],
                owner=team["s1"],
                name="排序%02d" % n,
                demand_amount=None if n % 5 == 0 else Decimal(1000 * (n % 4)),
            )
        mine = Customer.objects.filter(owner=team["s1"])
        if field != "demand_amount" and field != "pk":
            for n, customer in enumerate(mine.order_by("pk")):
                if n % 6:
                    Customer.objects.filter(pk=customer.pk).update(
                        **{field: customer.created_at.replace(hour=n % 3)}
                    )
        values = dict(mine.values_list("pk", field))
    force_session(client, team["s1"])
    walked = _walk(client, "sort=" + sort)
    down = sort.startswith("-")
    with_value = sorted(
        (pk for pk in values if values[pk] is not None),
        key=lambda pk: (values[pk], pk),
        reverse=down,
    )
    without = sorted((pk for pk in values if values[pk] is None), reverse=down)
    assert walked == with_value + without


def test_malformed_filters_are_named_and_never_fail(client, tenant_a, team, book):
    force_session(client, team["lead1"])
    page = client.get(
        "/customers/",
        {
            "amount_min": "lots",
            "amount_max": "9" * 40,
            "from": "2026-13-45",
            "owner": "9" * 30,
            "stage": "-1",
            "sort": "name; drop table",
            "cursor": "x~y",
            "before": "abc",
            "col": "secret",
            "cols": "1",
        },
    )
    assert page.status_code == 200
    notice = re.search(
        r'data-testid="ignored-filters">(.*?)</div>', page.content.decode()
    )
    for label in ("Amount from", "Amount to", "Created from", "Owner", "Stage"):
        assert label in notice.group(1)
    assert len(_ids(page.content.decode())) == 25
    sorted_page = client.get("/customers/", {"sort": "-amount", "cursor": "1e999~5"})
    assert sorted_page.status_code == 200
    assert selectors.parse_amount("30万") == Decimal(300000)
    assert selectors.parse_amount("1,500,000") == Decimal(1500000)
    assert selectors.parse_amount("-5") is None
    assert selectors.parse_amount("1" * 13) is None


def test_chosen_columns_are_kept_in_a_saved_view(client, tenant_a, team, book):
    force_session(client, team["lead1"])
    query = "cols=1&col=city&col=tags&col=amount&sort=-amount"
    page = client.get("/customers/?" + query).content.decode()
    table = page[page.index('data-testid="customer-table"') :]
    assert ">City<" in table and "Mobile phone" not in table
    assert "↓" in table  # sorted by amount, largest first
    assert "****" not in table  # no phone column
    client.post("/customers/views/", {"name": "大单", "query": query})
    listed = client.get("/customers/").content.decode()
    assert (
        'href="?cols=1&amp;col=city&amp;col=tags&amp;col=amount&amp;sort=-amount"'
        in (listed)
    )


def test_amounts_read_in_wan(client, tenant_a, team):
    add_customer(tenant_a, team["s1"], owner=team["s1"], demand_amount=Decimal(300000))
    add_customer(tenant_a, team["s1"], owner=team["s1"], demand_amount=Decimal(8500))
    force_session(client, team["s1"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    page = client.get("/customers/").content.decode()
    assert ">30万<" in page and ">8,500<" in page and 'title="300,000.00"' in page


def test_bulk_release_stage_and_assign_report_what_was_skipped(
    client, tenant_a, admin_a, team
):
    s1, s2 = team["s1"], team["s2"]
    mine = [add_customer(tenant_a, s1, owner=s1, name="甲%d" % n) for n in range(4)]
    pooled = add_customer(tenant_a, admin_a, name="公海客户")
    with tenant_context(tenant_a):
        customer_set_locked(actor=s1, customer=mine[0], locked=True)
        stage = FunnelStage.objects.order_by("order")[1]
    force_session(client, team["lead1"])
    released = client.post(
        "/customers/bulk/",
        {"action": "release", "customers": [m.pk for m in mine[:3]] + [pooled.pk]},
        follow=True,
    ).content.decode()
    assert "2 done, 2 skipped" in released
    alerts = re.findall(r'role="alert">(.*?)<', released)
    assert "key customer" in alerts[0] and "not in your data scope (1)" in alerts[0]
    staged = client.post(
        "/customers/bulk/",
        {"action": "stage", "stage": stage.pk, "customers": [mine[0].pk, mine[3].pk]},
        follow=True,
    ).content.decode()
    assert "2 done." in staged
    with tenant_context(tenant_a):
        assert Customer.objects.filter(stage=stage).count() == 2
        assert (
            AuditEvent.objects.filter(action=AuditAction.CUSTOMER_RELEASED).count() == 2
        )
        from lenddesk.customers.services import pool_rules

        rules = pool_rules()
        rules.private_cap = 2
        rules.save()
    assigned = client.post(
        "/customers/bulk/",
        {"action": "assign", "owner": s2.pk, "customers": [mine[0].pk, mine[3].pk]},
        follow=True,
    ).content.decode()
    assert "2 done." in assigned
    more = add_customer(tenant_a, s1, owner=s1, name="乙")
    over = client.post(
        "/customers/bulk/",
        {"action": "assign", "owner": s2.pk, "customers": [more.pk, mine[0].pk]},
        follow=True,
    ).content.decode()
    assert "0 done, 2 skipped" in over
    assert "already theirs (1)" in over and "private-pool cap of 2 (1)" in over


def test_salesperson_bulk_is_scoped_and_cannot_assign(client, tenant_a, team):
    s1, s2 = team["s1"], team["s2"]
    mine = add_customer(tenant_a, s1, owner=s1, name="自己的")
    theirs = add_customer(tenant_a, s2, owner=s2, name="同事的")
    force_session(client, s1)
    page = client.get("/customers/").content.decode()
    assert 'value="assign"' not in page and 'value="tag"' in page
    refused = client.post(
        "/customers/bulk/", {"action": "assign", "owner": s1.pk, "customers": [mine.pk]}
    )
    assert refused.status_code == 403
    tagged = client.post(
        "/customers/bulk/",
        {"action": "tag", "tag": "A类", "customers": [mine.pk, theirs.pk]},
        follow=True,
    ).content.decode()
    assert "1 done, 1 skipped: not in your data scope (1)." in tagged
    empty = client.post(
        "/customers/bulk/", {"action": "tag", "tag": "A类"}, follow=True
    ).content.decode()
    assert "Select at least one customer." in empty
    unnamed = client.post(
        "/customers/bulk/",
        {"action": "tag", "tag": " ", "customers": [mine.pk]},
        follow=True,
    ).content.decode()
    assert "Name the tag to add." in unnamed
    huge = client.post(
        "/customers/bulk/",
        {"action": "stage", "stage": "9" * 30, "customers": ["9" * 30]},
        follow=True,
    )
    assert huge.status_code == 200


def test_pool_shows_its_count_and_keeps_the_pool_when_paging(
    client, tenant_a, admin_a, team
):
    for n in range(27):
        add_customer(tenant_a, admin_a, name="池%02d" % n, demand_amount=Decimal(50000))
    force_session(client, team["s1"])
    page = client.get("/customers/pool/").content.decode()
    assert "27" in re.search(r'data-testid="pool-total">([^<]+)<', page).group(1)
    assert ">5万<" in page or ">50,000<" in page
    with tenant_context(tenant_a):
        pool_id = Customer.objects.filter(owner__isnull=True).first().pool_id
    second = client.get("/customers/pool/?pool=%d" % pool_id).content.decode()
    assert "pool=%d" % pool_id in re.search(
        r'card-footer[^>]*>.*?href="([^"]+)"', second, re.S
    ).group(1)


def test_list_query_count_is_pinned(client, tenant_a, team, book):
    """The page's reads of customer data: ids, rows, the capped count, the tag,
    stage and saved-view choices; the tags column adds one (not one per row)."""
    force_session(client, team["lead1"])
    client.get("/customers/")
    for query, expected in (("", 6), ("sort=-amount&cols=1&col=tags&col=amount", 7)):
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/customers/?" + query).status_code == 200
        ours = [q["sql"] for q in queries if '"customers_' in q["sql"]]
        assert len(ours) == expected, [sql[:120] for sql in ours]


def test_count_is_capped(tenant_a, team, monkeypatch):
    add_customer(tenant_a, team["s1"], owner=team["s1"])
    add_customer(tenant_a, team["s1"], owner=team["s1"])
    monkeypatch.setattr(selectors, "COUNT_CAP", 1)
    with tenant_context(tenant_a):
        total = selectors.customer_count(actor=team["s1"], filters=CustomerFilters())
    assert total.count == 1 and total.capped


def test_api_takes_the_new_filters(client, tenant_a, team, book):
    from lenddesk.accounts.services import token_issue

    with tenant_context(tenant_a):
        _token, raw = token_issue(user=team["lead1"])
    listed = client.get(
        "/api/v1/customers/",
        {"city": "深圳", "amount_max": "2万", "channel": "抖音"},
        HTTP_AUTHORIZATION="Bearer " + raw,
    ).json()["results"]
    wanted = {
        c.pk
        for c in book["mine"]
        if c.city == "深圳"
        and c.channel == "抖音"
        and c.demand_amount is not None
        and c.demand_amount <= 20000
    }
    assert {row["id"] for row in listed} == wanted and wanted


def test_order_param_falls_back_to_newest():
    assert order_from("-amount").descending and order_from("-amount").key == "amount"
    assert order_from("--amount") == selectors.NEWEST
    assert order_from(None) == selectors.NEWEST


def test_another_firms_customers_never_count(client, tenant_a, tenant_b, admin_b, team):
    make_user(tenant_b, "sales9")
    add_customer(tenant_b, admin_b, owner=admin_b, name="外司")
    add_customer(tenant_a, team["s1"], owner=team["s1"], name="本司")
    force_session(client, team["s1"])
    page = client.get("/customers/").content.decode()
    assert "本司" in page and "外司" not in page and "1" in _total(page)


@pytest.mark.postgres
def test_a_slow_count_gives_up_and_leaves_the_transaction_usable(
    tenant_a, team, monkeypatch
):
    add_customer(tenant_a, team["s1"], owner=team["s1"])
    monkeypatch.setattr(selectors, "COUNT_BUDGET_MS", 5)
    with tenant_context(tenant_a), connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        before = cursor.fetchone()
        slow = Customer.objects.extra(where=["pg_sleep(0.05) IS NOT NULL"])
        assert selectors._capped_count(slow).known is False
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone() == before
        total = selectors.customer_count(actor=team["s1"], filters=CustomerFilters())
        assert total.known and total.count == 1
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone() == before
