"""Conversion feedback (回传, issue 19 §6) against a platform's endpoint on
127.0.0.1 that checks every signature: which leads and events go out, exactly once,
what a body holds (never a personal field), retries, back-off and failure, the URL
checks, and the stage signal every mover sends."""

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from lenddesk.acquisition.conversion_delivery import conversions_claim
from lenddesk.acquisition.conversions import (
    conversion_secret_rotate,
    conversion_settings_save,
)
from lenddesk.acquisition.models import CallbackStatus, ConversionCallback
from lenddesk.customers.bulk import customers_set_stage
from lenddesk.customers.models import Customer, FunnelStage
from lenddesk.customers.services import (
    customer_assign,
    customer_update,
    followup_create,
    visit_book,
)
from lenddesk.customers.signals import stage_changed
from lenddesk.tenancy.context import bind_tenant, tenant_context
from tests.acquisition.conftest import make_integration
from tests.acquisition.test_conversions_stub import (
    Receiver,
    customer_from_platform,
    send_due,
    switch_on,
)
from tests.customers.conftest import add_customer
from tests.orders.conftest import open_order
from tests.products.conftest import make_product

ALLOWED_KEYS = {"event", "event_id", "lead_ref", "occurred_at", "integration"}


@pytest.fixture(scope="module")
def receiver():
    stub = Receiver()
    yield stub
    stub.close()


@pytest.fixture
def credit(tenant_a, admin_a):
    return make_product(tenant_a, admin_a)


@pytest.fixture
def platform(tenant_a, admin_a, receiver):
    """A platform whose leads wait in the pool, conversion feedback on (every
    event, no amount band) to the stub, which knows the secret."""
    integration, secret = make_integration(tenant_a, admin_a, assign_mode="pool")
    receiver.reset(switch_on(tenant_a, admin_a, integration, receiver.url))
    return integration, secret


def _own(tenant, actor, customer):
    with tenant_context(tenant):
        customer_assign(actor=actor, customers=[customer], owner=actor)
        return Customer.objects.get(pk=customer.pk)


def _to_stage(tenant, actor, customer, key, capture):
    with tenant_context(tenant):
        stage = FunnelStage.objects.get(key=key)
        customer = Customer.objects.get(pk=customer.pk)
    with capture(execute=True), tenant_context(tenant):
        customer_update(actor=actor, customer=customer, data={}, stage_id=stage.pk)


def _rows(tenant, **filters):
    with tenant_context(tenant):
        return list(ConversionCallback.objects.filter(**filters).order_by("pk"))


def test_signing_an_order_sends_one_signed_callback_to_the_platform_of_the_lead(
    client,
    tenant_a,
    admin_a,
    platform,
    receiver,
    credit,
    django_capture_on_commit_callbacks,
):
    integration, secret = platform
    other, other_secret = make_integration(tenant_a, admin_a, name="另一平台")
    switch_on(tenant_a, admin_a, other, receiver.url)
    signing = customer_from_platform(
        client, tenant_a, integration, secret, key="lead-a-1"
    )
    customer_from_platform(client, tenant_a, integration, secret, key="lead-b-2")
    customer_from_platform(client, tenant_a, other, other_secret, key="lead-c-3")
    walk_in = add_customer(tenant_a, admin_a, owner=admin_a)
    signing = _own(tenant_a, admin_a, signing)
    with django_capture_on_commit_callbacks(execute=True):
        open_order(tenant_a, admin_a, product=credit, customer=signing)
        open_order(tenant_a, admin_a, product=credit, customer=walk_in)
    bodies = receiver.bodies()
    assert len(receiver.received) == 2 and all(r["verified"] for r in receiver.received)
    assert sorted(b["event"] for b in bodies) == ["qualified", "signed"]  # a jump
    signed = next(b for b in bodies if b["event"] == "signed")
    assert set(signed) == ALLOWED_KEYS  # no amount band: not allowed
    assert signed["lead_ref"] == "lead-a-1"
    assert signed["integration"] == integration.key
    request = next(r for r in receiver.received if json.loads(r["raw"]) == signed)
    assert request["headers"]["Idempotency-Key"] == signed["event_id"]
    assert request["headers"]["Content-Type"].startswith("application/json")
    rows = _rows(tenant_a)
    assert {(r.integration_id, r.lead_ref) for r in rows} == {
        (integration.pk, "lead-a-1")
    }
    assert all(r.status == CallbackStatus.DELIVERED and r.attempts == 1 for r in rows)
    with tenant_context(tenant_a):
        signing = Customer.objects.get(pk=signing.pk)
    with django_capture_on_commit_callbacks(execute=True):  # signs again: sent once
        open_order(tenant_a, admin_a, product=credit, customer=signing)
    assert len(receiver.received) == 2 and len(_rows(tenant_a)) == 2


