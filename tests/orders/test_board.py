"""The order pages as a user tries them: the board (columns, counts, keyset "more"),
the lists, the order page with its move form, the progress fragment, opening and
editing an order, and the customer page's slot."""

import re
from decimal import Decimal

import pytest
from django.utils import timezone

from lenddesk.orders.models import Order
from lenddesk.orders.selectors import COLUMN_PAGE
from lenddesk.tenancy.context import tenant_context
from tests.conftest import force_session
from tests.customers.conftest import add_customer
from tests.orders.conftest import move, open_order


def _role_name(tenant, key: str) -> str:
    from lenddesk.accounts.models import Role

    with tenant_context(tenant):
        return Role.objects.get(key=key).name


def _cards(html: str) -> int:
    return html.count('data-testid="board-card"')


def test_board_shows_columns_counts_and_only_what_the_user_sees(
    client, tenant_a, crew, credit
):
    s1, s2 = crew["s1"], crew["s2"]
    mine = open_order(tenant_a, s1, product=credit)
    open_order(tenant_a, s1, product=credit)
    open_order(tenant_a, s2, product=credit)
    move(tenant_a, s1, mine)
    force_session(client, s1)
    response = client.get("/orders/board/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="column-signing"' in html
    assert 'data-testid="column-done"' in html
    assert _cards(html) == 2
    counts = re.findall(r'data-testid="column-count">(\d+)<', html)
    assert sorted(int(c) for c in counts if c != "0") == [1, 1]
    force_session(client, crew["lead1"])
    html = client.get("/orders/board/").content.decode()
    assert _cards(html) == 3


def test_board_columns_page_with_more(client, tenant_a, crew, credit):
    s1 = crew["s1"]
    customer = add_customer(tenant_a, s1, owner=s1)
    orders = [
        open_order(tenant_a, s1, product=credit, customer=customer)
        for _ in range(COLUMN_PAGE + 3)
    ]
    force_session(client, s1)
    html = client.get("/orders/board/").content.decode()
    assert _cards(html) == COLUMN_PAGE
    assert ">%d<" % len(orders) in html  # the column's count is the whole
    more = re.search(r'hx-get="([^"]+)"\s+hx-target="this"', html).group(1)
    more = more.replace("&amp;", "&")
    assert "before=%d" % orders[3].pk in more
    rest = client.get(more, HTTP_HX_REQUEST="true")
    assert rest.status_code == 200
    assert _cards(rest.content.decode()) == 3
    assert "column-more" not in rest.content.decode()


def test_board_queries_do_not_grow_with_orders(
    client, tenant_a, crew, credit, django_assert_max_num_queries
):
    s1 = crew["s1"]
    customer = add_customer(tenant_a, s1, owner=s1)
    for _ in range(COLUMN_PAGE * 2):
        open_order(tenant_a, s1, product=credit, customer=customer)
    force_session(client, crew["gm"])
    with django_assert_max_num_queries(40):
        assert client.get("/orders/board/").status_code == 200


def test_board_filters(client, tenant_a, crew, credit, mortgage):
    s1, s2 = crew["s1"], crew["s2"]
    late = open_order(tenant_a, s1, product=credit)
    open_order(tenant_a, s2, product=credit)
    with tenant_context(tenant_a):
        Order.objects.filter(pk=late.pk).update(is_overdue=True)
    force_session(client, crew["lead1"])
    assert _cards(client.get("/orders/board/?owner=%d" % s2.pk).content.decode()) == 1
    assert _cards(client.get("/orders/board/?overdue=1").content.decode()) == 1
    html = client.get("/orders/board/?product_type=mortgage").content.decode()
    assert _cards(html) == 0
    html = client.get("/orders/board/?owner=abc").content.decode()
    assert 'data-testid="ignored-filters"' in html


def test_list_filters_sorts_counts_and_pages(client, tenant_a, crew, credit):
    s1 = crew["s1"]
    customer = add_customer(tenant_a, s1, owner=s1)
    small = open_order(tenant_a, s1, product=credit, customer=customer, amount="1000")
    big = open_order(tenant_a, s1, product=credit, customer=customer, amount="900000")
    gone = open_order(tenant_a, s1, product=credit, customer=customer)
    move(tenant_a, s1, gone, "cancel", comment="客户放弃")
    force_session(client, s1)
    html = client.get("/orders/").content.decode()
    assert small.number in html and big.number in html and gone.number not in html
    assert 'data-testid="order-total"' in html
    html = client.get("/orders/?status=all&sort=amount_desc").content.decode()
    assert html.index(big.number) < html.index(gone.number) < html.index(small.number)
    html = client.get("/orders/?status=cancelled").content.decode()
    assert gone.number in html and small.number not in html
    cheap = [
        open_order(tenant_a, s1, product=credit, customer=customer, amount=str(n + 2))
        for n in range(26)
    ]
    html = client.get("/orders/?sort=amount_asc").content.decode()
    more = re.search(r'hx-get="\?([^"]+)"', html).group(1).replace("&amp;", "&")
    assert "cursor=" in more
    page2 = client.get("/orders/?" + more, HTTP_HX_REQUEST="true").content.decode()
    assert big.number in page2 and small.number in page2  # 25 cheaper ones first
    assert cheap[0].number + "<" not in page2 and cheap[-1].number in page2


def test_list_by_the_owners_department(client, tenant_a, crew, credit):
    first = open_order(tenant_a, crew["s1"], product=credit)
    second = open_order(tenant_a, crew["s3"], product=credit)
    force_session(client, crew["gm"])
    department = crew["s3"].department_id
    html = client.get("/orders/?department=%d" % department).content.decode()
    assert second.number in html and first.number not in html
    html = client.get("/orders/?department=999999").content.decode()
    assert second.number not in html and first.number not in html


def test_overdue_list(client, tenant_a, crew, credit):
    s1 = crew["s1"]
    late = open_order(tenant_a, s1, product=credit)
    fine = open_order(tenant_a, s1, product=credit)
    with tenant_context(tenant_a):
        Order.objects.filter(pk=late.pk).update(
            is_overdue=True, node_due_at=timezone.now()
        )
    force_session(client, s1)
    html = client.get("/orders/overdue/").content.decode()
    assert late.number in html and fine.number not in html


def test_order_page_shows_terms_progress_history_and_moves(
    client, tenant_a, crew, credit
):
    s1, p1 = crew["s1"], crew["p1"]
    order = open_order(tenant_a, s1, product=credit, processor=p1, fee_rate="2.5")
    force_session(client, s1)
    response = client.get("/orders/%d/" % order.pk)
    assert response.status_code == 200
    html = response.content.decode()
    assert order.number in html
    assert "王五" in html
    assert re.search(r"139\*{4}\d{4}", html)  # the phone masked
    assert 'data-testid="order-steps"' in html
    assert 'data-testid="move-forward"' in html
    assert 'hx-trigger="every 20s"' in html
    assert 'data-testid="order-history"' in html
    assert 'data-testid="required-documents"' in html
    fragment = client.get("/orders/%d/progress/" % order.pk, HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    assert "<html" not in fragment.content.decode()
    assert 'data-state="current"' in fragment.content.decode()


def test_moving_on_the_page_and_the_refusals_shown(client, tenant_a, crew, credit):
    s1, p1 = crew["s1"], crew["p1"]
    order = open_order(tenant_a, s1, product=credit, processor=p1)
    force_session(client, s1)
    url = "/orders/%d/move/" % order.pk
    response = client.post(url, {"kind": "forward", "comment": "已签约", "version": 1})
    assert response.status_code == 302
    assert response["Location"] == "/orders/%d/" % order.pk
    # s1 is not a processor: the page names the role, nothing moves
    response = client.post(url, {"kind": "forward", "version": 2})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="move-errors"' in html and "wrong" not in html
    assert _role_name(tenant_a, "processor") in html
    assert 'data-testid="no-moves"' in html
    force_session(client, p1)
    response = client.post(url, {"kind": "return", "version": 2})
    assert response.status_code == 400
    assert 'data-field="comment"' in response.content.decode()
    # a stale version: the conflict, naming who moved it, and the page as it stands
    response = client.post(url, {"kind": "forward", "version": 1})
    assert response.status_code == 409
    html = response.content.decode()
    assert "s1" in html
    assert 'name="version" value="2"' in html
    with tenant_context(tenant_a):
        order.refresh_from_db()
        assert order.node.key == "documents"


def test_wrong_role_on_the_page_is_shown_on_the_form(client, tenant_a, crew, credit):
    s1, p1 = crew["s1"], crew["p1"]
    order = open_order(tenant_a, s1, product=credit, processor=p1)
    force_session(client, p1)
    response = client.post(
        "/orders/%d/move/" % order.pk, {"kind": "forward", "version": 1}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="move-errors"' in html
    assert _role_name(tenant_a, "salesperson") in html


def test_another_salesperson_gets_404(client, tenant_a, crew, credit):
    order = open_order(tenant_a, crew["s1"], product=credit)
    force_session(client, crew["s2"])
    assert client.get("/orders/%d/" % order.pk).status_code == 404
    assert client.get("/orders/%d/progress/" % order.pk).status_code == 404
    response = client.post("/orders/%d/move/" % order.pk, {"kind": "forward"})
    assert response.status_code == 404


def test_open_an_order_on_the_page(client, tenant_a, crew, credit, mortgage):
    s1, p1 = crew["s1"], crew["p1"]
    customer = add_customer(
        tenant_a, s1, owner=s1, demand_amount=Decimal("300000"), demand_term_months=24
    )
    force_session(client, s1)
    url = "/orders/new/?customer=%d" % customer.pk
    page = client.get(url)
    assert page.status_code == 200
    assert "工薪信用贷" in page.content.decode()
    assert 'value="300000' in page.content.decode()
    data = {
        "main_product": credit.pk,
        "products": [mortgage.pk],
        "amount": "300000",
        "term_months": "24",
        "fee_kind": "tiered",
        "fee_tiers": "200000 2\n1.5",
        "processor": p1.pk,
        "note": "",
        "workflow": "",
    }
    bad = client.post(url, {**data, "amount": "0"})
    assert bad.status_code == 400
    assert 'data-field="amount"' in bad.content.decode()
    bad = client.post(url, {**data, "fee_tiers": "200000 2\n100000 1"})
    assert bad.status_code == 400
    assert "fee_tiers" in bad.content.decode() or "form-errors" in bad.content.decode()
    response = client.post(url, data)
    assert response.status_code == 302
    with tenant_context(tenant_a):
        order = Order.objects.get(customer=customer)
        assert [line.product_id for line in order.lines.order_by("position")] == [
            credit.pk,
            mortgage.pk,
        ]
        assert order.fee_tiers[0]["up_to"] == "200000.00"
        assert order.processor == p1
    assert response["Location"] == "/orders/%d/" % order.pk
    assert client.get("/orders/new/").status_code == 302


def test_a_pool_customer_cannot_be_opened_on_the_page(
    client, tenant_a, admin_a, crew, credit
):
    pooled = add_customer(tenant_a, admin_a, to_pool=True)
    force_session(client, admin_a)
    assert client.get("/orders/new/?customer=%d" % pooled.pk).status_code == 403


def test_edit_page_disables_locked_fields(client, tenant_a, crew, credit):
    s1, p1 = crew["s1"], crew["p1"]
    order = open_order(tenant_a, s1, product=credit, processor=p1)
    force_session(client, crew["lead1"])
    url = "/orders/%d/edit/" % order.pk
    assert client.get(url).status_code == 200
    for _ in range(3):
        move(tenant_a, crew["lead1"], order)  # → submission
    html = client.get(url).content.decode()
    assert re.search(r'name="amount"[^>]*disabled', html, re.S)
    response = client.post(
        url,
        {
            "amount": "1",
            "term_months": "36",
            "fee_kind": "rate",
            "fee_rate": "2",
            "main_product": credit.pk,
            "processor": p1.pk,
            "note": "已提交工行",
        },
    )
    assert response.status_code == 302
    with tenant_context(tenant_a):
        order.refresh_from_db()
        assert order.amount == Decimal("200000.00")  # locked: kept
        assert order.note == "已提交工行"


def test_customer_page_slot_lists_running_orders(client, tenant_a, crew, credit):
    s1 = crew["s1"]
    order = open_order(tenant_a, s1, product=credit)
    force_session(client, s1)
    response = client.get(
        "/orders/customer/%d/" % order.customer_id, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert order.number in html and 'hx-trigger="every 20s"' in html
    force_session(client, crew["s2"])
    assert client.get("/orders/customer/%d/" % order.customer_id).status_code == 404


@pytest.mark.parametrize("user", ["s1", "p1", "gm"])
def test_pages_open_for_each_handler(client, tenant_a, crew, credit, user):
    open_order(tenant_a, crew["s1"], product=credit, processor=crew["p1"])
    force_session(client, crew[user])
    for url in ("/orders/", "/orders/board/", "/orders/overdue/", "/"):
        assert client.get(url).status_code == 200, url


def test_customer_page_has_the_open_order_button_and_the_live_slot(
    client, tenant_a, crew, credit
):
    s1 = crew["s1"]
    customer = add_customer(tenant_a, s1, owner=s1)
    force_session(client, s1)
    html = client.get("/customers/%d/" % customer.pk).content.decode()
    assert 'href="/orders/new/?customer=%d"' % customer.pk in html
    assert 'data-testid="open-order"' in html
    assert 'hx-get="/orders/customer/%d/"' % customer.pk in html
    with tenant_context(tenant_a):
        from lenddesk.customers.services.pool import customer_assign

        customer_assign(actor=None, customers=[customer], owner=crew["lead1"])
    force_session(client, crew["lead1"])
    html = client.get("/customers/%d/" % customer.pk).content.decode()
    assert 'data-testid="open-order"' in html


def test_partner_portal_shows_the_order_step_of_a_referral(
    client, tenant_a, admin_a, crew, credit
):
    from lenddesk.acquisition.services import notice_publish
    from lenddesk.customers.models import Customer
    from lenddesk.customers.services.pool import customer_assign
    from tests.partners.conftest import (
        make_partner,
        partner_phone,
        portal,
        portal_login,
    )

    with tenant_context(tenant_a):
        notice_publish(actor=admin_a, version="2026-01", text="我们处理您的个人信息。")
    phone = partner_phone()
    make_partner(tenant_a, actor=admin_a, phone=phone)
    portal_login(client, tenant_a, phone)
    referred = client.post(
        portal(tenant_a, "refer/"),
        {
            "name": "王小明",
            "phone": "13912340001",
            "city": "成都",
            "amount": "200000",
            "consent": "on",
            "notice_version": "2026-01",
        },
    )
    assert referred.status_code == 302
    page = client.get(portal(tenant_a, "referrals/")).content.decode()
    assert 'data-testid="referral-order-step"' not in page
    with tenant_context(tenant_a):
        customer = Customer.objects.get(name="王小明")
        customer_assign(actor=admin_a, customers=[customer], owner=crew["s1"])
        customer.refresh_from_db()
    order = open_order(
        tenant_a, crew["s1"], product=credit, customer=customer, amount="188888"
    )
    move(tenant_a, crew["s1"], order)
    page = client.get(portal(tenant_a, "referrals/")).content.decode()
    assert 'data-testid="referral-order-step"' in page
    with tenant_context(tenant_a):
        order.refresh_from_db()
        assert order.node.name in page
        assert order.partner_id is not None  # the referral's partner is carried
    assert "188888" not in page and "18.89" not in page and order.number not in page
    assert "王小明" not in page
