"""The list behind a number: masked rows, links only where the actor may go, pages,
the Excel export, and field-named refusals."""

import io
import re

import openpyxl
import pytest

from lenddesk.analytics.drill import Listing, parse_filters
from lenddesk.audit.models import AuditEvent
from lenddesk.tenancy.context import tenant_context
from tests.conftest import force_session
from tests.customers.conftest import add_customer

pytestmark = pytest.mark.django_db


def url(w, metric, extra=""):
    return "/analytics/drill/%s/?from=%s&to=%s%s" % (
        metric,
        w["first"].isoformat(),
        w["last"].isoformat(),
        extra,
    )


def test_rows_are_masked_and_linked_within_reach(world, client):
    w = world
    force_session(client, w["s1"])
    page = client.get(url(w, "followups"))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-count="2"' in html
    assert "张*明" in html and "张小明" not in html
    assert "/customers/%d/" % w["c1"].pk in html
    assert not re.search(r"1[3-9][0-9]{9}", html)  # no phone number anywhere
    # the general manager sees s3's rows; s1 cannot open s3's customer from anywhere
    force_session(client, w["gm"])
    html = client.get(url(w, "followups")).content.decode()
    assert 'data-count="5"' in html and "王*力" in html
    assert "/customers/%d/" % w["c3"].pk in html


def test_order_rows_link_to_the_order_and_carry_amounts(world, client):
    w = world
    force_session(client, w["gm"])
    html = client.get(url(w, "disbursed")).content.decode()
    assert "/orders/%d/" % w["o1"].pk in html
    assert 'data-amount="300000.00"' in html
    html = client.get(url(w, "commission")).content.decode()
    assert 'data-count="2"' in html and 'data-amount="500.00"' in html


def test_pages_of_the_list_follow_each_other(world):
    w = world
    with tenant_context(w["tenant"]):
        f = parse_filters(
            "followups",
            {"from": w["first"].isoformat(), "to": w["last"].isoformat()},
        )
        listing = Listing(w["gm"], f)
        whole = [r.when + r.person + r.detail for r in listing.page(0, limit=50)]
        parts = [
            r.when + r.person + r.detail
            for offset in (0, 2, 4)
            for r in Listing(w["gm"], f).page(offset, limit=2)
        ]
        exported = [r.when + r.person + r.detail for r in listing.all_rows()]
    assert len(whole) == 5 and parts == whole == exported
    assert whole == sorted(whole, key=lambda s: s[:16], reverse=True)


def test_spend_list_needs_the_channels_permission_and_a_firm_wide_scope(world, client):
    w = world
    force_session(client, w["lead1"])
    assert client.get(url(w, "spend")).status_code == 403
    force_session(client, w["gm"])
    html = client.get(url(w, "spend", "&channel=%E6%8A%96%E9%9F%B3")).content.decode()
    assert 'data-count="3"' in html and 'data-amount="1000.00"' in html
    html = client.get(url(w, "spend", "&user=%d" % w["s1"].pk)).content.decode()
    assert 'data-count="0"' in html


def test_export_is_the_same_rows_masked_and_neutralised(world, client):
    w = world
    add_customer(w["tenant"], w["admin"], name="孙公式", owner=w["s3"], channel="=1+2")
    force_session(client, w["gm"])
    answer = client.get(
        "/analytics/drill/new_customers/export/?from=%s&to=%s"
        % (w["first"].isoformat(), w["last"].isoformat())
    )
    assert answer.status_code == 200
    assert "no-store" in answer["Cache-Control"]
    sheet = openpyxl.load_workbook(io.BytesIO(answer.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    body = rows[2:]
    assert len(body) == 6 + 1  # the world's six and the one added here
    cells = {str(c) for row in body for c in row if c is not None}
    assert "'=1+2" in cells and "=1+2" not in cells
    assert "孙*式" in cells and "孙公式" not in cells
    with tenant_context(w["tenant"]):
        entry = AuditEvent.objects.filter(action="analytics.drill_exported").get()
        assert entry.changes["rows"] == 7


def test_export_needs_the_export_permission(world, client):
    w = world
    force_session(client, w["s1"])
    answer = client.get("/analytics/drill/followups/export/")
    assert answer.status_code == 403


BAD = [
    ("from=2026-13-01", "from"),
    ("from=yesterday", "from"),
    ("from=2026-03-10&to=2026-03-01", "to"),
    ("from=2020-01-01&to=2026-01-01", "from"),
    ("user=abc", "user"),
    ("department=99999999999999999999", "department"),
    ("funder=0", "funder"),
    ("ad_account=12345678", "ad_account"),
]


def test_bad_input_is_refused_naming_the_field(world, client):
    force_session(client, world["gm"])
    answers = {}
    for query, _field in BAD:
        answer = client.get("/analytics/drill/followups/?" + query)
        fields = re.findall(r'data-field="([a-z_]+)"', answer.content.decode())
        answers[query] = (answer.status_code, fields)
    assert answers == {query: (400, [field]) for query, field in BAD}


def test_ids_of_another_firm_and_unknown_numbers(world, client):
    w = world
    force_session(client, w["gm"])
    answer = client.get(url(w, "followups", "&user=%d" % w["seller_b"].pk))
    assert answer.status_code == 400
    assert 'data-field="user"' in answer.content.decode()
    assert client.get("/analytics/drill/nope/").status_code == 404
    assert client.get("/analytics/drill/nope/export/").status_code == 404


def test_another_firms_staff_see_only_their_firms_rows(world, client):
    w = world
    force_session(client, w["seller_b"])
    html = client.get(url(w, "followups")).content.decode()
    assert 'data-count="1"' in html and "张*明" not in html


def test_every_staff_role_opens_lists_and_firms_without_the_module_do_not(
    world, client
):
    from tests.factories import make_tenant, make_user

    w = world
    for role in ("telemarketer", "processor", "warrant_officer", "finance"):
        force_session(client, make_user(w["tenant"], "r-" + role, role_keys=[role]))
        answer = client.get(url(w, "signed_orders"))
        assert answer.status_code == 200, role
        assert 'data-count="0"' in answer.content.decode() or role == "finance"
    force_session(client, w["f1"])  # finance sees the firm, may see spend
    assert 'data-count="3"' in client.get(url(w, "signed_orders")).content.decode()
    assert client.get(url(w, "spend")).status_code == 200
    plain = make_tenant(slug="no-analytics", modules=[])
    force_session(client, make_user(plain, "plain", role_keys=["general_manager"]))
    assert client.get("/analytics/drill/followups/").status_code == 403
