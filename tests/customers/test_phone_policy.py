"""Issue 15, item 2: the claim-and-call loop with the default roles. Under the firm's
default phone policy an owner shows their own customer's number with one click (an
audited reveal, purpose "own customer"); under "hidden" owners never see it; anyone
else keeps the purpose-gated reveal; the pool page promises what the policy gives."""

import pytest
from django.test import Client
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from lenddesk.audit.models import AuditAction, AuditEvent
from lenddesk.customers.models import PhonePolicy, PoolRules
from lenddesk.customers.phone_policy import own_customer_purpose
from lenddesk.customers.services import pool_rules_update
from lenddesk.customers.views.rules import PoolRulesView
from lenddesk.security.services import REVEAL_LIMIT
from lenddesk.tenancy.context import tenant_context
from tests.conftest import force_session
from tests.customers.conftest import add_customer
from tests.customers.test_pages_and_api import _bearer
from tests.factories import make_user

PHONE = "13712345678"
MASKED = "137****5678"


def _zh(msgid: str, **values) -> str:
    with translation.override("zh-hans"):
        text = gettext(msgid)
    return text % values if values else text


def _on_page(msgid: str, **values) -> str:
    """The text as a zh page shows it (HTML-escaped)."""
    return escape(_zh(msgid, **values))


def _reveals(tenant, **filters):
    with tenant_context(tenant):
        return list(
            AuditEvent.objects.filter(action=AuditAction.FIELD_REVEALED, **filters)
        )


def _set_policy(tenant, admin, policy):
    with tenant_context(tenant):
        pool_rules_update(actor=admin, values={"phone_policy": policy})


def _show_own(client, customer, htmx=True):
    extra = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "phone-fact"} if htmx else {}
    return client.post(
        "/customers/%d/reveal/" % customer.pk,
        {"field": "phone", "shown_in": "header"},
        **extra,
    )


def _api_reveal(tenant, user, customer, purpose=None):
    body = {"field": "phone"}
    if purpose is not None:
        body["purpose"] = purpose
    return Client().post(
        "/api/v1/customers/%d/reveal/" % customer.pk,
        body,
        content_type="application/json",
        **_bearer(tenant, user),
    )


@pytest.fixture
def telemarketer(tenant_a):
    return make_user(tenant_a, "tm1", role_keys=["telemarketer"])


def test_owner_shows_own_number_with_one_click(client, tenant_a, team):
    customer = add_customer(tenant_a, team["s1"], owner=team["s1"], phone=PHONE)
    force_session(client, team["s1"])

    page = client.get("/customers/%d/" % customer.pk).content.decode()
    assert MASKED in page and PHONE not in page
    assert 'data-testid="show-phone"' in page
    assert _on_page("Show number") in page
    assert _reveals(tenant_a) == []  # opening the page reveals nothing

    shown = _show_own(client, customer)
    body = shown.content.decode()
    assert shown.status_code == 200
    assert shown["Cache-Control"].startswith("no-store")
    assert PHONE in body and 'data-testid="revealed-phone"' in body
    assert _on_page("This view is recorded in the audit log.") in body
    [event] = _reveals(tenant_a)
    assert event.actor_id == team["s1"].pk
    assert event.purpose == own_customer_purpose()
    assert event.object_id == str(customer.pk) and PHONE not in str(event.changes)

    # Without htmx the same click answers with the whole customer page.
    page = _show_own(client, customer, htmx=False)
    assert page.status_code == 200
    assert 'data-testid="customer-head"' in page.content.decode()
    assert PHONE in page.content.decode()
    assert len(_reveals(tenant_a)) == 2


def test_own_customer_purpose_reads_in_the_firms_language():
    with translation.override("zh-hans"):
        expected = gettext("own customer")
    with translation.override("en"):
        assert own_customer_purpose() == expected


def test_telemarketer_with_default_role_reveals_own_through_the_api(
    tenant_a, admin_a, telemarketer
):
    customer = add_customer(tenant_a, admin_a, owner=telemarketer, phone=PHONE)
    detail = Client().get(
        "/api/v1/customers/%d/" % customer.pk, **_bearer(tenant_a, telemarketer)
    )
    assert detail.status_code == 200
    assert detail.json()["phone"] == MASKED
    assert detail.json()["phone_access"] == "show_own"

    revealed = _api_reveal(tenant_a, telemarketer, customer)
    assert revealed.status_code == 200, revealed.content
    assert revealed.json()["value"].endswith(PHONE)
    assert revealed["Cache-Control"] == "no-store"
    [event] = _reveals(tenant_a)
    assert event.actor_id == telemarketer.pk
    assert event.purpose == own_customer_purpose()


