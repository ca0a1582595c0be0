"""The intake endpoint as an integrator sees it (SPEC M4, SECURITY T46)."""

import json
import time

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lenddesk.accounts.models import User
from lenddesk.acquisition import services
from lenddesk.acquisition.models import (
    Attribution,
    ConsentRecord,
    Delivery,
    DeliveryStatus,
    Integration,
)
from lenddesk.audit.models import AuditAction, AuditEvent
from lenddesk.customers.models import AllocationRule, Customer, FollowUp, PoolRules
from lenddesk.tenancy.context import tenant_context
from lenddesk.tenancy.models import Tenant
from tests.acquisition.conftest import drain, lead, make_integration, post_lead
from tests.customers.conftest import add_customer

pytestmark = pytest.mark.django_db


def _customers(tenant):
    with tenant_context(tenant):
        return list(Customer.objects.all())


def test_a_signed_lead_becomes_a_customer_with_source_and_consent(
    deliver, tenant_a, platform
):
    integration, secret = platform
    response = deliver(integration, secret, lead(name="王五"), key="evt-1")
    assert response.status_code == 202, response.content
    body = response.json()
    assert body == {"status": "queued", "lead": body["lead"]}
    with tenant_context(tenant_a):
        customer = Customer.objects.get(name="王五")
        assert customer.channel == "信息流"
        assert customer.pool_id is not None  # assign_mode "pool"
        assert customer.demand_amount == 200000
        attribution = Attribution.objects.get(customer=customer)
        assert attribution.channel == integration.channel
        assert attribution.source_kind == "traffic"
        consent = ConsentRecord.objects.get(customer=customer)
        assert consent.notice_version == "2026-01"
        assert consent.source == "intake"
        assert consent.ip_address == "203.0.113.7"
        assert consent.evidence["reference"] == "page-snapshot-123"
        delivery = Delivery.objects.get()
        assert delivery.reference == body["lead"]
        assert delivery.status == DeliveryStatus.CREATED
        assert delivery.customer == customer
        # The raw body is kept, encrypted.
        assert b"\xe7\x8e\x8b" not in bytes(delivery.payload_cipher)
        assert json.loads(delivery.get_secret("payload"))["name"] == "王五"
        assert AuditEvent.objects.filter(
            action=AuditAction.CUSTOMER_CREATED, object_id=str(customer.pk)
        ).exists()


def test_a_lead_is_queued_at_once_and_becomes_a_customer_in_the_drain(
    client, tenant_a, platform
):
    integration, secret = platform
    response = post_lead(client, integration, secret, lead(name="排队"), key="q-1")
    assert response.status_code == 202
    assert response.json()["status"] == "queued"
    assert _customers(tenant_a) == []
    with tenant_context(tenant_a):
        delivery = Delivery.objects.get()
        assert delivery.status == DeliveryStatus.QUEUED
        assert delivery.processed_at is None
    assert drain(tenant_a) == 1
    with tenant_context(tenant_a):
        delivery.refresh_from_db()
        assert delivery.status == DeliveryStatus.CREATED
        assert delivery.processed_at is not None
        assert delivery.customer.name == "排队"
    assert drain(tenant_a) == 0


def test_accepting_a_lead_writes_one_row_in_one_statement(client, platform):
    integration, secret = platform
    post_lead(client, integration, secret, lead())  # the firm's data key exists now
    with CaptureQueriesContext(connection) as queries:
        response = post_lead(client, integration, secret, lead())
    assert response.status_code == 202
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if not q["sql"].startswith(("SELECT", "SAVEPOINT", "RELEASE SAVEPOINT"))
        # the rate counter: in Redis in production, a database row without it
        and not q["sql"].startswith('INSERT INTO "web_counter"')
    ]
    assert len(writes) == 1, writes
    assert writes[0].startswith('INSERT INTO "acquisition_delivery"')
    assert "ON CONFLICT" in writes[0]


@pytest.mark.sqlite
def test_sqlite_without_returning_still_tells_a_retry_apart(
    client, tenant_a, platform, monkeypatch
):
    monkeypatch.setattr(connection.features, "can_return_columns_from_insert", False)
    integration, secret = platform
    payload = lead()
    first = post_lead(client, integration, secret, payload, key="old-sqlite")
    again = post_lead(client, integration, secret, payload, key="old-sqlite")
    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json() == first.json()
    with tenant_context(tenant_a):
        assert Delivery.objects.get().reference == first.json()["lead"]


