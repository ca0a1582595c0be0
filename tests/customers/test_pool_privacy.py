"""Issue 13, findings 4 and 6: a public-pool customer shows a masked name and no
history until someone claims it, and nobody writes to it before claiming — on the
pages and through the API alike, with one answer (403 ``not_owner``)."""

import datetime as dt
import io
import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from lenddesk.audit.models import AuditAction, AuditEvent
from lenddesk.customers import services
from lenddesk.customers.documents import document_upload
from lenddesk.customers.models import (
    Customer,
    CustomerDocument,
    FollowUp,
    FunnelStage,
    Visit,
)
from lenddesk.tenancy.context import tenant_context
from tests.conftest import force_session
from tests.customers.conftest import add_customer
from tests.customers.test_pages_and_api import _bearer

FULL_NAME = "欧阳娜娜"
MASKED = "欧**娜"
HISTORY = ("征信有两次逾期", "春熙路门店", "客户说暂不需要", "房贷客户")


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "blue").save(out, format="PNG")
    return out.getvalue()


PNG = _png()


def _released_with_history(tenant, owner):
    """A customer its owner worked on (follow-up, visit, tag, document), then
    returned to the public pool with a reason."""
    customer = add_customer(tenant, owner, owner=owner, name=FULL_NAME)
    with tenant_context(tenant):
        customer = Customer.objects.get(pk=customer.pk)
        services.customer_update(
            actor=owner, customer=customer, data={}, tag_names=["房贷客户"]
        )
        services.followup_create(
            actor=owner, customer=customer, kind="call", content="征信有两次逾期"
        )
        services.visit_book(
            actor=owner,
            customer=customer,
            scheduled_at=timezone.now() + dt.timedelta(days=1),
            place="春熙路门店",
        )
        document = document_upload(
            actor=owner,
            customer=customer,
            kind="id_card",
            upload=SimpleUploadedFile("id.png", PNG),
        )
        services.customer_release(
            actor=owner, customer=customer, reason="客户说暂不需要"
        )
        Customer.objects.filter(pk=customer.pk).update(
            next_followup_at=timezone.now() - dt.timedelta(hours=1)
        )
    return customer, document


def _error_detail(response) -> str:
    found = re.search(
        r'data-testid="error-detail">(.*?)</p>', response.content.decode(), re.S
    )
    return found.group(1).strip() if found else ""


def test_pool_page_and_api_show_masked_name_and_no_history(
    client, tenant_a, admin_a, team
):
    customer, document = _released_with_history(tenant_a, team["s1"])
    force_session(client, team["s2"])
    page = client.get("/customers/%d/" % customer.pk)
    html = page.content.decode()
    assert page.status_code == 200
    assert FULL_NAME not in html
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert MASKED in title and MASKED in html
    for secret in HISTORY:
        assert secret not in html, secret
    assert 'data-testid="timeline"' not in html
    assert "promotion-source-slot" not in html and "match-panel-slot" not in html
    pool = client.get("/customers/pool/").content.decode()
    assert MASKED in pool and FULL_NAME not in pool

    api = Client()
    headers = _bearer(tenant_a, team["s2"])
    detail = api.get("/api/v1/customers/%d/" % customer.pk, **headers)
    assert detail.status_code == 200 and detail.json()["name"] == MASKED
    assert FULL_NAME not in detail.content.decode()
    history = api.get("/api/v1/customers/%d/follow-ups/" % customer.pk, **headers)
    assert history.status_code == 403 and history.json()["error"] == "not_owner"

    # A manager whose scope covers everyone sees no more of a pool customer.
    force_session(client, admin_a)
    html = client.get("/customers/%d/" % customer.pk).content.decode()
    assert FULL_NAME not in html and "征信有两次逾期" not in html
    team_todo = client.get("/customers/todo/?team=1").content.decode()
    assert FULL_NAME not in team_todo
    download = client.get("/customers/documents/%d/" % document.pk)
    assert download.status_code == 403 and PNG not in download.content
    with tenant_context(tenant_a):
        released = AuditEvent.objects.get(
            action=AuditAction.CUSTOMER_RELEASED, object_id=str(customer.pk)
        )
    assert released.object_repr == MASKED

    # Claimed: the new owner sees the full name and the history.
    force_session(client, team["s2"])
    assert client.post("/customers/%d/claim/" % customer.pk).status_code == 302
    html = client.get("/customers/%d/" % customer.pk).content.decode()
    assert FULL_NAME in html
    for secret in HISTORY:
        assert secret in html, secret


