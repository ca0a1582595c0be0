"""The hourly job that logs every firm's chain head, for shipping off the machine."""

import io
import logging

import pytest
from django.conf import settings
from django.core.management import call_command

from lenddesk.audit.models import AuditAction
from lenddesk.audit.services import audit_record, chain_anchor
from lenddesk.audit.tasks import log_chain_anchors_task as log_chain_anchors
from lenddesk.tenancy.context import tenant_context
from tests.audit.tampering import edit_reason, rehash_from

pytestmark = pytest.mark.django_db


def _anchor_lines(caplog) -> list[str]:
    prefix = "audit anchor "
    return [
        record.getMessage().removeprefix(prefix)
        for record in caplog.records
        if record.name == "lenddesk.audit.anchor"
        and record.getMessage().startswith(prefix)
    ]


def test_the_job_is_scheduled_hourly():
    entry = settings.CELERY_BEAT_SCHEDULE["audit-log-chain-anchors"]
    assert (entry["task"], entry["schedule"]) == ("audit.log_chain_anchors", 3600)


def test_logged_anchors_catch_a_chain_rehashed_with_the_key(
    tenant_a, tenant_b, admin_a, tmp_path, caplog
):
    with tenant_context(tenant_a):
        for reason in ("one", "two", "three"):
            audit_record(actor=admin_a, action=AuditAction.USER_UPDATED, reason=reason)
        seq, row_hash = chain_anchor()
    caplog.set_level(logging.INFO, logger="lenddesk.audit.anchor")
    assert log_chain_anchors.delay().get() >= 2
    lines = _anchor_lines(caplog)
    assert "%s %d %s" % (tenant_a.slug, seq, row_hash) in lines
    assert any(line.startswith(tenant_b.slug + " ") for line in lines)
    anchors = tmp_path / "anchors.txt"
    anchors.write_text("\n".join(lines) + "\n")

    edit_reason(tenant_a, 2, "quietly changed")
    rehash_from(tenant_a, 2)  # with the key: only the anchor can tell
    out = io.StringIO()
    with pytest.raises(SystemExit) as broken:
        call_command("audit", "verify", "--anchors", str(anchors), stdout=out)
    assert broken.value.code == 1
    assert "BROKEN %s: anchor at row %d" % (tenant_a.slug, seq) in out.getvalue()
