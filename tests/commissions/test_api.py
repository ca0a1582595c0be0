"""The commissions API: statements with their lines, payout batches made, paid and
downloaded, errors in the one shape naming the field, and the OpenAPI schema."""

import json
from decimal import Decimal

from lenddesk.accounts.services import token_issue
from lenddesk.commissions import services
from lenddesk.commissions.models import PartnerPayee
from lenddesk.tenancy.context import tenant_context
from tests.commissions.conftest import (
    fee_order,
    partner_plan,
    partner_statement,
    pay,
    staff_plan,
    staff_statement,
    this_month,
)
from tests.partners.conftest import make_partner

D = Decimal
API = "/api/v1/commissions/"


def _auth(user):
    with tenant_context(user.tenant):
        _token, raw = token_issue(user=user)
    return {"HTTP_AUTHORIZATION": "Bearer " + raw}


def _post(client, url, body, user):
    return client.post(
        url, json.dumps(body), content_type="application/json", **_auth(user)
    )


def test_staff_statements_list_and_get_with_lines(client, com):
    staff_plan(com)
    receipt = pay(com, fee_order(com, "6000"), "6000")
    statement = staff_statement(com, com["s1"], this_month())
    auth = _auth(com["f1"])
    page = client.get(
        API + "staff-statements/?month=%s" % this_month().strftime("%Y-%m"), **auth
    )
    assert page.status_code == 200
    body = page.json()
    assert body["next_before"] is None
    assert [r["id"] for r in body["results"]] == [statement.pk]
    assert body["results"][0]["amount_total"] == "600.00"
    one = client.get(API + "staff-statements/%d/" % statement.pk, **auth).json()
    assert one["lines"][0]["receipt"] == receipt.pk
    assert one["lines"][0]["amount"] == "600.00"
    assert sum(D(x["amount"]) for x in one["lines"]) == D(one["amount_total"])


def test_bad_month_names_the_field(client, com):
    response = client.get(API + "staff-statements/?month=2026-99", **_auth(com["f1"]))
    assert response.status_code == 400
    assert set(response.json()) == {"error", "detail", "fields"}
    assert "month" in response.json()["fields"]


def test_a_salesperson_cannot_read_another_persons_statement(client, com):
    staff_plan(com)
    pay(com, fee_order(com, "6000", owner=com["s2"]), "6000")
    other = staff_statement(com, com["s2"], this_month())
    response = client.get(API + "staff-statements/%d/" % other.pk, **_auth(com["s1"]))
    assert response.status_code == 404


def test_payout_batch_via_api(client, com):
    partner_plan(com, rates=("30", "0", "0"))
    p = make_partner(com["tenant"], actor=com["admin"], name="甲")
    pay(com, fee_order(com, "100000", partner=p), "100000")
    statement = partner_statement(com, p, this_month())
    with tenant_context(com["tenant"]):
        services.statement_approve(actor=com["f1"], kind="partner", statement=statement)
        services.payee_save(
            actor=com["f1"],
            partner=p,
            legal_name="张甲",
            id_number="11010519491231002X",
            bank_name="招商银行",
            bank_account="6225881234567890",
            plan=None,
        )
    f1 = com["f1"]
    read = client.get(API + "partner-statements/%d/" % statement.pk, **_auth(f1)).json()
    assert (read["gross"], read["tax"], read["net"]) == (
        "30000.00",
        "5200.00",
        "24800.00",
    )
    missing = _post(client, API + "payouts/", {}, f1)
    assert missing.status_code == 400 and "paying_entity" in missing.json()["fields"]
    made = _post(
        client, API + "payouts/", {"paying_entity": statement.paying_entity_id}, f1
    )
    assert made.status_code == 201, made.content
    batch = made.json()
    assert (
        batch["total"] == "24800.00" and batch["items"][0]["statement"] == statement.pk
    )
    again = _post(
        client, API + "payouts/", {"paying_entity": statement.paying_entity_id}, f1
    )
    assert again.status_code == 400 and again.json()["error"] == "nothing_to_pay"
    csv_file = client.get(API + "payouts/%d/file.csv" % batch["id"], **_auth(f1))
    assert "24800.00" in csv_file.content.decode("utf-8-sig")
    no_ref = _post(client, API + "payouts/%d/paid/" % batch["id"], {}, f1)
    assert no_ref.status_code == 400 and "reference" in no_ref.json()["fields"]
    paid = _post(
        client, API + "payouts/%d/paid/" % batch["id"], {"reference": "X1"}, f1
    )
    assert paid.status_code == 200 and paid.json()["status"] == "paid"
    twice = _post(
        client, API + "payouts/%d/paid/" % batch["id"], {"reference": "X1"}, f1
    )
    assert twice.json()["error"] == "already_paid"
    listing = client.get(API + "payouts/", **_auth(f1)).json()
    assert [b["number"] for b in listing["results"]] == [batch["number"]]


