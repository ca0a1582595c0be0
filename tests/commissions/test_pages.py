"""The pages as finance staff use them: statements with lines, approval, plans with
their checks, payout batches and their bank file, the reports, and the portal."""

import csv
import io
from decimal import Decimal

from lenddesk.commissions import services
from lenddesk.commissions.models import PartnerStatement, PayoutBatch, StaffPlan
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
from tests.conftest import force_session
from tests.partners.conftest import make_partner, portal_login

D = Decimal


def test_staff_statement_pages_approve_and_export(client, com):
    staff_plan(com)
    pay(com, fee_order(com, "6000"), "6000")
    statement = staff_statement(com, com["s1"], this_month())
    force_session(client, com["f1"])
    listing = client.get("/commissions/staff/")
    assert listing.status_code == 200
    assert "600.00" in listing.content.decode()
    detail = client.get("/commissions/staff/%d/" % statement.pk)
    assert detail.status_code == 200 and "#" in detail.content.decode()
    assert (
        client.post("/commissions/staff/%d/approve/" % statement.pk).status_code == 302
    )
    again = client.post("/commissions/staff/%d/approve/" % statement.pk)
    assert again.status_code == 409
    export = client.get("/commissions/staff/%d/export.xlsx" % statement.pk)
    assert export.status_code == 200
    assert export["Content-Type"].startswith("application/vnd.openxml")
    assert export["Cache-Control"] == "no-store, private"


def test_a_salesperson_sees_only_their_own_statement(client, com):
    staff_plan(com)
    pay(com, fee_order(com, "6000"), "6000")
    pay(com, fee_order(com, "6000", owner=com["s2"]), "6000")
    other = staff_statement(com, com["s2"], this_month())
    force_session(client, com["s1"])
    assert client.get("/commissions/staff/%d/" % other.pk).status_code == 404
    page = client.get("/commissions/staff/").content.decode()
    assert "fs2" not in page


def test_staff_plan_shares_must_add_up_to_100(client, com):
    force_session(client, com["f1"])
    form = {
        "name": "方案",
        "tier_mode": "whole",
        "share_owner": "60",
        "share_telemarketer": "30",
        "share_processor": "20",
        "tiers_owner": "50000 10\n- 12",
        "tiers_telemarketer": "- 5",
        "tiers_processor": "- 5",
    }
    refused = client.post("/commissions/plans/staff/", form)
    assert refused.status_code == 400
    assert "110" in refused.content.decode()
    with tenant_context(com["tenant"]):
        assert not StaffPlan.objects.exists()
    form["share_processor"] = "10"
    assert client.post("/commissions/plans/staff/", form).status_code == 302
    with tenant_context(com["tenant"]):
        plan = StaffPlan.objects.get()
    assert plan.tiers["owner"] == [
        {"up_to": "50000.00", "rate": "10"},
        {"up_to": None, "rate": "12"},
    ]


def test_bad_tier_table_names_the_field(client, com):
    force_session(client, com["f1"])
    refused = client.post(
        "/commissions/plans/staff/",
        {
            "name": "方案",
            "tier_mode": "marginal",
            "share_owner": "100",
            "share_telemarketer": "0",
            "share_processor": "0",
            "tiers_owner": "50000 10\n40000 12\n- 15",
            "tiers_telemarketer": "- 5",
            "tiers_processor": "- 5",
        },
    )
    assert refused.status_code == 400
    errors = refused.context["form"].errors
    assert errors["tiers_owner"] == ["第 2 行：各档上限必须逐档递增。"]


def _paid_partner(com):
    partner_plan(com, rates=("30", "0", "0"))
    p = make_partner(com["tenant"], actor=com["admin"], name="甲")
    pay(com, fee_order(com, "10000", partner=p), "10000")
    return p, partner_statement(com, p, this_month())


