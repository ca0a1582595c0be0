"""T34 with a keyed chain: row hashes are HMACs under AUDIT_CHAIN_KEY, so someone with
database access but not the key cannot edit and re-hash; chains written before the
key existed keep verifying, and their sealed cut-over cannot be moved."""

import base64
import hashlib
import hmac
import io

import pytest
from django.core.management import call_command

from lenddesk.audit.models import AuditAction, AuditChainHead, AuditEvent
from lenddesk.audit.services import (
    _canonical,
    audit_record,
    audit_records,
    verify_chain,
)
from lenddesk.tenancy.context import tenant_context
from tests.audit.tampering import (
    edit_reason,
    make_legacy_chain,
    move_cutover,
    rehash_from,
)
from tests.conftest import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain_a(client, tenant_a, admin_a, salesperson_a):
    login(client, salesperson_a)
    client.post("/accounts/logout/")
    with tenant_context(tenant_a):
        audit_records(
            [
                {"actor": admin_a, "action": AuditAction.USER_UPDATED, "reason": r}
                for r in ("one", "two", "three")
            ]
        )
        assert AuditEvent.objects.count() >= 5
    return tenant_a


def _verify(tenant):
    with tenant_context(tenant):
        return verify_chain()


def _rows(tenant):
    with tenant_context(tenant):
        return list(AuditEvent.objects.order_by("seq"))


def _command(tenant) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("audit", "verify", "--tenant", tenant.slug, stdout=out)
    except SystemExit as exc:
        return exc.code, out.getvalue()
    return 0, out.getvalue()


def test_every_row_hash_is_an_hmac_under_the_configured_key(chain_a, settings):
    key = base64.b64decode(settings.AUDIT_CHAIN_KEY)
    for row in _rows(chain_a):
        message = row.prev_hash.encode() + _canonical(row)
        assert row.row_hash == hmac.new(key, message, hashlib.sha256).hexdigest()
        assert row.row_hash != hashlib.sha256(message).hexdigest()


def test_an_edit_rehashed_without_the_key_is_caught_without_anchors(chain_a):
    edit_reason(chain_a, 3, "quietly changed")
    rehash_from(chain_a, 3, keyed=False)
    report = _verify(chain_a)
    assert (report.ok, report.first_bad_seq) == (False, 3)
    assert report.problem == "content was edited"
    code, out = _command(chain_a)
    assert code == 1 and "BROKEN firm-a: first bad row 3" in out


def test_passing_keyed_rows_off_as_unkeyed_old_ones_is_caught(chain_a):
    last = _rows(chain_a)[-1].seq
    edit_reason(chain_a, 2, "quietly changed")
    rehash_from(chain_a, 1, keyed=False)
    move_cutover(chain_a, last)
    report = _verify(chain_a)
    assert not report.ok and report.first_bad_seq == 1
    assert "re-hashed without its key" in report.problem
    assert _command(chain_a)[0] == 1


def test_a_cutover_moved_past_the_last_row_is_caught(chain_a):
    rehash_from(chain_a, 1, keyed=False)
    move_cutover(chain_a, _rows(chain_a)[-1].seq + 5)
    assert not _verify(chain_a).ok


def test_another_key_is_reported_not_mistaken_for_an_edit(chain_a, settings):
    settings.AUDIT_CHAIN_KEY = base64.b64encode(b"k" * 32).decode()
    report = _verify(chain_a)
    assert not report.ok
    assert "AUDIT_CHAIN_KEY is not the key" in report.problem


def test_a_chain_from_before_the_key_verifies_and_continues_keyed(
    chain_a, admin_a, tenant_b
):
    legacy_seq = make_legacy_chain(chain_a)
    with tenant_context(chain_a):
        assert AuditChainHead.objects.get().legacy_seq == legacy_seq
    assert _verify(chain_a).ok
    with tenant_context(chain_a):
        audit_record(actor=admin_a, action=AuditAction.USER_UPDATED, reason="after")
    rows = _rows(chain_a)
    assert rows[-1].seq == legacy_seq + 1
    assert rows[-1].prev_hash == rows[-2].row_hash
    report = _verify(chain_a)
    assert report.ok and report.checked == legacy_seq + 1
    assert _verify(tenant_b).ok


def test_an_old_row_rehashed_without_the_key_breaks_the_first_keyed_row(
    chain_a, admin_a
):
    legacy_seq = make_legacy_chain(chain_a)
    with tenant_context(chain_a):
        audit_record(actor=admin_a, action=AuditAction.USER_UPDATED, reason="after")
    edit_reason(chain_a, 2, "quietly changed")
    rehash_from(chain_a, 2, keyed=False)  # legacy and keyed rows alike
    report = _verify(chain_a)
    assert not report.ok
    assert report.first_bad_seq in {1, legacy_seq + 1}


def test_an_old_row_rehashed_before_any_keyed_row_is_caught_by_the_seal(chain_a):
    make_legacy_chain(chain_a)
    edit_reason(chain_a, 2, "quietly changed")
    rehash_from(chain_a, 2, keyed=False)
    report = _verify(chain_a)
    assert not report.ok
    assert "re-hashed without its key" in report.problem