def test_pool_customer_refuses_every_write_on_pages_as_in_the_api(
    client, tenant_a, admin_a, team
):
    pooled = add_customer(tenant_a, admin_a, name="王五")
    with tenant_context(tenant_a):
        before = Customer.objects.get(pk=pooled.pk)
        other_stage = FunnelStage.objects.exclude(pk=before.stage_id).first()
        audit_rows = AuditEvent.objects.count()
    api = Client()
    headers = _bearer(tenant_a, team["lead1"])
    refused = api.post(
        "/api/v1/customers/%d/follow-ups/" % pooled.pk,
        {"kind": "call", "content": "偷偷跟进"},
        content_type="application/json",
        **headers,
    )
    assert refused.status_code == 403
    assert refused.json()["error"] == "not_owner"
    message = refused.json()["detail"]
    assert message
    patched = api.patch(
        "/api/v1/customers/%d/" % pooled.pk,
        {"rating": "A"},
        content_type="application/json",
        **headers,
    )
    assert patched.status_code == 403 and patched.json()["detail"] == message

    force_session(client, team["lead1"])
    soon = (timezone.localtime() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    attempts = {
        "followups/": {"kind": "call", "content": "偷偷跟进"},
        "visits/": {"scheduled_at": soon, "place": "门店"},
        "lock/": {},
        "unlock/": {},
        "stage/": {"stage": other_stage.pk},
        "release/": {},
        "edit/": {"name": "改名", "kind": "person", "urgency": "normal"},
        "reveal/": {"field": "phone", "purpose": "核实号码"},
        "documents/": {"kind": "id_card", "file": SimpleUploadedFile("a.png", PNG)},
    }
    for path, data in attempts.items():
        response = client.post("/customers/%d/%s" % (pooled.pk, path), data)
        assert response.status_code == 403, path
        assert _error_detail(response) == message, path
    assert client.get("/customers/%d/edit/" % pooled.pk).status_code == 403

    with tenant_context(tenant_a):
        after = Customer.objects.get(pk=pooled.pk)
        assert FollowUp.objects.filter(customer_id=pooled.pk).count() == 0
        assert not Visit.objects.filter(customer_id=pooled.pk).exists()
        assert not CustomerDocument.objects.filter(customer_id=pooled.pk).exists()
        assert (after.is_locked, after.stage_id, after.rating, after.name) == (
            False,
            before.stage_id,
            before.rating,
            "王五",
        )
        assert after.owner_id is None and after.pool_id == before.pool_id
        # Only the refusals' own access records, no change was audited.
        assert not AuditEvent.objects.filter(
            action__in=[
                AuditAction.FOLLOWUP_CREATED,
                AuditAction.VISIT_BOOKED,
                AuditAction.CUSTOMER_UPDATED,
                AuditAction.CUSTOMER_RELEASED,
            ]
        ).exists()
        assert AuditEvent.objects.count() >= audit_rows

    # Claimed, the same page writes work.
    assert client.post("/customers/%d/claim/" % pooled.pk).status_code == 302
    done = client.post(
        "/customers/%d/followups/" % pooled.pk, {"kind": "call", "content": "已联系"}
    )
    assert done.status_code == 302


def test_visit_status_of_a_pool_customer_is_refused(client, tenant_a, admin_a, team):
    customer = add_customer(tenant_a, team["s1"], owner=team["s1"], name="李雷")
    with tenant_context(tenant_a):
        visit = services.visit_book(
            actor=team["s1"],
            customer=Customer.objects.get(pk=customer.pk),
            scheduled_at=timezone.now() + dt.timedelta(days=1),
            place="门店",
        )
        services.customer_release(
            actor=team["s1"], customer=Customer.objects.get(pk=customer.pk)
        )
    force_session(client, admin_a)
    response = client.post(
        "/customers/visits/%d/status/" % visit.pk, {"status": "arrived"}
    )
    assert response.status_code == 403
    with tenant_context(tenant_a):
        assert Visit.objects.get(pk=visit.pk).status == "booked"
