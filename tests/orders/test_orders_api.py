"""The orders API as the mobile app and integrators use it: open, list with filters
and keyset pages, read, change within the locks, move, and the 409 with the order as
it stands when the version is stale."""

import json

from lenddesk.accounts.services import token_issue
from lenddesk.orders.models import Order, OrderMove
from lenddesk.tenancy.context import tenant_context
from tests.customers.conftest import add_customer
from tests.orders.conftest import move, open_order


def _auth(user):
    with tenant_context(user.tenant):
        _token, raw = token_issue(user=user)
    return {"HTTP_AUTHORIZATION": "Bearer " + raw}


def _post(client, url, body, user):
    return client.post(
        url, json.dumps(body), content_type="application/json", **_auth(user)
    )


def _patch(client, url, body, user):
    return client.patch(
        url, json.dumps(body), content_type="application/json", **_auth(user)
    )


def test_open_read_and_list_orders(client, tenant_a, crew, credit):
    s1, p1 = crew["s1"], crew["p1"]
    customer = add_customer(tenant_a, s1, owner=s1)
    body = {
        "customer": customer.pk,
        "products": [credit.pk],
        "amount": "150000.00",
        "term_months": 24,
        "fee_kind": "tiered",
        "fee_tiers": [{"up_to": "100000", "rate": "2"}, {"up_to": None, "rate": "1.5"}],
        "processor": p1.pk,
    }
    response = _post(client, "/api/v1/orders/", body, s1)
    assert response.status_code == 201, response.content
    order = response.json()
    assert order["node"]["key"] == "signing" and order["version"] == 1
    assert order["products"] == [credit.pk] and order["processor"] == p1.pk
    assert order["fee_tiers"][1]["up_to"] is None
    got = client.get("/api/v1/orders/%d/" % order["id"], **_auth(s1))
    assert got.status_code == 200 and got.json()["number"] == order["number"]
    listed = client.get("/api/v1/orders/?customer=%d" % customer.pk, **_auth(s1))
    assert [o["id"] for o in listed.json()["results"]] == [order["id"]]
    assert listed.json()["next_before"] is None
    listed = client.get("/api/v1/orders/?node=documents", **_auth(s1))
    assert listed.json()["results"] == []
    assert (
        client.get("/api/v1/orders/", **_auth(p1)).json()["results"][0]["id"]
        == (order["id"])
    )


def test_bad_input_answers_400_naming_the_field(client, tenant_a, crew, credit):
    s1 = crew["s1"]
    customer = add_customer(tenant_a, s1, owner=s1)
    base = {
        "customer": customer.pk,
        "products": [credit.pk],
        "amount": "1000",
        "term_months": 12,
        "fee_kind": "rate",
        "fee_rate": "2",
    }
    for change, field in (
        ({"amount": "-1"}, "amount"),
        ({"term_months": 0}, "term_months"),
        ({"fee_rate": "101"}, "fee_rate"),
        ({"fee_kind": "fixed"}, "fee_fixed"),
        ({"products": []}, "products"),
        ({"products": [999999]}, "products"),
        ({"customer": 999999}, "customer"),
        ({"processor": 999999}, "processor"),
        (
            {
                "fee_kind": "tiered",
                "fee_tiers": [{"up_to": "5", "rate": "1"}, {"up_to": "4", "rate": "1"}],
            },
            "fee_tiers",
        ),
    ):
        response = _post(client, "/api/v1/orders/", {**base, **change}, s1)
        assert response.status_code == 400, (change, response.content)
        assert field in response.json()["fields"], (change, response.json())
    with tenant_context(tenant_a):
        assert Order.objects.count() == 0


def test_keyset_pages(client, tenant_a, crew, credit):
    s1 = crew["s1"]
    customer = add_customer(tenant_a, s1, owner=s1)
    orders = [
        open_order(tenant_a, s1, product=credit, customer=customer) for _ in range(27)
    ]
    first = client.get("/api/v1/orders/", **_auth(s1)).json()
    assert len(first["results"]) == 25
    assert first["next_before"] == orders[2].pk
    rest = client.get(
        "/api/v1/orders/?before=%d" % first["next_before"], **_auth(s1)
    ).json()
    assert [o["id"] for o in rest["results"]] == [orders[1].pk, orders[0].pk]
    assert rest["next_before"] is None