def test_a_retry_answers_the_current_status_with_the_same_lead(
    client, tenant_a, platform
):
    integration, secret = platform
    payload = lead()
    first = post_lead(client, integration, secret, payload, key="evt-r")
    before = post_lead(client, integration, secret, payload, key="evt-r")
    assert before.status_code == 200
    assert before["Idempotent-Replayed"] == "true"
    assert (
        before.json()
        == first.json()
        == {
            "status": "queued",
            "lead": first.json()["lead"],
        }
    )
    drain(tenant_a)
    after = post_lead(client, integration, secret, payload, key="evt-r")
    assert after.status_code == 200
    assert after.json() == {"status": "created", "lead": first.json()["lead"]}
    assert len(_customers(tenant_a)) == 1
    with tenant_context(tenant_a):
        assert Delivery.objects.count() == 1


def test_bad_signature_is_refused(client, tenant_a, platform):
    integration, _secret = platform
    response = post_lead(client, integration, "wrong-secret", lead())
    assert response.status_code == 401
    assert response.json()["error"] == "bad_signature"
    assert _customers(tenant_a) == []


def test_missing_signature_headers_are_refused(client, platform):
    integration, _secret = platform
    response = client.post(
        "/api/v1/intake/%s/" % integration.key,
        data=json.dumps(lead()),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k1",
    )
    assert response.status_code == 401
    assert response.json()["error"] == "signature_missing"


