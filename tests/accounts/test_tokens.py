"""Listing and revoking API tokens (issue 13, finding 16): one's own through the page
and the API, a colleague's as an administrator, and at log-out."""

import pytest
from django.test import Client

from lenddesk.accounts.models import ApiToken, DataScope, User
from lenddesk.accounts.services import role_save, token_issue
from lenddesk.audit.models import AuditAction, AuditEvent
from lenddesk.tenancy.context import tenant_context
from tests.conftest import force_session
from tests.factories import make_user


def _issue(user, client="api") -> tuple[ApiToken, str]:
    with tenant_context(user.tenant):
        return token_issue(user=User.objects.get(pk=user.pk), client=client)


def _auth(raw: str) -> dict:
    return {"HTTP_AUTHORIZATION": "Bearer " + raw, "HTTP_ACCEPT_LANGUAGE": "en"}


def _me_status(raw: str) -> int:
    return Client().get("/api/v1/me/", **_auth(raw)).status_code


def _revocations(tenant) -> list[AuditEvent]:
    with tenant_context(tenant):
        return list(AuditEvent.objects.filter(action=AuditAction.TOKEN_REVOKED))


def test_the_api_lists_own_live_tokens_without_secrets(tenant_a, salesperson_a):
    used, raw = _issue(salesperson_a)
    other, other_raw = _issue(salesperson_a, client="mobile")
    gone, _gone_raw = _issue(salesperson_a)
    with tenant_context(tenant_a):
        ApiToken.objects.filter(pk=gone.pk).update(revoked_at=used.created_at)
    colleague = make_user(tenant_a, "sales2")
    _issue(colleague)

    response = Client().get("/api/v1/auth/tokens/", **_auth(raw))
    assert response.status_code == 200
    rows = response.json()
    assert [row["id"] for row in rows] == [other.pk, used.pk]
    assert rows[1]["current"] is True and rows[0]["current"] is False
    assert rows[0]["client"] == "mobile" and rows[0]["prefix"] == other_raw[:12]
    assert set(rows[0]) == {
        "id",
        "prefix",
        "client",
        "created_at",
        "expires_at",
        "last_used_at",
        "current",
    }
    assert other_raw not in response.content.decode()
    assert other.key_hash not in response.content.decode()


def test_revoking_one_token_ends_only_that_one_and_is_audited(tenant_a, salesperson_a):
    _keep, raw = _issue(salesperson_a)
    lost, lost_raw = _issue(salesperson_a)
    response = Client().delete("/api/v1/auth/tokens/%d/" % lost.pk, **_auth(raw))
    assert response.status_code == 204
    assert _me_status(lost_raw) == 401
    assert _me_status(raw) == 200
    [event] = _revocations(tenant_a)
    assert event.actor_id == salesperson_a.pk and event.object_id == str(lost.pk)


def test_someone_elses_token_is_404_for_a_colleague(
    tenant_a, tenant_b, salesperson_a, admin_b
):
    _mine, raw = _issue(salesperson_a)
    colleague = make_user(tenant_a, "sales2")
    theirs, theirs_raw = _issue(colleague)
    foreign, _foreign_raw = _issue(admin_b)
    for token in (theirs, foreign):
        url = "/api/v1/auth/tokens/%d/" % token.pk
        assert Client().get(url, **_auth(raw)).status_code == 404
        assert Client().delete(url, **_auth(raw)).status_code == 404
    assert _me_status(theirs_raw) == 200
    assert _revocations(tenant_a) == []


def test_the_logout_api_revokes_the_token_used(tenant_a, salesperson_a):
    _token, raw = _issue(salesperson_a)
    _other, other_raw = _issue(salesperson_a)
    assert Client().post("/api/v1/auth/logout/", **_auth(raw)).status_code == 204
    assert _me_status(raw) == 401
    assert _me_status(other_raw) == 200
    assert len(_revocations(tenant_a)) == 1


def test_an_administrator_revokes_a_colleagues_token(
    client, tenant_a, admin_a, salesperson_a
):
    token, raw = _issue(salesperson_a)
    _admin_token, admin_raw = _issue(admin_a)
    listing = Client().get(
        "/api/v1/users/%d/tokens/" % salesperson_a.pk, **_auth(admin_raw)
    )
    assert [row["id"] for row in listing.json()] == [token.pk]
    response = Client().delete("/api/v1/auth/tokens/%d/" % token.pk, **_auth(admin_raw))
    assert response.status_code == 204
    assert _me_status(raw) == 401
    [event] = _revocations(tenant_a)
    assert event.actor_id == admin_a.pk
    assert event.changes["user"] == salesperson_a.pk

    second, second_raw = _issue(salesperson_a)
    force_session(client, admin_a)
    page = client.get("/accounts/staff/%d/tokens/" % salesperson_a.pk)
    assert page.status_code == 200 and second.prefix in page.content.decode()
    client.post("/accounts/tokens/%d/revoke/" % second.pk)
    assert _me_status(second_raw) == 401


def test_a_deputy_cannot_revoke_the_tokens_of_someone_above_them(tenant_a, admin_a):
    with tenant_context(tenant_a):
        role = role_save(
            actor=admin_a,
            role=None,
            data={
                "key": "deputy",
                "name": "deputy",
                "codes": ["user.view", "user.change"],
                "data_scope": DataScope.ALL,
            },
        )
    deputy = make_user(tenant_a, "deputy", role_keys=[])
    with tenant_context(tenant_a):
        deputy.roles.set([role])
    admin_token, admin_raw = _issue(admin_a)
    _deputy_token, deputy_raw = _issue(deputy)
    response = Client().delete(
        "/api/v1/auth/tokens/%d/" % admin_token.pk, **_auth(deputy_raw)
    )
    assert response.status_code == 400
    assert response.json()["error"] == "outranks_you"
    assert _me_status(admin_raw) == 200


def test_the_token_page_lists_and_revokes_own_tokens(client, tenant_a, salesperson_a):
    token, raw = _issue(salesperson_a)
    force_session(client, salesperson_a)
    home = client.get("/").content.decode()
    assert "/accounts/tokens/" in home  # reachable from the user menu
    page = client.get("/accounts/tokens/")
    assert page.status_code == 200
    html = page.content.decode()
    assert token.prefix in html and raw not in html
    response = client.post("/accounts/tokens/%d/revoke/" % token.pk)
    assert response.status_code == 302
    assert _me_status(raw) == 401
    assert len(_revocations(tenant_a)) == 1


@pytest.mark.parametrize("revoke", [True, False])
def test_logout_can_end_the_api_tokens_too(client, tenant_a, salesperson_a, revoke):
    _token, raw = _issue(salesperson_a)
    force_session(client, salesperson_a)
    data = {"revoke_tokens": "1"} if revoke else {}
    assert client.post("/accounts/logout/", data).status_code == 302
    assert _me_status(raw) == (401 if revoke else 200)


def test_the_schema_documents_the_token_routes(client, db):
    paths = client.get("/api/v1/schema/?format=json").json()["paths"]
    assert {"get", "delete"} <= set(paths["/api/v1/auth/tokens/{id}/"])
    assert "get" in paths["/api/v1/auth/tokens/"]
    assert "post" in paths["/api/v1/auth/logout/"]
    assert "get" in paths["/api/v1/users/{id}/tokens/"]