def test_moves_and_a_stale_version_answers_409_with_the_order(
    client, tenant_a, crew, credit
):
    s1, lead = crew["s1"], crew["lead1"]
    order = open_order(tenant_a, s1, product=credit)
    url = "/api/v1/orders/%d/moves/" % order.pk
    response = _post(
        client, url, {"kind": "forward", "comment": "已签约", "version": 1}, s1
    )
    assert response.status_code == 201, response.content
    assert response.json()["order"]["node"]["key"] == "documents"
    assert response.json()["move"]["version"] == 2
    stale = _post(client, url, {"kind": "forward", "version": 1}, lead)
    assert stale.status_code == 409
    body = stale.json()
    assert body["error"] == "order_conflict"
    assert "s1" in body["detail"]
    assert body["order"]["version"] == 2
    assert body["order"]["node"]["key"] == "documents"
    history = client.get(url, **_auth(s1)).json()["results"]
    assert [m["kind"] for m in history] == ["forward", "open"]
    with tenant_context(tenant_a):
        assert OrderMove.objects.filter(order=order).count() == 2


def test_wrong_role_and_bad_moves_are_400(client, tenant_a, crew, credit):
    s1, p1 = crew["s1"], crew["p1"]
    order = open_order(tenant_a, s1, product=credit, processor=p1)
    url = "/api/v1/orders/%d/moves/" % order.pk
    response = _post(client, url, {"kind": "forward", "version": 1}, p1)
    assert response.status_code == 400
    assert response.json()["error"] == "wrong_role"
    response = _post(client, url, {"kind": "teleport", "version": 1}, s1)
    assert response.status_code == 400 and "kind" in response.json()["fields"]
    response = _post(client, url, {"kind": "forward"}, s1)
    assert response.status_code == 400 and "version" in response.json()["fields"]
    response = _post(client, url, {"kind": "cancel", "version": 1}, s1)
    assert response.status_code == 400 and "comment" in response.json()["fields"]


def test_patch_respects_locks_and_versions(client, tenant_a, crew, credit):
    s1, p1 = crew["s1"], crew["p1"]
    order = open_order(tenant_a, s1, product=credit, processor=p1)
    url = "/api/v1/orders/%d/" % order.pk
    response = _patch(client, url, {"amount": "180000", "version": 1}, s1)
    assert response.status_code == 403  # salespeople do not change orders
    response = _patch(client, url, {"amount": "180000", "version": 1}, p1)
    assert response.status_code == 200, response.content
    assert response.json()["amount"] == "180000.00"
    move(tenant_a, s1, order)
    for _ in range(2):
        move(tenant_a, p1, order)  # → submission
    response = _patch(client, url, {"amount": "190000"}, p1)
    assert response.status_code == 400
    assert response.json()["error"] == "field_locked"
    assert "amount" in response.json()["fields"]
    response = _patch(client, url, {"note": "补充材料", "version": 1}, p1)
    assert response.status_code == 409
    assert response.json()["order"]["version"] == 4
    response = _patch(client, url, {"note": "补充材料", "version": 4}, p1)
    assert response.status_code == 200 and response.json()["note"] == "补充材料"


def test_out_of_scope_and_other_firms_get_404(
    client, tenant_a, tenant_b, admin_b, crew, credit
):
    order = open_order(tenant_a, crew["s1"], product=credit)
    assert (
        client.get("/api/v1/orders/%d/" % order.pk, **_auth(crew["s2"])).status_code
        == 404
    )
    assert (
        client.get("/api/v1/orders/%d/" % order.pk, **_auth(admin_b)).status_code == 404
    )
    response = _post(
        client,
        "/api/v1/orders/%d/moves/" % order.pk,
        {"kind": "forward", "version": 1},
        crew["s2"],
    )
    assert response.status_code == 404


def test_the_schema_documents_the_orders_api(client, tenant_a):
    response = client.get("/api/v1/schema/")
    assert response.status_code == 200
    text = response.content.decode()
    for path in (
        "/api/v1/orders/",
        "/api/v1/orders/{id}/",
        "/api/v1/orders/{id}/moves/",
    ):
        assert path in text


def test_an_amount_too_large_to_round_is_refused_naming_the_field(
    client, tenant_a, crew, credit
):
    customer = add_customer(tenant_a, crew["s1"], owner=crew["s1"])
    body = {
        "customer": customer.pk,
        "products": [credit.pk],
        "amount": "1e400",
        "term_months": 24,
        "fee_kind": "fixed",
        "fee_fixed": "1000",
    }
    response = _post(client, "/api/v1/orders/", body, crew["s1"])
    assert response.status_code == 400, response.content
    assert "amount" in response.json()["fields"]
