"""Entries written during a web request are staged and chained when it commits: the
chain stays whole, and an entry rolled back with its savepoint never reaches it."""

import pytest
from django.db import transaction

from lenddesk.accounts.services import token_issue
from lenddesk.audit.models import AuditAction, AuditEvent, AuditStaged
from lenddesk.audit.services import audit_record, staged_audit, verify_chain
from lenddesk.tenancy.context import tenant_context
from tests.customers.conftest import add_customer


def test_rolled_back_savepoint_takes_its_staged_entry_with_it(tenant_a, admin_a):
    with tenant_context(tenant_a), transaction.atomic():
        before = AuditEvent.objects.count()
        with staged_audit(tenant_a.pk):
            audit_record(actor=admin_a, action="test.kept")
            try:
                with transaction.atomic():
                    audit_record(actor=admin_a, action="test.undone")
                    raise RuntimeError("the change failed")
            except RuntimeError:
                pass
            assert AuditEvent.objects.count() == before  # nothing chained yet
        actions = list(
            AuditEvent.objects.order_by("-seq").values_list("action", flat=True)[:2]
        )
        assert actions[0] == "test.kept" and "test.undone" not in actions
        assert not AuditStaged.objects.exists()
        assert verify_chain().ok


@pytest.mark.postgres
def test_a_request_chains_its_entries_before_it_commits(client, tenant_a, admin_a):
    customer = add_customer(tenant_a, admin_a, name="郑十一", to_pool=True)
    with tenant_context(tenant_a):
        _token, raw = token_issue(user=admin_a)
    response = client.post(
        "/api/v1/customers/%d/claim/" % customer.pk,
        HTTP_AUTHORIZATION="Bearer " + raw,
    )
    assert response.status_code == 200
    with tenant_context(tenant_a):
        assert AuditEvent.objects.filter(
            action=AuditAction.CUSTOMER_CLAIMED, object_id=str(customer.pk)
        ).exists()
        assert not AuditStaged.objects.exists()
        assert verify_chain().ok