def test_payout_batch_bank_file_and_paid(client, com):
    p, statement = _paid_partner(com)
    force_session(client, com["f1"])
    entity = statement.paying_entity_id
    refused = client.post("/commissions/payouts/", {"paying_entity": entity})
    assert refused.status_code == 400  # not approved yet
    client.post("/commissions/partners/%d/approve/" % statement.pk)
    missing = client.post("/commissions/payouts/", {"paying_entity": entity})
    assert missing.status_code == 400
    assert "甲" in missing.content.decode()  # payment details missing, named
    saved = client.post(
        "/commissions/payees/%d/" % p.pk,
        {
            "legal_name": "张甲",
            "id_number": "11010519491231002X",
            "bank_name": "招商银行",
            "bank_account": "6225 8812 3456 7890",
        },
    )
    assert saved.status_code == 302, saved.content.decode()[:2000]
    made = client.post("/commissions/payouts/", {"paying_entity": entity})
    assert made.status_code == 302
    with tenant_context(com["tenant"]):
        batch = PayoutBatch.objects.get()
    assert batch.total == D("2560.00") and batch.item_count == 1  # 3000 − 440
    body = client.get("/commissions/payouts/%d/file.csv" % batch.pk)
    rows = list(csv.reader(io.StringIO(body.content.decode("utf-8-sig"))))
    assert rows[1][1:5] == ["张甲", "6225881234567890", "招商银行", "2560.00"]
    assert client.get("/commissions/payouts/%d/file.xlsx" % batch.pk).status_code == 200
    empty = client.post("/commissions/payouts/%d/" % batch.pk, {"reference": ""})
    assert empty.status_code == 400
    paid = client.post("/commissions/payouts/%d/" % batch.pk, {"reference": "B123"})
    assert paid.status_code == 302
    with tenant_context(com["tenant"]):
        assert PartnerStatement.objects.get(pk=statement.pk).status == "paid"
    recon = client.get("/commissions/reconciliation/").content.decode()
    assert 'data-problem="1"' not in recon
    report = client.get("/commissions/withholding/?entity=%d" % entity).content.decode()
    assert "110105********002X" in report and "440.00" in report


def test_reconciliation_flags_what_is_not_paid(client, com):
    _p, _statement = _paid_partner(com)
    force_session(client, com["f1"])
    page = client.get("/commissions/reconciliation/").content.decode()
    assert 'data-problem="1"' in page and "2560.00" in page


def test_portal_shows_only_the_partners_own_statements(client, com):
    partner_plan(com, rates=("30", "0", "0"))
    mine = make_partner(
        com["tenant"], actor=com["admin"], name="我", phone="13700009991"
    )
    other = make_partner(com["tenant"], actor=com["admin"], name="他")
    pay(com, fee_order(com, "10000", partner=mine), "10000")
    pay(com, fee_order(com, "20000", partner=other), "20000")
    month = this_month()
    own, theirs = (
        partner_statement(com, mine, month),
        partner_statement(com, other, month),
    )
    portal_login(client, com["tenant"], "13700009991")
    base = "/commissions/portal/%s/statements/" % com["tenant"].slug
    listing = client.get(base)
    assert listing.status_code == 200 and "2560.00" in listing.content.decode()
    assert client.get("%s%d/" % (base, own.pk)).status_code == 200
    assert client.get("%s%d/" % (base, theirs.pk)).status_code == 404


def test_portal_needs_a_partner_session(client, com):
    response = client.get("/commissions/portal/%s/statements/" % com["tenant"].slug)
    assert response.status_code == 302 and "login" in response["Location"]


def test_month_build_rejects_a_bad_month(client, com):
    force_session(client, com["f1"])
    assert client.post("/commissions/build/", {"month": "2026-13"}).status_code == 400
    ok = client.post("/commissions/build/", {"month": this_month().strftime("%Y-%m")})
    assert ok.status_code == 302


def test_plans_page_and_menu(client, com):
    force_session(client, com["f1"])
    assert client.get("/commissions/plans/partners/").status_code == 200
    assert client.get("/commissions/plans/staff/").status_code == 200
    with tenant_context(com["tenant"]):
        services.paying_entity_save(
            actor=com["admin"], name="平台公司", method="cumulative"
        )
    assert "平台公司" in client.get("/commissions/plans/partners/").content.decode()


def test_statement_list_sorts_and_keeps_the_month_across_pages(client, com):
    staff_plan(com)
    pay(com, fee_order(com, "6000"), "6000")
    pay(com, fee_order(com, "9000", owner=com["s2"]), "9000")
    force_session(client, com["f1"])
    month = this_month().strftime("%Y-%m")
    page = client.get("/commissions/staff/?month=%s&sort=amount" % month)
    rows = [s.user.username for s in page.context["page"]]
    assert rows == ["fs2", "fs1"]
    assert "month=%s" % month in page.context["query"]
    empty = client.get("/commissions/staff/?month=2001-01").content.decode()
    assert "fs1" not in empty


def test_approve_a_whole_month_and_export_it(client, com):
    staff_plan(com)
    pay(com, fee_order(com, "6000"), "6000")
    pay(com, fee_order(com, "9000", owner=com["s2"]), "9000")
    force_session(client, com["f1"])
    month = this_month().strftime("%Y-%m")
    bad = client.post("/commissions/staff/approve-month/", {"month": "x"})
    assert bad.status_code == 400
    done = client.post("/commissions/staff/approve-month/", {"month": month})
    assert done.status_code == 302
    with tenant_context(com["tenant"]):
        from lenddesk.commissions.models import StaffStatement

        assert set(StaffStatement.objects.values_list("status", flat=True)) == {
            "approved"
        }
    export = client.get("/commissions/staff/export.xlsx?month=%s" % month)
    assert export.status_code == 200 and export["Cache-Control"] == "no-store, private"
