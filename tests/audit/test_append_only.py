"""T32/T33: audit rows are written in the caller's transaction and never changed."""

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction

from lenddesk.accounts.models import User
from lenddesk.accounts.services import user_create
from lenddesk.audit.models import AuditAction, AuditEvent
from lenddesk.tenancy.context import tenant_context
from tests.factories import PASSWORD


class Rollback(Exception):
    pass


def test_orm_update_is_refused(tenant_a):
    with tenant_context(tenant_a):
        before = list(AuditEvent.objects.values_list("seq", "reason", "row_hash"))
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            AuditEvent.objects.filter(seq=1).update(reason="edited")
        event = AuditEvent.objects.get(seq=1)
        event.reason = "edited"
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            event.save()
        after = list(AuditEvent.objects.values_list("seq", "reason", "row_hash"))
    assert before == after


def test_orm_delete_is_refused(tenant_a):
    with tenant_context(tenant_a):
        count = AuditEvent.objects.count()
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            AuditEvent.objects.filter(seq=1).delete()
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            AuditEvent.objects.get(seq=2).delete()
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            AuditEvent.objects.all().delete()
        assert AuditEvent.objects.count() == count


@pytest.mark.postgres
def test_app_role_can_neither_change_nor_truncate(tenant_a):
    from django.conf import settings

    role = connection.ops.quote_name(settings.DB_APP_ROLE)
    for sql in (
        "UPDATE audit_auditevent SET reason = 'x'",
        "DELETE FROM audit_auditevent",
        "TRUNCATE audit_auditevent",
    ):
        with (
            pytest.raises(DatabaseError, match=r"append-only|permission denied"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute("SET LOCAL ROLE %s" % role)
            cursor.execute(
                "SELECT set_config('app.tenant_id', %s, true)", [str(tenant_a.pk)]
            )
            cursor.execute(sql)


def _user_created_rows(username: str) -> int:
    return AuditEvent.objects.filter(
        action=AuditAction.USER_CREATED, object_repr=username
    ).count()


def _create(admin, username: str, password: str = PASSWORD) -> User:
    return user_create(
        actor=admin, username=username, display_name=username, password=password
    )


def test_rolled_back_service_leaves_no_audit_row(tenant_a, admin_a):
    with tenant_context(tenant_a):
        head = AuditEvent.objects.order_by("-seq").first().seq
        with pytest.raises(Rollback), transaction.atomic():
            _create(admin_a, "temp")
            assert _user_created_rows("temp") == 1
            raise Rollback
        assert _user_created_rows("temp") == 0
        assert not User.objects.filter(username="temp").exists()
        with pytest.raises(ValidationError):
            _create(admin_a, "weak", password="123")
        assert _user_created_rows("weak") == 0
        assert AuditEvent.objects.order_by("-seq").first().seq == head
        # The chain head rolled back too: the next row follows on without a gap.
        _create(admin_a, "next")
        assert AuditEvent.objects.order_by("-seq").first().seq == head + 1


def test_committed_service_leaves_exactly_one_row(tenant_a, admin_a):
    with tenant_context(tenant_a):
        before = AuditEvent.objects.count()
        user = _create(admin_a, "wang")
        assert AuditEvent.objects.count() == before + 1
        event = AuditEvent.objects.order_by("-seq").first()
    assert event.action == AuditAction.USER_CREATED
    assert (event.actor_id, event.object_id) == (admin_a.pk, str(user.pk))
    assert event.object_type == "accounts.user" and event.result == "ok"
    assert "password" not in event.changes or event.changes["password"] == "[redacted]"
