"""T31: reveal with a permission, a purpose, a rate limit and an audit row
(ASVS 7.5.3, 2.4.1, 16.3.2)."""

import datetime as dt
import json
import logging

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from lenddesk.audit.models import AuditAction, AuditEvent
from lenddesk.audit.services import verify_chain
from lenddesk.security.errors import RateLimited, SecurityError
from lenddesk.security.services import REVEAL_LIMIT, reveal_field
from lenddesk.tenancy.context import tenant_context
from tests.factories import make_user
from tests.security.helpers import save_secret

PHONE = "13900000001"
NATIONAL_ID = "110101199001011237"
PURPOSE = "客户回访核实身份"


@pytest.fixture
def subject(tenant_a):
    user = make_user(tenant_a, "subject")
    save_secret(user, "phone", PHONE)
    return save_secret(user, "id_number", NATIONAL_ID)


def _events(tenant, action):
    with tenant_context(tenant):
        return list(AuditEvent.objects.filter(action=action).order_by("seq"))


def _reveal(actor, subject, field="phone", purpose=PURPOSE):
    """As a view calls it: inside the request's transaction, which commits when the
    error becomes a 4xx response. The error is re-raised after the commit."""
    with tenant_context(actor.tenant):
        try:
            return reveal_field(
                actor=actor, instance=subject, field=field, purpose=purpose
            )
        except (PermissionDenied, RateLimited, ValidationError, Http404) as exc:
            refused = exc
    raise refused


def test_without_the_permission_the_reveal_is_refused_and_audited(
    salesperson_a, subject
):
    with pytest.raises(PermissionDenied):
        _reveal(salesperson_a, subject)

    [refusal] = _events(salesperson_a.tenant, AuditAction.REVEAL_REFUSED)
    assert refusal.result == "refused"
    assert refusal.actor_id == salesperson_a.pk
    assert refusal.object_id == str(subject.pk)
    assert refusal.changes == {"field": "phone"}
    assert refusal.reason == SecurityError.REVEAL_NOT_ALLOWED
    assert not _events(salesperson_a.tenant, AuditAction.FIELD_REVEALED)
    with tenant_context(salesperson_a.tenant):
        assert verify_chain().ok


@pytest.mark.parametrize("purpose", ["", "   ", " a ", None])
def test_a_purpose_is_required(admin_a, subject, purpose):
    with pytest.raises(ValidationError) as caught:
        _reveal(admin_a, subject, purpose=purpose)
    assert list(caught.value.error_dict) == ["purpose"]
    assert caught.value.error_dict["purpose"][0].code == SecurityError.PURPOSE_REQUIRED
    assert not _events(admin_a.tenant, AuditAction.FIELD_REVEALED)


def test_unknown_field_is_refused(admin_a, subject):
    with pytest.raises(ValidationError) as caught:
        _reveal(admin_a, subject, field="password")
    assert caught.value.error_dict["field"][0].code == SecurityError.UNKNOWN_FIELD


def test_reveal_returns_the_value_and_audits_without_it(admin_a, subject):
    assert _reveal(admin_a, subject) == "+86" + PHONE
    assert _reveal(admin_a, subject, field="id_number") == NATIONAL_ID

    phone_row, id_row = _events(admin_a.tenant, AuditAction.FIELD_REVEALED)
    assert phone_row.changes == {"field": "phone"}
    assert id_row.changes == {"field": "id_number"}
    assert phone_row.purpose == PURPOSE and phone_row.result == "ok"
    assert phone_row.actor_id == admin_a.pk
    for row in (phone_row, id_row):
        logged = json.dumps(
            [row.changes, row.reason, row.purpose, row.object_repr], ensure_ascii=False
        )
        for secret in (PHONE, "0000001", NATIONAL_ID, "19900101"):
            assert secret not in logged


def test_numbers_typed_into_the_purpose_are_not_logged(admin_a, subject):
    _reveal(admin_a, subject, purpose="回拨 139 0000 0001 确认")

    [row] = _events(admin_a.tenant, AuditAction.FIELD_REVEALED)
    assert row.purpose == "回拨 *** 确认"


def test_another_firms_record_is_not_found(admin_a, tenant_b):
    stranger = save_secret(make_user(tenant_b, "stranger"), "phone", PHONE)
    with pytest.raises(Http404):
        _reveal(admin_a, stranger)


def test_the_21st_reveal_in_an_hour_is_rate_limited(admin_a, subject, caplog):
    start = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        for _ in range(REVEAL_LIMIT):
            _reveal(admin_a, subject)
        with caplog.at_level(logging.WARNING), pytest.raises(RateLimited) as caught:
            _reveal(admin_a, subject)
    assert caught.value.code == "rate_limited"
    assert 0 < caught.value.retry_after <= 3600
    [refusal] = _events(admin_a.tenant, AuditAction.REVEAL_REFUSED)
    assert refusal.reason == SecurityError.RATE_LIMITED
    assert len(_events(admin_a.tenant, AuditAction.FIELD_REVEALED)) == REVEAL_LIMIT
    assert "Reveal limit reached" in caplog.text and PHONE not in caplog.text

    with (
        time_machine.travel(start + dt.timedelta(minutes=30), tick=False),
        pytest.raises(RateLimited),
    ):
        _reveal(admin_a, subject)
    with time_machine.travel(start + dt.timedelta(minutes=61), tick=False):
        assert _reveal(admin_a, subject) == "+86" + PHONE


def test_the_limit_is_per_person(admin_a, subject, tenant_a):
    colleague = make_user(tenant_a, "admin2", role_keys=["admin"])
    for _ in range(REVEAL_LIMIT):
        _reveal(admin_a, subject)
    assert _reveal(colleague, subject) == "+86" + PHONE