def test_qualified_at_the_stage_the_firm_chose_and_once_only(
    client, tenant_a, admin_a, receiver, django_capture_on_commit_callbacks
):
    integration, secret = make_integration(tenant_a, admin_a, assign_mode="pool")
    receiver.reset(
        switch_on(
            tenant_a,
            admin_a,
            integration,
            receiver.url,
            events=["qualified"],
            qualified_stage="visited",
        )
    )
    customer = _own(
        tenant_a,
        admin_a,
        customer_from_platform(client, tenant_a, integration, secret, key="q-1"),
    )
    with django_capture_on_commit_callbacks(execute=True), tenant_context(tenant_a):
        visit_book(  # invited: before the firm's qualified stage
            actor=admin_a,
            customer=customer,
            scheduled_at=timezone.now() + dt.timedelta(days=1),
            place="门店",
        )
    assert receiver.received == [] and _rows(tenant_a) == []
    capture = django_capture_on_commit_callbacks
    _to_stage(tenant_a, admin_a, customer, "visited", capture)
    _to_stage(tenant_a, admin_a, customer, "contacted", capture)  # back …
    _to_stage(tenant_a, admin_a, customer, "signed", capture)  # … and on again
    assert [b["event"] for b in receiver.bodies()] == ["qualified"]
    assert [r.event for r in _rows(tenant_a)] == ["qualified"]


def test_disbursed_and_lost_each_go_out_once(
    client, tenant_a, admin_a, receiver, django_capture_on_commit_callbacks
):
    integration, secret = make_integration(tenant_a, admin_a, assign_mode="pool")
    receiver.reset(
        switch_on(
            tenant_a,
            admin_a,
            integration,
            receiver.url,
            events=["disbursed", "lost"],
        )
    )
    customer = _own(
        tenant_a,
        admin_a,
        customer_from_platform(client, tenant_a, integration, secret, key="d-1"),
    )
    capture = django_capture_on_commit_callbacks
    for key in ("disbursed", "lost", "disbursed", "lost"):
        _to_stage(tenant_a, admin_a, customer, key, capture)
    assert [b["event"] for b in receiver.bodies()] == ["disbursed", "lost"]
    assert all(b["lead_ref"] == "d-1" for b in receiver.bodies())


def test_amount_band_goes_only_where_the_firm_allows_it(
    client, tenant_a, admin_a, receiver, django_capture_on_commit_callbacks
):
    allowed, allowed_secret = make_integration(tenant_a, admin_a, assign_mode="pool")
    secret = switch_on(tenant_a, admin_a, allowed, receiver.url, send_amount_band=True)
    plain, plain_secret = make_integration(tenant_a, admin_a, name="二号平台")
    switch_on(tenant_a, admin_a, plain, receiver.url)
    with tenant_context(tenant_a):  # one secret per platform; the stub knows one
        conversion_settings_save(
            actor=admin_a, integration=plain, values={"events": ["lost"]}
        )
    receiver.reset(secret)
    banded = customer_from_platform(
        client, tenant_a, allowed, allowed_secret, key="band-1", amount="200000"
    )
    unbanded = customer_from_platform(
        client, tenant_a, plain, plain_secret, key="band-2", amount="200000"
    )
    banded, unbanded = (_own(tenant_a, admin_a, c) for c in (banded, unbanded))
    with django_capture_on_commit_callbacks(execute=True), tenant_context(tenant_a):
        customers_set_stage(
            actor=admin_a,
            customer_ids=[banded.pk, unbanded.pk],
            stage_id=FunnelStage.objects.get(key="invited").pk,
        )
    assert [(b["event"], b.get("amount_band")) for b in receiver.bodies()] == [
        ("qualified", "10-30万")
    ]
    assert _rows(tenant_a, integration=plain) == []  # "lost" only there
    with tenant_context(tenant_a):
        conversion_settings_save(
            actor=admin_a, integration=plain, values={"events": ["qualified"]}
        )
    _to_stage(
        tenant_a, admin_a, unbanded, "visited", django_capture_on_commit_callbacks
    )
    [plain_row] = _rows(tenant_a, integration=plain)
    assert plain_row.amount_band == ""