def test_a_stated_purpose_is_kept_when_the_owner_gives_one(tenant_a, team):
    customer = add_customer(tenant_a, team["s1"], owner=team["s1"], phone=PHONE)
    assert _api_reveal(tenant_a, team["s1"], customer, "回访").status_code == 200
    assert _reveals(tenant_a)[0].purpose == "回访"


def test_the_id_number_is_not_covered_by_the_policy(tenant_a, team):
    customer = add_customer(
        tenant_a,
        team["s1"],
        owner=team["s1"],
        phone=PHONE,
        id_number="11010519491231002X",
    )
    refused = Client().post(
        "/api/v1/customers/%d/reveal/" % customer.pk,
        {"field": "id_number", "purpose": "核实身份"},
        content_type="application/json",
        **_bearer(tenant_a, team["s1"]),
    )
    assert refused.status_code == 403
    assert refused.json()["detail"]
    with tenant_context(tenant_a):
        assert AuditEvent.objects.filter(action=AuditAction.REVEAL_REFUSED).exists()


def test_not_the_owner_still_needs_permission_and_purpose(client, tenant_a, team):
    customer = add_customer(tenant_a, team["s1"], owner=team["s1"], phone=PHONE)
    lead = team["lead1"]
    detail = Client().get(
        "/api/v1/customers/%d/" % customer.pk, **_bearer(tenant_a, lead)
    )
    assert detail.json()["phone_access"] == "with_purpose"

    no_purpose = _api_reveal(tenant_a, lead, customer)
    assert no_purpose.status_code == 400
    assert "purpose" in no_purpose.json()["fields"]

    force_session(client, lead)
    page = client.get("/customers/%d/" % customer.pk).content.decode()
    assert 'data-testid="show-phone"' not in page and PHONE not in page
    header_click = _show_own(client, customer)
    assert header_click.status_code == 400
    assert 'data-testid="phone-error"' in header_click.content.decode()
    panel = client.post(
        "/customers/%d/reveal/" % customer.pk,
        {"field": "phone", "purpose": ""},
        HTTP_HX_REQUEST="true",
    )
    assert panel.status_code == 400 and PHONE not in panel.content.decode()
    assert _reveals(tenant_a) == []

    with_purpose = _api_reveal(tenant_a, lead, customer, "安排面签")
    assert with_purpose.status_code == 200
    assert _reveals(tenant_a)[0].purpose == "安排面签"

    # A colleague outside the owner's reach does not even find the customer.
    assert _api_reveal(tenant_a, team["s2"], customer).status_code == 404


def test_another_firm_cannot_reveal(tenant_a, tenant_b, team, admin_b):
    customer = add_customer(tenant_a, team["s1"], owner=team["s1"], phone=PHONE)
    assert _api_reveal(tenant_b, admin_b, customer, "核实").status_code == 404


def test_a_pool_customer_is_not_revealed_to_anyone_before_a_claim(
    client, tenant_a, admin_a, team
):
    pooled = add_customer(tenant_a, admin_a, phone=PHONE)
    detail = Client().get(
        "/api/v1/customers/%d/" % pooled.pk, **_bearer(tenant_a, team["s1"])
    )
    assert detail.json()["phone_access"] == "claim_first"
    assert _api_reveal(tenant_a, team["s1"], pooled).status_code == 403
    force_session(client, team["s1"])
    page = client.get("/customers/%d/" % pooled.pk).content.decode()
    assert _on_page("shown after claiming") in page and PHONE not in page
    assert _reveals(tenant_a) == []


def test_hidden_policy_refuses_the_owner_with_a_clear_message(
    client, tenant_a, admin_a, team
):
    customer = add_customer(tenant_a, team["s1"], owner=team["s1"], phone=PHONE)
    _set_policy(tenant_a, admin_a, PhonePolicy.HIDDEN)
    message = _zh(
        "Your firm keeps customers' numbers hidden from their owners: calls go "
        "through the system once outbound calling is set up."
    )

    force_session(client, team["s1"])
    page = client.get("/customers/%d/" % customer.pk).content.decode()
    assert MASKED in page and PHONE not in page
    assert 'data-testid="show-phone"' not in page
    assert 'data-testid="phone-hidden-note"' in page
    assert "tel:" not in page  # no call button until calling exists

    clicked = _show_own(client, customer)
    assert clicked.status_code == 403
    assert escape(message) in clicked.content.decode()
    assert PHONE not in clicked.content.decode()

    api = _api_reveal(tenant_a, team["s1"], customer, "回访")
    assert api.status_code == 403
    assert api.json()["error"] == "phone_hidden"
    assert api.json()["detail"] == message
    detail = Client().get(
        "/api/v1/customers/%d/" % customer.pk, **_bearer(tenant_a, team["s1"])
    )
    assert detail.json()["phone_access"] == "hidden"
    assert detail.json()["phone"] == MASKED

    assert _reveals(tenant_a) == []
    with tenant_context(tenant_a):
        refusals = AuditEvent.objects.filter(
            action=AuditAction.REVEAL_REFUSED, reason="phone_hidden"
        )
        assert refusals.count() == 2
        assert {e.actor_id for e in refusals} == {team["s1"].pk}

    # Someone the firm gave the reveal permission keeps the purpose-gated reveal.
    assert _api_reveal(tenant_a, team["lead1"], customer, "质检").status_code == 200


