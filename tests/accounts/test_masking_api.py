"""Staff phone and ID numbers leave the system masked unless revealed with a purpose
(SECURITY T07, T31), on pages and in the API."""

from django.test import Client

from lenddesk.accounts.models import User
from lenddesk.accounts.services import token_issue, user_update
from lenddesk.audit.models import AuditAction, AuditEvent
from lenddesk.tenancy.context import tenant_context
from tests.conftest import force_session

CANARY_PHONE = "13900000001"
CANARY_ID = "110105199001011232"


def _with_canaries(tenant, admin, subject):
    with tenant_context(tenant):
        user_update(
            actor=admin,
            user=User.objects.get(pk=subject.pk),
            display_name=subject.display_name,
            phone=CANARY_PHONE,
            id_number=CANARY_ID,
        )


def _bearer(tenant, user):
    with tenant_context(tenant):
        _token, raw = token_issue(user=user)
    return {"HTTP_AUTHORIZATION": "Bearer " + raw}


def test_pages_and_api_never_show_the_full_numbers(
    client, tenant_a, admin_a, salesperson_a
):
    _with_canaries(tenant_a, admin_a, salesperson_a)
    force_session(client, admin_a)
    bodies = [
        client.get("/accounts/staff/").content.decode(),
        client.get("/accounts/staff/%d/" % salesperson_a.pk).content.decode(),
        Client().get("/api/v1/users/", **_bearer(tenant_a, admin_a)).content.decode(),
        Client()
        .get("/api/v1/users/%d/" % salesperson_a.pk, **_bearer(tenant_a, admin_a))
        .content.decode(),
    ]
    for body in bodies:
        assert CANARY_PHONE not in body and CANARY_ID not in body
        assert "00000001" not in body
    assert "139****0001" in bodies[0]
    detail = (
        Client()
        .get("/api/v1/users/%d/" % salesperson_a.pk, **_bearer(tenant_a, admin_a))
        .json()
    )
    assert detail["phone"] == "139****0001"
    assert detail["id_number"] == "110105********1232"


def test_reveal_needs_purpose_permission_and_is_audited(
    tenant_a, admin_a, salesperson_a
):
    _with_canaries(tenant_a, admin_a, salesperson_a)
    url = "/api/v1/users/%d/reveal/" % salesperson_a.pk
    admin = Client()
    headers = _bearer(tenant_a, admin_a)
    no_purpose = admin.post(
        url,
        {"field": "phone", "purpose": ""},
        content_type="application/json",
        **headers,
    )
    assert no_purpose.status_code == 400
    assert "purpose" in no_purpose.json()["fields"]
    ok = admin.post(
        url,
        {"field": "phone", "purpose": "安排面签"},
        content_type="application/json",
        **headers,
    )
    assert ok.status_code == 200
    assert ok.json()["value"] == "+86" + CANARY_PHONE or ok.json()["value"].endswith(
        CANARY_PHONE
    )
    assert ok["Cache-Control"].startswith("no-store")
    seller = Client().post(
        url,
        {"field": "phone", "purpose": "x y"},
        content_type="application/json",
        **_bearer(tenant_a, salesperson_a),
    )
    assert seller.status_code == 403
    with tenant_context(tenant_a):
        revealed = AuditEvent.objects.get(action=AuditAction.FIELD_REVEALED)
        assert revealed.purpose == "安排面签" and revealed.actor_id == admin_a.pk
        assert CANARY_PHONE not in str(revealed.changes)
        assert AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED).exists()


def test_reveal_page_with_htmx(client, tenant_a, admin_a, salesperson_a):
    _with_canaries(tenant_a, admin_a, salesperson_a)
    force_session(client, admin_a)
    response = client.post(
        "/accounts/staff/%d/reveal/" % salesperson_a.pk,
        {"field": "id_number", "purpose": "核对身份"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert CANARY_ID in response.content.decode()
    assert response["Cache-Control"].startswith("no-store")


def test_bad_phone_or_id_names_the_field(client, tenant_a, admin_a, salesperson_a):
    force_session(client, admin_a)
    response = client.post(
        "/accounts/staff/%d/" % salesperson_a.pk,
        {"display_name": "x", "phone": "12345", "id_number": "110105199001011239"},
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "phone" in errors and "id_number" in errors
    api = Client().patch(
        "/api/v1/users/%d/" % salesperson_a.pk,
        {"phone": "abc"},
        content_type="application/json",
        **_bearer(tenant_a, admin_a),
    )
    assert api.status_code == 400 and "phone" in api.json()["fields"]