def test_a_body_changed_after_signing_is_refused(client, platform):
    integration, secret = platform
    from tests.acquisition.conftest import signed_headers

    headers = signed_headers(secret, b'{"name": "a"}', key="k2")
    response = client.post(
        "/api/v1/intake/%s/" % integration.key,
        data=json.dumps(lead()),
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 401


@pytest.mark.parametrize("age, expected", [(301, 401), (-301, 401), (299, 202)])
def test_timestamp_window_is_five_minutes(client, platform, age, expected):
    integration, secret = platform
    # The clock stands still, so a slow machine cannot move the edge of the window.
    with time_machine.travel(int(time.time()), tick=False):
        stamp = int(time.time()) - age
        response = post_lead(client, integration, secret, lead(), timestamp=stamp)
    assert response.status_code == expected, response.content
    if expected == 401:
        assert response.json()["error"] == "stale_timestamp"


def test_a_retry_with_the_same_key_is_a_no_op(deliver, tenant_a, platform):
    integration, secret = platform
    payload = lead()
    first = deliver(integration, secret, payload, key="evt-9")
    again = deliver(integration, secret, payload, key="evt-9")
    assert first.status_code == 202
    assert again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == {"status": "created", "lead": first.json()["lead"]}
    assert len(_customers(tenant_a)) == 1
    with tenant_context(tenant_a):
        assert Delivery.objects.count() == 1


def test_the_same_key_with_another_body_is_a_conflict(client, tenant_a, platform):
    integration, secret = platform
    assert post_lead(client, integration, secret, lead(), key="e").status_code == 202
    response = post_lead(client, integration, secret, lead(), key="e")
    assert response.status_code == 409
    assert response.json()["error"] == "idempotency_key_reused"
    assert drain(tenant_a) == 1
    assert len(_customers(tenant_a)) == 1


def test_missing_idempotency_key_names_the_header(client, platform):
    integration, secret = platform
    response = post_lead(client, integration, secret, lead(), key=None)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["fields"]


def test_a_lead_without_consent_evidence_is_quarantined(deliver, tenant_a, platform):
    integration, secret = platform
    payload = lead()
    del payload["consent"]
    response = deliver(integration, secret, payload, key="no-consent")
    assert response.status_code == 202
    assert response.json()["status"] == "quarantined"
    assert _customers(tenant_a) == []
    with tenant_context(tenant_a):
        delivery = Delivery.objects.get()
        assert delivery.status == DeliveryStatus.QUARANTINED
        assert AuditEvent.objects.filter(action=AuditAction.INTAKE_QUARANTINED).exists()


def test_replay_creates_the_lead_once_the_mapping_finds_the_consent(
    client, tenant_a, admin_a, platform
):
    integration, secret = platform
    payload = lead(name="赵六")
    payload["agreement"] = payload.pop("consent")
    post_lead(client, integration, secret, payload, key="renamed-consent")
    with tenant_context(tenant_a):
        delivery = Delivery.objects.get()
        assert delivery.status == DeliveryStatus.QUARANTINED
        services.integration_update(
            actor=admin_a,
            integration=integration,
            values={
                "name": integration.name,
                "channel": integration.channel,
                "assign_mode": "pool",
                "rate_limit_per_minute": 600,
                "field_mapping": {
                    "agreement.notice_version": "consent_version",
                    "agreement.agreed_at": "consent_at",
                },
            },
        )
        delivery = services.delivery_replay(actor=admin_a, delivery=delivery)
        assert delivery.status == DeliveryStatus.CREATED
        assert delivery.customer.name == "赵六"
        assert delivery.replay_count == 1
        assert AuditEvent.objects.filter(action=AuditAction.INTAKE_REPLAYED).exists()
        # A second replay changes nothing.
        with pytest.raises(Exception, match="already reached a customer"):
            services.delivery_replay(actor=admin_a, delivery=delivery)
        assert Customer.objects.count() == 1


@pytest.mark.parametrize("policy", ["merge", "reject"])
def test_a_lead_matching_a_customer_is_linked_not_duplicated(
    deliver, tenant_a, admin_a, platform, policy
):
    existing = add_customer(tenant_a, admin_a, name="老客户", phone="13900001111")
    with tenant_context(tenant_a):
        PoolRules.objects.update(duplicate_policy=policy)
    integration, secret = platform
    payload = lead(phone="139 0000 1111")
    assert deliver(integration, secret, payload, key="dup").status_code == 202
    response = deliver(integration, secret, payload, key="dup")
    assert response.status_code == 200
    assert response.json()["status"] == "duplicate"
    with tenant_context(tenant_a):
        assert Customer.objects.count() == 1
        delivery = Delivery.objects.get()
        assert delivery.duplicate_of == existing
        assert FollowUp.objects.filter(customer=existing, is_system=True).exists()
        assert ConsentRecord.objects.filter(customer=existing).exists()


def test_flag_policy_keeps_both_and_links_them(deliver, tenant_a, admin_a, platform):
    existing = add_customer(tenant_a, admin_a, phone="13900002222")
    integration, secret = platform
    with tenant_context(tenant_a):
        Integration.objects.filter(pk=integration.pk).update(duplicate_policy="flag")
    response = deliver(integration, secret, lead(phone="13900002222"))
    assert response.status_code == 202
    with tenant_context(tenant_a):
        delivery = Delivery.objects.get()
        assert delivery.status == DeliveryStatus.CREATED
        assert delivery.duplicate_of == existing
        assert delivery.customer.duplicate_of == existing


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"name": "x", "phone": "12345"}, "phone"),
        ({"name": "x", "phone": "13700000001", "amount": "lots"}, "amount"),
        ({"name": "x", "phone": "13700000001", "amount": {"a": 1}}, "amount"),
        ({"name": "x", "phone": "13700000001", "term_months": "-3"}, "term_months"),
        ({"name": "x", "phone": "13700000001", "rating": "Z"}, "rating"),
        ({"name": "", "phone": "13700000001"}, "name"),
        ({"name": "x" * 81, "phone": "13700000001"}, "name"),
        ({"phone": "13700000001"}, "name"),
        ({"name": "x"}, "phone"),
        ({"name": "x", "id_number": "110101199003070000"}, "id_number"),
    ],
)
def test_bad_fields_answer_400_naming_the_platform_field(
    deliver, tenant_a, platform, payload, field
):
    integration, secret = platform
    payload = {**payload, "consent": lead()["consent"]}
    response = deliver(integration, secret, payload)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["error"] == "invalid"
    assert field in body["fields"], body
    assert _customers(tenant_a) == []
    with tenant_context(tenant_a):
        assert Delivery.objects.get().status == DeliveryStatus.REJECTED


@pytest.mark.parametrize("raw", [b"", b"not json", b"[1, 2]", b'"x"', b"\xff\xfe"])
def test_a_body_that_is_not_a_json_object_answers_400(client, platform, raw):
    integration, secret = platform
    response = post_lead(client, integration, secret, raw)
    assert response.status_code == 400
    assert "body" in response.json()["fields"]


