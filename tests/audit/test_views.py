"""The audit log pages: tenant walls, permissions, filters, export and verification."""

import csv
import io
import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lenddesk.audit.models import AuditAction, AuditEvent
from lenddesk.audit.services import EXPORT_CAP, audit_record
from lenddesk.security.text import neutralise_formula as neutralise
from lenddesk.tenancy.context import tenant_context
from tests.audit.tampering import edit_reason
from tests.conftest import force_session
from tests.factories import make_user

CANARY_B = "CANARY-B-7c1f"
HOSTILE = '=HYPERLINK("http://e.example","x")'
OBJECT_REPR = 8  # CSV column of object_repr
REASON = 10


@pytest.fixture
def en_client(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def events(tenant_a, tenant_b, admin_a, admin_b):
    """A few rows in each firm; firm B's chain is the longer one."""
    with tenant_context(tenant_b):
        for i in range(40):
            audit_record(
                actor=admin_b,
                action=AuditAction.USER_UPDATED,
                object_repr="%s %d" % (CANARY_B, i),
                reason=CANARY_B,
            )
        max_b = AuditEvent.objects.order_by("-seq").first().seq
    with tenant_context(tenant_a):
        audit_record(
            actor=admin_a,
            action=AuditAction.USER_DISABLED,
            object_type="accounts.user",
            object_id="77",
            object_repr="<script>alert(1)</script>",
            changes={"status": ["active", "disabled"], "note": "<b>bold</b>"},
            purpose="staff left",
            result="refused",
            reason="last admin",
        )
        audit_record(
            actor=admin_a, action=AuditAction.USER_UPDATED, object_repr=HOSTILE
        )
        max_a = AuditEvent.objects.order_by("-seq").first().seq
    assert max_b > max_a
    return {"max_a": max_a, "max_b": max_b}


def _admin(client, admin_a):
    force_session(client, admin_a)
    return client


def test_list_shows_only_the_tenants_rows(en_client, admin_a, events):
    page = _admin(en_client, admin_a).get("/audit/")
    html = page.content.decode()
    assert page.status_code == 200
    assert CANARY_B not in html
    assert "Staff disabled" in html  # the action's label, not its code
    assert "staff left" in html and "last admin" in html
    with tenant_context(admin_a.tenant):
        expected = list(
            AuditEvent.objects.order_by("-seq").values_list("seq", flat=True)
        )
    assert [e.seq for e in page.context["page"].events] == expected[:50]


def test_list_escapes_stored_text(en_client, admin_a, events):
    html = _admin(en_client, admin_a).get("/audit/").content.decode()
    assert "<script>alert(1)</script>" not in html and "<b>bold</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html  # inside the pretty-printed changes


@pytest.mark.parametrize("path", ["/audit/", "/audit/1/", "/audit/export.csv"])
def test_salesperson_is_refused(client, salesperson_a, events, path):
    force_session(client, salesperson_a)
    assert client.get(path).status_code == 403
    assert client.post("/audit/verify/").status_code == 403


def test_menu_entry_follows_the_permission(client, admin_a, salesperson_a):
    assert 'href="/audit/"' in _admin(client, admin_a).get("/").content.decode()
    force_session(client, salesperson_a)
    assert 'href="/audit/"' not in client.get("/").content.decode()


def test_general_manager_views_but_cannot_export(client, tenant_a, events):
    manager = make_user(tenant_a, "gm", role_keys=["general_manager"])
    force_session(client, manager)
    page = client.get("/audit/")
    assert page.status_code == 200
    assert 'data-testid="export-csv"' not in page.content.decode()
    assert client.get("/audit/export.csv").status_code == 403
    with tenant_context(tenant_a):
        assert not AuditEvent.objects.filter(action=AuditAction.AUDIT_EXPORTED).exists()


def test_filter_by_action(client, admin_a, events):
    page = _admin(client, admin_a).get("/audit/", {"action": AuditAction.USER_DISABLED})
    rows = page.context["page"].events
    assert page.status_code == 200
    assert [e.object_repr for e in rows] == ["<script>alert(1)</script>"]


def test_filter_by_actor_result_object_and_text(client, admin_a, events):
    client = _admin(client, admin_a)

    def reprs(**query):
        page = client.get("/audit/", query)
        assert page.status_code == 200, page.context["form"].errors
        return [e.object_repr for e in page.context["page"].events]

    assert reprs(result="refused") == ["<script>alert(1)</script>"]
    assert reprs(object_type="accounts.user", object_id="77") == [
        "<script>alert(1)</script>"
    ]
    assert reprs(q="hyperlink") == [HOSTILE]
    assert reprs(q="last admin") == ["<script>alert(1)</script>"]  # reason
    assert HOSTILE in reprs(actor=admin_a.pk)


@pytest.mark.parametrize(
    "query",
    [
        {"date_from": "2026-13-45"},
        {"date_to": "yesterday"},
        {"date_from": "2026-05-02", "date_to": "2026-05-01"},
        {"action": "no.such.action"},
        {"actor": "abc"},
        {"before": "-3"},
    ],
)
def test_bad_filter_is_a_field_error(en_client, admin_a, events, query):
    client = _admin(en_client, admin_a)
    page = client.get("/audit/", query)
    assert page.status_code == 400
    assert page.context["form"].errors
    assert 'class="invalid-feedback' in page.content.decode()
    assert client.get("/audit/export.csv", query).status_code == 400


def test_actor_of_another_firm_is_not_a_valid_filter(client, admin_a, admin_b, events):
    page = _admin(client, admin_a).get("/audit/", {"actor": admin_b.pk})
    assert page.status_code == 400 and "actor" in page.context["form"].errors


def test_date_range_uses_the_firm_time_zone_and_whole_days(
    client, tenant_a, admin_a, events
):
    # 23:30 on 1 May in Shanghai is 15:30 UTC: it belongs to 1 May locally.
    late = datetime(2020, 5, 1, 15, 30, tzinfo=UTC)
    with time_machine.travel(late, tick=False), tenant_context(tenant_a):
        audit_record(actor=admin_a, action=AuditAction.LOGIN, object_repr="late")
    client = _admin(client, admin_a)

    def reprs(**query):
        page = client.get("/audit/", query)
        assert page.status_code == 200
        return [e.object_repr for e in page.context["page"].events]

    assert reprs(date_from="2020-05-01", date_to="2020-05-01") == ["late"]
    assert reprs(date_to="2020-05-01") == ["late"]
    assert reprs(date_from="2020-05-02", date_to="2020-05-02") == []
    assert reprs(date_from="2020-04-30", date_to="2020-04-30") == []


def test_pages_by_cursor_without_count_or_per_row_queries(
    client, tenant_a, admin_a, events
):
    client = _admin(client, admin_a)
    client.get("/audit/")  # warm caches (menu discovery, permissions)
    with CaptureQueriesContext(connection) as few:
        client.get("/audit/")
    with tenant_context(tenant_a):
        for i in range(110):
            audit_record(actor=admin_a, action=AuditAction.LOGIN, object_repr="p%d" % i)
        total = AuditEvent.objects.count()
    with CaptureQueriesContext(connection) as many:
        first = client.get("/audit/")
    assert len(many) == len(few)
    audit_sql = [
        q["sql"] for q in many.captured_queries if "audit_auditevent" in q["sql"]
    ]
    assert not any("COUNT(" in sql.upper() for sql in audit_sql)

    page = first.context["page"]
    assert len(page.events) == 50 and page.newer_cursor is None
    assert page.older_cursor == total - 49
    html = first.content.decode()
    assert "before=%d" % page.older_cursor in html

    second = client.get("/audit/", {"before": page.older_cursor}).context["page"]
    assert [e.seq for e in second.events] == list(range(total - 50, total - 100, -1))
    assert second.older_cursor == total - 99
    assert second.newer_cursor == total - 50
    back = client.get("/audit/", {"after": second.newer_cursor}).context["page"]
    assert [e.seq for e in back.events] == [e.seq for e in page.events]
    assert back.newer_cursor is None and back.older_cursor == total - 49


def test_detail_page_and_other_firms_seq(en_client, admin_a, events):
    client = _admin(en_client, admin_a)
    page = client.get("/audit/%d/" % (events["max_a"] - 1))
    html = page.content.decode()
    assert page.status_code == 200
    assert "&lt;script&gt;" in html and "staff left" in html and "last admin" in html
    foreign = client.get("/audit/%d/" % events["max_b"])
    assert foreign.status_code == 404
    assert CANARY_B not in foreign.content.decode()


def _csv(response) -> tuple[str, list[list[str]]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    watermark, _newline, rest = body[1:].partition("\r\n")
    return watermark, list(csv.reader(io.StringIO(rest, newline="")))


def test_export_is_watermarked_neutralised_and_audited(
    client, tenant_a, admin_a, events
):
    with tenant_context(tenant_a):
        before = AuditEvent.objects.count()
    response = _admin(client, admin_a).get("/audit/export.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith(
        'attachment; filename="audit-firm-a-'
    )
    assert "no-store" in response["Cache-Control"]
    watermark, rows = _csv(response)
    assert re.fullmatch(
        r"# exported by admin at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00 from firm-a",
        watermark,
    )
    header, data = rows[0], rows[1:]
    assert len(header) == 17 and len(data) == before
    assert [int(r[0]) for r in data] == list(range(before, 0, -1))
    reprs = [r[OBJECT_REPR] for r in data]
    assert "'" + HOSTILE in reprs and HOSTILE not in reprs
    assert all(CANARY_B not in cell for row in data for cell in row)

    with tenant_context(tenant_a):
        logged = AuditEvent.objects.get(action=AuditAction.AUDIT_EXPORTED)
        assert AuditEvent.objects.count() == before + 1
    assert logged.actor_id == admin_a.pk
    assert logged.changes == {
        "filters": {},
        "rows": before,
        "capped": False,
        "up_to_seq": before,
    }


def test_export_applies_the_filters_and_logs_them(client, tenant_a, admin_a, events):
    response = _admin(client, admin_a).get(
        "/audit/export.csv", {"q": "HYPERLINK", "date_from": "2020-01-01"}
    )
    _watermark, rows = _csv(response)
    assert [r[OBJECT_REPR] for r in rows[1:]] == ["'" + HOSTILE]
    with tenant_context(tenant_a):
        logged = AuditEvent.objects.get(action=AuditAction.AUDIT_EXPORTED)
    assert logged.changes["filters"] == {"q": "HYPERLINK", "date_from": "2020-01-01"}
    assert logged.changes["rows"] == 1


def test_export_is_capped(client, tenant_a, admin_a, events, monkeypatch):
    import lenddesk.audit.export
    import lenddesk.audit.services

    monkeypatch.setattr(lenddesk.audit.services, "EXPORT_CAP", 3)
    monkeypatch.setattr(lenddesk.audit.export, "EXPORT_CAP", 3)
    _watermark, rows = _csv(_admin(client, admin_a).get("/audit/export.csv"))
    assert len(rows[1:-1]) == 3 and rows[-1][0].startswith("#")
    with tenant_context(tenant_a):
        logged = AuditEvent.objects.get(action=AuditAction.AUDIT_EXPORTED)
    assert (logged.changes["rows"], logged.changes["capped"]) == (3, True)
    assert EXPORT_CAP == 100_000


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=x", "'\t=x"),
        ("\r=x", "'\r=x"),
        (HOSTILE, "'" + HOSTILE),
        ("张三", "张三"),
        ("a=b", "a=b"),
        (None, ""),
        (42, "42"),
    ],
)
def test_neutralise(value, expected):
    assert neutralise(value) == expected


def test_verify_button_reports_the_result(en_client, tenant_a, admin_a, events):
    client = _admin(en_client, admin_a)
    response = client.post("/audit/verify/", follow=True)
    assert response.redirect_chain[-1][0] == "/audit/"
    html = response.content.decode()
    assert "The audit chain is intact: %d rows checked." % events["max_a"] in html

    edit_reason(tenant_a, 2)
    html = client.post("/audit/verify/", follow=True).content.decode()
    assert "The audit chain is broken at row 2: content was edited." in html


def test_verify_needs_post(client, admin_a):
    assert _admin(client, admin_a).get("/audit/verify/").status_code == 405


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_export_rows_are_read_after_the_request_transaction(client):
    """On PostgreSQL the request's transaction (and its RLS tenant setting) has
    committed before the body streams; the rows must still all arrive."""
    from tests.factories import make_tenant

    tenant = make_tenant(slug="firm-stream")
    with tenant_context(tenant):
        from lenddesk.accounts.models import User

        admin = User.objects.get(username="admin")
        expected = AuditEvent.objects.count()
    response = _admin(client, admin).get("/audit/export.csv")
    assert not connection.in_atomic_block
    _watermark, rows = _csv(response)
    assert len(rows) - 1 == expected
