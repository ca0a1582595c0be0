"""``lenddesk audit verify`` and ``lenddesk audit anchor``."""

import io

import pytest
from django.core.management import CommandError, call_command

from lenddesk.audit.models import AuditAction, AuditChainHead, AuditEvent
from lenddesk.audit.services import audit_record, verify_chain
from lenddesk.tenancy.context import tenant_context
from tests.audit.tampering import edit_reason, rehash_from


def run(*args) -> tuple[int, list[str]]:
    out = io.StringIO()
    try:
        call_command("audit", *args, stdout=out)
    except SystemExit as exc:
        return exc.code, out.getvalue().splitlines()
    return 0, out.getvalue().splitlines()


def _count(tenant) -> int:
    with tenant_context(tenant):
        return AuditEvent.objects.count()


def test_verify_clean(tenant_a, tenant_b):
    code, lines = run("verify")
    assert code == 0
    assert lines == [
        "ok firm-a: %d rows" % _count(tenant_a),
        "ok firm-b: %d rows" % _count(tenant_b),
    ]


def test_verify_exits_1_after_tampering(tenant_a, tenant_b):
    edit_reason(tenant_a, 2)
    code, lines = run("verify")
    assert code == 1
    assert lines == [
        "BROKEN firm-a: first bad row 2 (content was edited)",
        "ok firm-b: %d rows" % _count(tenant_b),
    ]
    assert run("verify", "--tenant", "firm-b") == (
        0,
        ["ok firm-b: %d rows" % _count(tenant_b)],
    )
    assert run("verify", "--tenant", "firm-a")[0] == 1


def test_unknown_tenant_names_the_option(db):
    with pytest.raises(CommandError, match="--tenant"):
        call_command("audit", "verify", "--tenant", "no-such-firm")
    with pytest.raises(CommandError, match="--tenant"):
        call_command("audit", "anchor", "--tenant", "no-such-firm")


def test_a_subcommand_is_required(db):
    with pytest.raises(CommandError):
        call_command("audit")


def test_anchor_prints_each_chain_head(tenant_a, tenant_b):
    code, lines = run("anchor")
    assert code == 0
    expected = []
    for tenant in (tenant_a, tenant_b):
        with tenant_context(tenant):
            head = AuditChainHead.objects.get()
        expected.append("%s %d %s" % (tenant.slug, head.seq, head.last_hash))
    assert lines == expected
    assert run("anchor", "--tenant", "firm-b") == (0, expected[1:])


def test_anchors_catch_a_rehashed_chain(tenant_a, tenant_b, tmp_path):
    _code, anchors = run("anchor")
    anchor_file = tmp_path / "anchors.txt"
    anchor_file.write_text("# shipped nightly\n" + "\n".join(anchors) + "\n")
    with tenant_context(tenant_a):
        audit_record(action=AuditAction.USER_UPDATED, object_repr="after the anchor")
    assert run("verify", "--anchors", str(anchor_file))[0] == 0

    edit_reason(tenant_a, 2)
    rehash_from(tenant_a, 2)
    with tenant_context(tenant_a):
        assert verify_chain().ok, "a re-hashed chain looks whole from the inside"
    assert run("verify")[0] == 0
    code, lines = run("verify", "--anchors", str(anchor_file))
    seq_a = int(anchors[0].split()[1])
    assert code == 1
    assert (
        lines[0]
        == "BROKEN firm-a: anchor at row %d (differs from the external anchor)" % seq_a
    )
    assert lines[1].startswith("ok firm-b: ")


def test_bad_anchor_file_names_the_option(db, tmp_path):
    bad = tmp_path / "anchors.txt"
    bad.write_text("firm-a twelve abc\n")
    with pytest.raises(CommandError, match="--anchors"):
        call_command("audit", "verify", "--anchors", str(bad))
    with pytest.raises(CommandError, match="--anchors"):
        call_command("audit", "verify", "--anchors", str(tmp_path / "missing.txt"))