def test_a_rejected_lead_can_be_corrected_under_the_same_key(
    deliver, tenant_a, platform
):
    integration, secret = platform
    bad = deliver(integration, secret, lead(phone="123"), key="fixme")
    assert bad.status_code == 400
    payload = lead()
    good = deliver(integration, secret, payload, key="fixme")
    assert set(bad.json()) == {"error", "detail", "fields"}  # the documented shape
    assert good.status_code == 202
    with tenant_context(tenant_a):
        reference = str(Delivery.objects.get().reference)
    assert good.json() == {"status": "queued", "lead": reference}
    assert len(_customers(tenant_a)) == 1
    again = deliver(integration, secret, payload, key="fixme")
    assert again.json()["status"] == "created"


def test_rate_limit_per_integration(client, tenant_a, platform):
    integration, secret = platform
    with tenant_context(tenant_a):
        Integration.objects.filter(pk=integration.pk).update(rate_limit_per_minute=3)
    codes = [
        post_lead(client, integration, secret, lead()).status_code for _ in range(5)
    ]
    assert codes[:3] == [202, 202, 202]
    assert codes[3:] == [429, 429]
    response = post_lead(client, integration, secret, lead())
    assert int(response["Retry-After"]) >= 1
    assert drain(tenant_a) == 3


def test_unknown_keys_and_other_firms_answer_404(client, tenant_a, tenant_b, platform):
    integration, secret = platform
    token = integration.key.split(".", 1)[1]
    for key in (
        "nobody.%s" % token,
        "%s.%s" % (tenant_b.slug, token),
        "nodot",
        "x" * 90,
    ):
        integration.key = key
        response = post_lead(client, integration, secret, lead())
        assert response.status_code == 404, key
        assert response.json()["error"] == "not_found"


def test_a_switched_off_integration_answers_403(client, tenant_a, platform):
    integration, secret = platform
    with tenant_context(tenant_a):
        Integration.objects.filter(pk=integration.pk).update(active=False)
    response = post_lead(client, integration, secret, lead())
    assert response.status_code == 403
    assert response.json()["error"] == "integration_disabled"


def test_firms_without_acquisition_or_suspended_answer_403(client, platform, tenant_a):
    integration, secret = platform
    Tenant.objects.filter(pk=tenant_a.pk).update(modules=["customers"])
    assert post_lead(client, integration, secret, lead()).status_code == 403
    Tenant.objects.filter(pk=tenant_a.pk).update(status="suspended")
    assert post_lead(client, integration, secret, lead()).status_code == 403


def test_a_too_large_body_answers_413(client, platform):
    integration, secret = platform
    payload = lead(credit_notes="x" * 70_000)
    assert post_lead(client, integration, secret, payload).status_code == 413


def test_rotating_the_secret_stops_the_old_one(client, tenant_a, admin_a, platform):
    integration, old = platform
    with tenant_context(tenant_a):
        issued = services.integration_rotate_secret(
            actor=admin_a, integration=integration
        )
    assert post_lead(client, integration, old, lead()).status_code == 401
    assert post_lead(client, integration, issued.secret, lead()).status_code == 202


def test_leads_are_assigned_by_the_integrations_rule(deliver, tenant_a, admin_a, team):
    with tenant_context(tenant_a):
        department = User.objects.get(pk=team["s1"].pk).department
        rule = AllocationRule.objects.create(name="信息流", department=department)
    integration, secret = make_integration(
        tenant_a, admin_a, assign_mode="rule", allocation_rule=rule
    )
    owners = set()
    for _ in range(3):
        assert deliver(integration, secret, lead()).status_code == 202
    with tenant_context(tenant_a):
        owners = {c.owner_id for c in Customer.objects.all()}
    members = {team["lead1"].pk, team["s1"].pk, team["s2"].pk}
    assert owners <= members and len(owners) == 3