def test_no_personal_field_in_any_callback(
    client, tenant_a, admin_a, platform, receiver, django_capture_on_commit_callbacks
):
    integration, secret = platform
    with tenant_context(tenant_a):
        conversion_settings_save(
            actor=admin_a, integration=integration, values={"send_amount_band": True}
        )
    customer = customer_from_platform(
        client,
        tenant_a,
        integration,
        secret,
        key="pii-1",
        name="欧阳娜娜",
        phone="13700001234",
        id_number="110101199003070011",
        amount="350000",
        city="杭州",
    )
    customer = _own(tenant_a, admin_a, customer)
    for key in ("signed", "disbursed", "lost"):
        _to_stage(tenant_a, admin_a, customer, key, django_capture_on_commit_callbacks)
    assert len(receiver.received) == 4
    for request in receiver.received:
        body = json.loads(request["raw"])
        assert set(body) == ALLOWED_KEYS | {"amount_band"}
        assert body["amount_band"] == "30-50万"
        text = request["raw"].decode() + json.dumps(request["headers"])
        for personal in ("欧阳", "13700001234", "110101199003", "350000", "杭州"):
            assert personal not in text
        assert str(customer.pk) not in (body["lead_ref"], body["event_id"])


def test_a_500_is_retried_after_the_back_off_and_then_delivered(
    client, tenant_a, admin_a, platform, receiver, django_capture_on_commit_callbacks
):
    integration, secret = platform
    receiver.answers = [500]
    customer = _own(
        tenant_a,
        admin_a,
        customer_from_platform(client, tenant_a, integration, secret, key="r-1"),
    )
    _to_stage(
        tenant_a, admin_a, customer, "invited", django_capture_on_commit_callbacks
    )
    [row] = _rows(tenant_a)
    assert (row.status, row.attempts, row.last_http_status) == ("pending", 1, 500)
    assert row.last_error == "http_status"
    assert row.next_attempt_at > timezone.now() + dt.timedelta(seconds=50)
    assert send_due(tenant_a) == {}  # not due yet: the sweep leaves it
    with tenant_context(tenant_a):
        ConversionCallback.objects.filter(pk=row.pk).update(
            next_attempt_at=timezone.now()
        )
    assert send_due(tenant_a) == {"delivered": 1}
    [row] = _rows(tenant_a)
    assert (row.status, row.attempts, row.last_http_status) == ("delivered", 2, 200)
    first, second = receiver.received
    assert json.loads(first["raw"]) == json.loads(second["raw"])  # same event id
    assert first["headers"]["Idempotency-Key"] == second["headers"]["Idempotency-Key"]


def test_failed_after_the_last_attempt(
    client,
    tenant_a,
    admin_a,
    platform,
    receiver,
    settings,
    django_capture_on_commit_callbacks,
):
    settings.CONVERSION_MAX_ATTEMPTS = 3
    settings.CONVERSION_BACKOFF_SECONDS = 0
    integration, secret = platform
    receiver.answers = [500, 503, 502, 500]
    customer = _own(
        tenant_a,
        admin_a,
        customer_from_platform(client, tenant_a, integration, secret, key="f-1"),
    )
    _to_stage(
        tenant_a, admin_a, customer, "invited", django_capture_on_commit_callbacks
    )
    [row] = _rows(tenant_a)
    assert (row.status, row.attempts, row.last_http_status) == ("failed", 3, 502)
    assert len(receiver.received) == 3
    assert send_due(tenant_a) == {}  # failed rows wait for someone to send again


def test_an_unreachable_platform_is_a_retry_and_a_switched_off_one_fails(
    client, tenant_a, admin_a, platform, receiver, django_capture_on_commit_callbacks
):
    integration, secret = platform
    customer = _own(
        tenant_a,
        admin_a,
        customer_from_platform(client, tenant_a, integration, secret, key="n-1"),
    )
    with tenant_context(tenant_a):  # a port nobody listens on
        conversion_settings_save(
            actor=admin_a,
            integration=integration,
            values={"url": "http://127.0.0.1:9/none"},
        )
    _to_stage(
        tenant_a, admin_a, customer, "invited", django_capture_on_commit_callbacks
    )
    [row] = _rows(tenant_a)
    assert (row.status, row.last_error, row.last_http_status) == (
        "pending",
        "network",
        None,
    )
    with tenant_context(tenant_a):
        conversion_settings_save(
            actor=admin_a, integration=integration, values={"enabled": False}
        )
        ConversionCallback.objects.update(next_attempt_at=timezone.now())
    assert send_due(tenant_a) == {"failed": 1}
    assert _rows(tenant_a)[0].last_error == "disabled"
    _to_stage(tenant_a, admin_a, customer, "lost", django_capture_on_commit_callbacks)
    assert len(_rows(tenant_a)) == 1  # off: nothing new is written
    assert receiver.received == []