def test_payouts_need_the_payout_permission(client, com):
    assert client.get(API + "payouts/", **_auth(com["s1"])).status_code == 403


def test_openapi_documents_the_commissions_api(client, com):
    schema = client.get("/api/v1/schema/?format=json", **_auth(com["admin"])).json()
    operations = {
        op["operationId"]
        for path in schema["paths"].values()
        for op in path.values()
        if isinstance(op, dict) and "operationId" in op
    }
    assert {
        "commissions_staff_statements_list",
        "commissions_staff_statements_get",
        "commissions_partner_statements_get",
        "commissions_payouts_create",
        "commissions_payouts_mark_paid",
    } <= operations
    create = schema["paths"]["/api/v1/commissions/payouts/"]["post"]["responses"]
    assert create["400"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/Error"
    )


def test_payee_keeps_id_encrypted(com):
    p = make_partner(com["tenant"], actor=com["admin"], name="乙")
    with tenant_context(com["tenant"]):
        services.payee_save(
            actor=com["f1"],
            partner=p,
            legal_name="李乙",
            id_number="11010519491231002X",
            bank_name="工商银行",
            bank_account="6212261234567890",
            plan=None,
        )
        payee = PartnerPayee.objects.get(partner=p)
        assert b"11010519491231002X" not in bytes(payee.id_number_cipher)
        assert payee.masked_id == "110105********002X"


def test_partner_statements_follow_the_partners_account_manager(client, com):
    partner_plan(com, rates=("30", "0", "0"))
    mine = make_partner(com["tenant"], actor=com["admin"], manager=com["s1"], name="甲")
    theirs = make_partner(
        com["tenant"], actor=com["admin"], manager=com["s2"], name="乙"
    )
    pay(com, fee_order(com, "10000", partner=mine), "10000")
    pay(com, fee_order(com, "10000", partner=theirs), "10000")
    month = this_month()
    own, other = (
        partner_statement(com, mine, month),
        partner_statement(com, theirs, month),
    )
    auth = _auth(com["s1"])
    listed = client.get(API + "partner-statements/", **auth).json()["results"]
    assert [r["id"] for r in listed] == [own.pk]
    assert (
        client.get(API + "partner-statements/%d/" % own.pk, **auth).status_code == 200
    )
    assert (
        client.get(API + "partner-statements/%d/" % other.pk, **auth).status_code == 404
    )


def test_commissions_are_a_cost_of_their_order(com):
    from lenddesk.commissions.costs import commission_costs

    staff_plan(com)
    partner_plan(com, rates=("30", "0", "0"))
    p = make_partner(com["tenant"], actor=com["admin"], name="丙")
    rec = fee_order(com, "10000", partner=p)
    pay(com, rec, "10000")
    month = this_month()
    with tenant_context(com["tenant"]):
        rows = commission_costs(com["f1"], month, month)
    assert {(r.kind, r.order_id, r.amount) for r in rows} == {
        ("staff_commission", rec.order_id, D("1000.00")),
        ("partner_commission", rec.order_id, D("3000.00")),
    }


def test_approve_a_statement_via_api(client, com):
    staff_plan(com)
    pay(com, fee_order(com, "6000"), "6000")
    statement = staff_statement(com, com["s1"], this_month())
    url = API + "staff-statements/%d/approve/" % statement.pk
    assert _post(client, url, {}, com["s1"]).status_code == 403  # no approve code
    done = _post(client, url, {}, com["f1"])
    assert done.status_code == 200 and done.json()["status"] == "approved"
    again = _post(client, url, {}, com["f1"])
    assert again.status_code in (400, 409)  # 409 once the lead lists the code
    assert again.json()["error"] == "already_approved"