def test_custom_mapping_reaches_nested_fields_and_custom_fields(
    deliver, tenant_a, admin_a
):
    from lenddesk.customers.models import CustomField

    with tenant_context(tenant_a):
        CustomField.objects.create(key="source_site", label="来源站点")
    integration, secret = make_integration(
        tenant_a,
        admin_a,
        assign_mode="pool",
        field_mapping={
            "user.tel": "phone",
            "user.full_name": "name",
            "site": "custom_source_site",
        },
    )
    payload = {
        "user": {"tel": "13712340000", "full_name": "钱七"},
        "site": "m.example.cn",
        "consent": lead()["consent"],
    }
    assert deliver(integration, secret, payload).status_code == 202
    with tenant_context(tenant_a):
        customer = Customer.objects.get()
        assert customer.name == "钱七"
        assert customer.custom_fields == {"source_site": "m.example.cn"}


def test_a_mapping_to_an_unknown_field_is_refused(tenant_a, admin_a):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        make_integration(
            tenant_a, admin_a, field_mapping={"tel": "phone", "x": "salary"}
        )
    assert "field_mapping" in caught.value.message_dict


def test_each_firm_only_sees_its_own_deliveries(
    client, deliver, tenant_a, admin_b, platform
):
    integration, secret = platform
    deliver(integration, secret, lead())
    tenant_b = Tenant.objects.get(pk=admin_b.tenant_id)
    other, other_secret = make_integration(tenant_b, admin_b, assign_mode="pool")
    # Firm A's secret does not open firm B's endpoint.
    assert post_lead(client, other, secret, lead()).status_code == 401
    assert deliver(other, other_secret, lead()).status_code == 202
    with tenant_context(tenant_b):
        assert Delivery.objects.count() == 1
        assert Customer.objects.count() == 1
    with tenant_context(tenant_a):
        assert Delivery.objects.count() == Customer.objects.count() == 1


def test_firm_rules_match_the_integrations_channel(deliver, tenant_a, admin_a, team):
    with tenant_context(tenant_a):
        department = User.objects.get(pk=team["s3"].pk).department
        AllocationRule.objects.create(
            name="信息流规则", department=department, channel="信息流"
        )
    integration, secret = make_integration(tenant_a, admin_a, assign_mode="rules")
    assert deliver(integration, secret, lead(name="规则")).status_code == 202
    with tenant_context(tenant_a):
        assert Customer.objects.get(name="规则").owner_id == team["s3"].pk


def test_changes_reach_the_next_delivery_although_the_integration_is_cached(
    client, tenant_a, admin_a, platform, django_capture_on_commit_callbacks
):
    """The endpoint keeps its firm and integration in the shared cache; a new secret,
    a switched-off integration or a suspended firm must still apply at once."""
    from lenddesk.platform.services import tenant_set_status

    integration, old = platform
    assert post_lead(client, integration, old, lead()).status_code == 202  # cached
    with django_capture_on_commit_callbacks(execute=True), tenant_context(tenant_a):
        issued = services.integration_rotate_secret(
            actor=admin_a, integration=integration
        )
    assert post_lead(client, integration, old, lead()).status_code == 401
    assert post_lead(client, integration, issued.secret, lead()).status_code == 202
    with django_capture_on_commit_callbacks(execute=True), tenant_context(tenant_a):
        switched = Integration.objects.get(pk=integration.pk)
        switched.active = False
        switched.save()
    refused = post_lead(client, integration, issued.secret, lead())
    assert refused.json()["error"] == "integration_disabled"
    with django_capture_on_commit_callbacks(execute=True), tenant_context(tenant_a):
        switched.active = True
        switched.save()
    assert post_lead(client, integration, issued.secret, lead()).status_code == 202
    with django_capture_on_commit_callbacks(execute=True):
        tenant_set_status(operator=None, tenant=tenant_a, status="suspended")
    suspended = post_lead(client, integration, issued.secret, lead())
    assert suspended.status_code == 403
    assert suspended.json()["error"] == "tenant_suspended"


def test_an_entry_read_before_a_change_and_cached_after_it_is_not_believed(
    tenant_a, platform
):
    from django.core.cache import cache

    from lenddesk.acquisition.selectors import intake_target
    from lenddesk.tenancy import generation

    integration, _secret = platform
    before = generation.current(tenant_a.slug)
    with tenant_context(tenant_a):
        stale = Integration.objects.get(pk=integration.pk)
    stale.active = False  # what a slow reader saw
    cache.set("firm:generation:%s" % tenant_a.slug, "changed-since", None)
    cache.set("intake:target:%s" % integration.key, (before, tenant_a, stale), 600)
    _tenant, found = intake_target(integration.key)
    assert found.active is True  # read again from the database