def test_a_new_secret_signs_what_goes_out_from_then_on(
    client, tenant_a, admin_a, platform, receiver, django_capture_on_commit_callbacks
):
    integration, secret = platform
    old = receiver.secret
    customer = _own(
        tenant_a,
        admin_a,
        customer_from_platform(client, tenant_a, integration, secret, key="s-1"),
    )
    with tenant_context(tenant_a):
        issued = conversion_secret_rotate(actor=admin_a, integration=integration)
    assert issued.secret and issued.secret != old
    _to_stage(
        tenant_a, admin_a, customer, "invited", django_capture_on_commit_callbacks
    )
    assert receiver.received[0]["verified"] is False  # the platform still has the old
    receiver.secret = issued.secret
    with tenant_context(tenant_a):
        ConversionCallback.objects.update(next_attempt_at=timezone.now())
    assert send_due(tenant_a) == {"delivered": 1}


def test_two_claimers_never_take_the_same_callback(
    client, tenant_a, admin_a, platform, receiver
):
    integration, secret = platform
    customer = _own(
        tenant_a,
        admin_a,
        customer_from_platform(client, tenant_a, integration, secret, key="c-1"),
    )
    with tenant_context(tenant_a):  # written, not yet sent (no commit here)
        customer_update(
            actor=admin_a,
            customer=customer,
            data={},
            stage_id=FunnelStage.objects.get(key="signed").pk,
        )
        ids = list(ConversionCallback.objects.values_list("pk", flat=True))
    assert len(ids) == 2
    with bind_tenant(tenant_a):
        first = conversions_claim(candidates=ids)
        second = conversions_claim(candidates=ids)  # read before the first claimed
    assert sorted(c.pk for c in first) == sorted(ids) and second == []


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"url": "http://platform.example.com/cb"}, "url"),
        ({"url": "https://127.0.0.1/cb"}, "url"),
        ({"url": "https://10.1.2.3:8443/cb"}, "url"),
        ({"url": "https://user:pw@platform.example.com/cb"}, "url"),
        ({"url": ""}, "url"),
        ({"url": "https://platform.example.com/cb", "events": ["won"]}, "events"),
        ({"url": "https://platform.example.com/cb", "events": []}, "events"),
        (
            {"url": "https://platform.example.com/cb", "qualified_stage": "lost"},
            "qualified_stage",
        ),
        ({"url": "https://platform.example.com/cb", "enabled": "yes"}, "enabled"),
    ],
)
def test_bad_settings_are_refused_naming_the_field(
    tenant_a, admin_a, settings, values, field
):
    settings.CONVERSION_STRICT_URLS = True  # production's rules
    integration, _secret = make_integration(tenant_a, admin_a)
    with tenant_context(tenant_a), pytest.raises(ValidationError) as refused:
        conversion_settings_save(
            actor=admin_a, integration=integration, values={"enabled": True, **values}
        )
    assert list(refused.value.message_dict) == [field]


def test_a_private_address_is_refused_again_when_sending(
    client,
    tenant_a,
    admin_a,
    platform,
    receiver,
    settings,
    django_capture_on_commit_callbacks,
):
    """Saved while allowed (or a name that later points inside): in production the
    request itself refuses a private address, and nothing reaches it."""
    integration, secret = platform
    customer = _own(
        tenant_a,
        admin_a,
        customer_from_platform(client, tenant_a, integration, secret, key="x-1"),
    )
    settings.CONVERSION_STRICT_URLS = True
    with tenant_context(tenant_a):
        integration.conversion.url = receiver.url.replace("http:", "https:")
        integration.conversion.save()
    _to_stage(
        tenant_a, admin_a, customer, "invited", django_capture_on_commit_callbacks
    )
    [row] = _rows(tenant_a)
    assert (row.status, row.last_error) == ("failed", "blocked_address")
    assert receiver.received == []


def test_every_stage_mover_sends_stage_changed(
    client, tenant_a, admin_a, credit, django_capture_on_commit_callbacks
):
    heard = []

    def listen(sender, *, customer_ids, stage_key, actor, **kwargs):
        heard.append((stage_key, tuple(customer_ids)))

    stage_changed.connect(listen, dispatch_uid="test-listen")
    try:
        customer = add_customer(tenant_a, admin_a, owner=admin_a)
        other = add_customer(tenant_a, admin_a, owner=admin_a)
        with tenant_context(tenant_a):
            followup_create(
                actor=admin_a, customer=customer, kind="call", content="聊过"
            )
            customers_set_stage(
                actor=admin_a,
                customer_ids=[customer.pk, other.pk],
                stage_id=FunnelStage.objects.get(key="visited").pk,
            )
        open_order(tenant_a, admin_a, product=credit, customer=customer)
    finally:
        stage_changed.disconnect(dispatch_uid="test-listen")
    assert heard == [
        ("contacted", (customer.pk,)),
        ("visited", (customer.pk, other.pk)),
        ("signed", (customer.pk,)),
    ]