def test_own_reveals_count_against_the_hourly_limit(tenant_a, team):
    customer = add_customer(tenant_a, team["s1"], owner=team["s1"], phone=PHONE)
    headers = _bearer(tenant_a, team["s1"])
    api = Client()
    for _ in range(REVEAL_LIMIT):
        ok = api.post(
            "/api/v1/customers/%d/reveal/" % customer.pk,
            {"field": "phone"},
            content_type="application/json",
            **headers,
        )
        assert ok.status_code == 200
    over = api.post(
        "/api/v1/customers/%d/reveal/" % customer.pk,
        {"field": "phone"},
        content_type="application/json",
        **headers,
    )
    assert over.status_code == 429
    assert len(_reveals(tenant_a)) == REVEAL_LIMIT


def _rules_form(tenant, **changes) -> dict:
    with tenant_context(tenant):
        rules = PoolRules.objects.get()
    fields = PoolRulesView.fields  # what the rules page posts
    return {**{f: getattr(rules, f) for f in fields}, **changes}


def test_policy_is_set_on_the_rules_page_and_audited(client_admin_a, tenant_a):
    page = client_admin_a.get("/customers/rules/").content.decode()
    assert _on_page("Owners and their customers' phone numbers") in page
    assert 'name="phone_policy"' in page
    assert _on_page("Owners may show their own customers' numbers") in page

    bad = client_admin_a.post(
        "/customers/rules/", _rules_form(tenant_a, phone_policy="everyone")
    )
    assert bad.status_code == 400
    assert "phone_policy" in bad.context["form"].errors

    saved = client_admin_a.post(
        "/customers/rules/", _rules_form(tenant_a, phone_policy="hidden")
    )
    assert saved.status_code == 302
    with tenant_context(tenant_a):
        assert PoolRules.objects.get().phone_policy == PhonePolicy.HIDDEN
        event = AuditEvent.objects.get(action=AuditAction.POOL_RULES_CHANGED)
    assert event.changes == {"phone_policy": ["show_own", "hidden"]}


def test_a_salesperson_cannot_change_the_policy(client, tenant_a, team):
    force_session(client, team["s1"])
    response = client.post(
        "/customers/rules/", _rules_form(tenant_a, phone_policy="hidden")
    )
    assert response.status_code == 403
    with tenant_context(tenant_a):
        assert PoolRules.objects.get().phone_policy == PhonePolicy.SHOW_OWN


def test_the_pool_promise_follows_the_policy(client, tenant_a, admin_a, team):
    force_session(client, team["s1"])
    with tenant_context(tenant_a):
        rules = PoolRules.objects.get()
    values = {"limit": rules.daily_claim_limit, "cap": rules.private_cap}
    show = _on_page(
        "Claim customers into your private pool: up to %(limit)s a day, %(cap)s in "
        "total. After you claim, you can show their phone numbers; each view is "
        "recorded in the audit log.",
        **values,
    )
    hidden = _on_page(
        "Claim customers into your private pool: up to %(limit)s a day, %(cap)s in "
        "total. Phone numbers stay hidden after you claim: calls go through the "
        "system once outbound calling is set up.",
        **values,
    )
    page = client.get("/customers/pool/").content.decode()
    assert show in page and hidden not in page

    _set_policy(tenant_a, admin_a, PhonePolicy.HIDDEN)
    page = client.get("/customers/pool/").content.decode()
    assert hidden in page and show not in page
    pooled = add_customer(tenant_a, admin_a, phone=PHONE)
    detail = client.get("/customers/%d/" % pooled.pk).content.decode()
    fact = detail.split('id="phone-fact"', 1)[1].split("</div>", 1)[0]
    assert _on_page("hidden; calls go through the system") in fact
