"""T34: the per-tenant hash chain names the first row that was edited, removed,
inserted or reordered, by ``verify_chain()`` and by ``lenddesk audit verify``."""

import io
import itertools
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from lenddesk.accounts.models import Role
from lenddesk.accounts.services import user_create
from lenddesk.audit.models import AuditAction, AuditChainHead, AuditEvent
from lenddesk.audit.services import GENESIS, audit_record, compute_hash, verify_chain
from lenddesk.tenancy.context import tenant_context
from tests.audit.tampering import delete_row, edit_reason, swap_seq
from tests.conftest import login
from tests.factories import PASSWORD


@pytest.fixture
def busy_a(client, tenant_a, tenant_b, admin_a, salesperson_a):
    """Tenant A after real work: log-ins, a log-out and two staff created."""
    login(client, salesperson_a)
    client.post("/accounts/logout/")
    login(client, salesperson_a)
    with tenant_context(tenant_a):
        role = Role.objects.get(key="salesperson")
        for name in ("zhang", "li"):
            user_create(
                actor=admin_a,
                username=name,
                display_name=name,
                password=PASSWORD,
                role_ids=[role.pk],
            )
        audit_record(actor=admin_a, action=AuditAction.USER_UPDATED, reason="row 9+")
        assert AuditEvent.objects.count() >= 6
    return tenant_a


def _verify(tenant):
    with tenant_context(tenant):
        return verify_chain()


def _command_exit_code() -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("audit", "verify", stdout=out)
    except SystemExit as exc:
        return exc.code, out.getvalue()
    return 0, out.getvalue()


def test_normal_operation_verifies_clean(busy_a, tenant_b):
    with tenant_context(busy_a):
        count = AuditEvent.objects.count()
        actions = set(AuditEvent.objects.values_list("action", flat=True))
        head = AuditChainHead.objects.get()
        first = AuditEvent.objects.get(seq=1)
    assert {AuditAction.LOGIN, AuditAction.LOGOUT, AuditAction.USER_CREATED} <= actions
    report = _verify(busy_a)
    assert report.ok and report.checked == count and report.first_bad_seq is None
    assert (head.seq, first.prev_hash) == (count, GENESIS)
    assert _verify(tenant_b).ok
    assert _command_exit_code()[0] == 0


def test_each_row_hash_covers_its_content_and_the_previous_row(busy_a):
    with tenant_context(busy_a):
        rows = list(AuditEvent.objects.order_by("seq"))
    for previous, row in itertools.pairwise(rows):
        assert row.prev_hash == previous.row_hash
        assert row.row_hash == compute_hash(row)


def test_edited_row_is_named(busy_a, tenant_b):
    edit_reason(busy_a, 3)
    report = _verify(busy_a)
    assert not report.ok
    assert (report.first_bad_seq, report.problem) == (3, "content was edited")
    assert report.checked == 2
    assert _verify(tenant_b).ok, "another tenant's chain is independent"
    code, out = _command_exit_code()
    assert code == 1
    assert "BROKEN firm-a: first bad row 3 (content was edited)" in out
    assert "ok firm-b:" in out


def test_deleted_row_is_named(busy_a):
    delete_row(busy_a, 4)
    report = _verify(busy_a)
    assert (report.ok, report.first_bad_seq) == (False, 4)
    assert "missing" in report.problem
    assert _command_exit_code()[0] == 1


def test_deleted_last_row_is_caught_by_the_head(busy_a):
    with tenant_context(busy_a):
        last = AuditEvent.objects.order_by("-seq").first().seq
    delete_row(busy_a, last)
    report = _verify(busy_a)
    assert (report.ok, report.first_bad_seq) == (False, last)
    assert _command_exit_code()[0] == 1


def _append_forged(tenant, *, row_hash=None, created_at=None):
    """An INSERT needs no trigger bypass: the table is append-only, not write-proof."""
    with tenant_context(tenant):
        last = AuditEvent.objects.order_by("-seq").first()
        forged = AuditEvent(
            tenant=tenant,
            seq=last.seq + 1,
            created_at=created_at or timezone.now(),
            actor=None,
            actor_name="ghost",
            action=AuditAction.USER_DISABLED,
            object_repr="someone",
            changes=json.loads(json.dumps({"status": "disabled"})),
            prev_hash=last.row_hash,
            row_hash="",
        )
        forged.row_hash = row_hash or compute_hash(forged)
        forged.save(force_insert=True)
    return forged


def test_row_inserted_with_made_up_hash_is_named(busy_a):
    forged = _append_forged(busy_a, row_hash="f" * 64)
    report = _verify(busy_a)
    assert (report.ok, report.first_bad_seq) == (False, forged.seq)
    assert report.problem == "content was edited"
    assert _command_exit_code()[0] == 1


def test_back_dated_row_with_a_valid_hash_is_caught_by_the_head(busy_a):
    forged = _append_forged(busy_a, created_at=timezone.now() - timedelta(days=90))
    report = _verify(busy_a)
    assert (report.ok, report.first_bad_seq) == (False, forged.seq)
    assert "removed or added" in report.problem
    assert _command_exit_code()[0] == 1


def test_swapped_rows_are_named(busy_a):
    swap_seq(busy_a, 3, 4)
    report = _verify(busy_a)
    assert (report.ok, report.first_bad_seq) == (False, 3)
    assert report.problem == "link to previous row broken"
    assert _command_exit_code()[0] == 1


def test_triggers_are_back_after_tampering(busy_a):
    from django.db import DatabaseError, transaction

    edit_reason(busy_a, 2)
    with (
        tenant_context(busy_a),
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
    ):
        AuditEvent.objects.filter(seq=2).update(reason="again")
