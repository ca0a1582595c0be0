"""Nobody hands out more power than they hold (issue 13, finding 1).

A custom role with only ``user.view`` + ``user.change`` once granted itself the
Administrator role through ``PATCH /api/v1/users/<self>/``. These tests replay that
attack and its variants through the API and the pages, and prove what stays allowed.
"""

import pytest
from django.test import Client

from lenddesk.accounts.models import DataScope, Department, Role, User
from lenddesk.accounts.services import role_save, token_issue
from lenddesk.audit.models import AuditAction, AuditEvent
from lenddesk.tenancy.context import tenant_context
from tests.conftest import force_session
from tests.factories import make_user


def _role(tenant, admin, key, codes, scope=DataScope.ALL, departments=()):
    with tenant_context(tenant):
        return role_save(
            actor=admin,
            role=None,
            data={"key": key, "name": key, "codes": codes, "data_scope": scope},
            custom_department_ids=list(departments),
        )


def _person(tenant, admin, username, role):
    person = make_user(tenant, username, role_keys=[])
    with tenant_context(tenant):
        person.roles.set([role])
    return person


def _bearer(tenant, user) -> dict:
    with tenant_context(tenant):
        _token, raw = token_issue(user=User.objects.get(pk=user.pk))
    return {"HTTP_AUTHORIZATION": "Bearer " + raw, "HTTP_ACCEPT_LANGUAGE": "en"}


def _role_keys(tenant, user) -> set[str]:
    with tenant_context(tenant):
        return set(User.objects.get(pk=user.pk).roles.values_list("key", flat=True))


@pytest.fixture
def editor(tenant_a, admin_a):
    """The reviewer's attacker: may view and edit staff, nothing else."""
    role = _role(tenant_a, admin_a, "staff_editor", ["user.view", "user.change"])
    return _person(tenant_a, admin_a, "editor", role)


@pytest.fixture
def junior(tenant_a, admin_a):
    """A colleague whose only role the editor could have granted."""
    return _person(
        tenant_a, admin_a, "junior", _role(tenant_a, admin_a, "reader", ["user.view"])
    )


@pytest.fixture
def admin_role(tenant_a):
    with tenant_context(tenant_a):
        return Role.objects.get(key="admin")


def test_the_reported_attack_is_refused_and_changes_nothing(
    tenant_a, admin_a, editor, admin_role
):
    auth = _bearer(tenant_a, editor)
    with tenant_context(tenant_a):
        own = Role.objects.get(key="staff_editor")
    response = Client().patch(
        "/api/v1/users/%d/" % editor.pk,
        {"roles": [own.pk, admin_role.pk]},
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "cannot_change_self"
    assert body["fields"]["roles"] == [
        "You cannot change your own roles, status or department."
    ]
    assert _role_keys(tenant_a, editor) == {"staff_editor"}
    me = Client().get("/api/v1/me/", **_bearer(tenant_a, editor)).json()
    assert me["permissions"] == ["user.change", "user.view"]
    with tenant_context(tenant_a):
        assert not AuditEvent.objects.filter(
            action=AuditAction.USER_UPDATED, object_id=str(editor.pk)
        ).exists()


def test_granting_administrator_to_a_colleague_is_refused(
    tenant_a, admin_a, editor, admin_role, junior
):
    response = Client().patch(
        "/api/v1/users/%d/" % junior.pk,
        {"roles": [admin_role.pk]},
        content_type="application/json",
        **_bearer(tenant_a, editor),
    )
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "role_not_grantable"
    assert "Only an administrator can grant the role" in body["fields"]["roles"][0]
    assert _role_keys(tenant_a, junior) == {"reader"}


def test_creating_an_administrator_needs_an_administrator(
    tenant_a, admin_a, admin_role
):
    creator = _person(
        tenant_a,
        admin_a,
        "creator",
        _role(tenant_a, admin_a, "hr", ["user.view", "user.create"]),
    )
    response = Client().post(
        "/api/v1/users/",
        {
            "username": "boss2",
            "display_name": "Boss",
            "password": "Secret#2026x",
            "roles": [admin_role.pk],
        },
        content_type="application/json",
        **_bearer(tenant_a, creator),
    )
    assert response.status_code == 400
    assert response.json()["fields"]["roles"]
    with tenant_context(tenant_a):
        assert not User.objects.filter(username="boss2").exists()


def test_a_role_with_codes_beyond_the_granter_is_refused(
    tenant_a, admin_a, editor, junior
):
    """Not only Administrator: any role holding a code the granter lacks."""
    with tenant_context(tenant_a):
        finance = Role.objects.get(key="finance")
    response = Client().patch(
        "/api/v1/users/%d/" % junior.pk,
        {"roles": [finance.pk]},
        content_type="application/json",
        **_bearer(tenant_a, editor),
    )
    assert response.status_code == 400
    assert "beyond your own" in response.json()["fields"]["roles"][0]
    assert _role_keys(tenant_a, junior) == {"reader"}


def test_a_role_within_reach_can_be_granted(tenant_a, admin_a, editor, junior):
    editors = _role(tenant_a, admin_a, "editors2", ["user.change"])
    response = Client().patch(
        "/api/v1/users/%d/" % junior.pk,
        {"roles": [editors.pk]},
        content_type="application/json",
        **_bearer(tenant_a, editor),
    )
    assert response.status_code == 200, response.content
    assert _role_keys(tenant_a, junior) == {"editors2"}


def test_a_colleague_outside_the_granters_power_cannot_be_changed(
    tenant_a, admin_a, editor, salesperson_a
):
    """A salesperson holds customer codes the staff editor lacks: taking their role
    away (or changing them otherwise) is for someone who holds at least as much."""
    response = Client().patch(
        "/api/v1/users/%d/" % salesperson_a.pk,
        {"roles": []},
        content_type="application/json",
        **_bearer(tenant_a, editor),
    )
    assert response.status_code == 400
    assert response.json()["error"] == "outranks_you"
    assert _role_keys(tenant_a, salesperson_a) == {"salesperson"}


def test_a_wider_data_scope_cannot_be_granted(tenant_a, admin_a, salesperson_a):
    narrow = _role(
        tenant_a, admin_a, "narrow_editor", ["user.view", "user.change"], DataScope.DEPT
    )
    wide = _role(tenant_a, admin_a, "wide_reader", ["user.view"], DataScope.ALL)
    deputy = _person(tenant_a, admin_a, "deputy", narrow)
    with tenant_context(tenant_a):
        User.objects.filter(pk__in=[deputy.pk, salesperson_a.pk]).update(
            department=None
        )
    response = Client().patch(
        "/api/v1/users/%d/" % salesperson_a.pk,
        {"roles": [wide.pk]},
        content_type="application/json",
        **_bearer(tenant_a, deputy),
    )
    assert response.status_code in (400, 404)
    assert _role_keys(tenant_a, salesperson_a) == {"salesperson"}


def test_an_administrator_grants_administrator_and_it_is_audited(
    tenant_a, admin_a, admin_role, salesperson_a
):
    response = Client().patch(
        "/api/v1/users/%d/" % salesperson_a.pk,
        {"roles": [admin_role.pk]},
        content_type="application/json",
        **_bearer(tenant_a, admin_a),
    )
    assert response.status_code == 200, response.content
    assert _role_keys(tenant_a, salesperson_a) == {"admin"}
    with tenant_context(tenant_a):
        event = AuditEvent.objects.get(
            action=AuditAction.USER_UPDATED, object_id=str(salesperson_a.pk)
        )
    assert event.actor_id == admin_a.pk
    assert event.changes["roles"] == [["salesperson"], ["admin"]]


def test_the_html_edit_page_refuses_the_same_attack(
    client, tenant_a, admin_a, editor, admin_role, junior
):
    force_session(client, editor)
    own = client.get("/accounts/staff/%d/" % editor.pk)
    assert own.status_code == 200
    form = own.context["form"]
    assert form.fields["roles"].disabled and form.fields["department"].disabled
    offered = {pk for pk, _label in form.fields["roles"].choices}
    assert admin_role.pk not in offered
    client.post(
        "/accounts/staff/%d/" % editor.pk,
        {"display_name": "editor", "roles": [admin_role.pk]},
    )
    assert _role_keys(tenant_a, editor) == {"staff_editor"}

    colleague = client.post(
        "/accounts/staff/%d/" % junior.pk,
        {"display_name": "junior", "roles": [admin_role.pk]},
    )
    assert colleague.status_code == 400
    assert "roles" in colleague.context["form"].errors
    assert _role_keys(tenant_a, junior) == {"reader"}


def test_own_department_cannot_be_changed(tenant_a, admin_a, editor):
    from lenddesk.accounts.services import department_create

    with tenant_context(tenant_a):
        department = department_create(actor=admin_a, name="销售一部")
    response = Client().patch(
        "/api/v1/users/%d/" % editor.pk,
        {"department": department.pk},
        content_type="application/json",
        **_bearer(tenant_a, editor),
    )
    assert response.status_code == 400
    assert response.json()["fields"]["department"]
    with tenant_context(tenant_a):
        assert User.objects.get(pk=editor.pk).department_id is None


def test_own_status_cannot_be_changed(client, tenant_a, admin_a):
    from django.core.exceptions import ValidationError

    from lenddesk.accounts.services import user_activate, user_disable

    with tenant_context(tenant_a):
        admin = User.objects.get(pk=admin_a.pk)
        with pytest.raises(ValidationError):
            user_disable(actor=admin, user=admin)
        with pytest.raises(ValidationError) as info:
            user_activate(actor=admin, user=admin)
    assert info.value.code == "cannot_change_self"
    force_session(client, admin_a)
    client.post("/accounts/staff/%d/status/" % admin_a.pk)
    with tenant_context(tenant_a):
        assert User.objects.get(pk=admin_a.pk).is_active


def test_a_colleague_with_more_power_cannot_be_edited_or_disabled(
    client, tenant_a, admin_a, editor
):
    response = Client().patch(
        "/api/v1/users/%d/" % admin_a.pk,
        {"display_name": "pwned"},
        content_type="application/json",
        **_bearer(tenant_a, editor),
    )
    assert response.status_code == 400
    assert response.json()["error"] == "outranks_you"
    with tenant_context(tenant_a):
        assert User.objects.get(pk=admin_a.pk).display_name == "管理员"
        role = Role.objects.get(key="staff_editor")
        role.codes = [*role.codes, "user.activate"]
        role.save()
    force_session(client, editor)
    page = client.post(
        "/accounts/staff/%d/departure/" % admin_a.pk,
        {"status": "disabled", "kind": "pool"},
    )
    assert page.status_code == 400
    with tenant_context(tenant_a):
        assert User.objects.get(pk=admin_a.pk).is_active
    reset = client.post("/accounts/staff/%d/totp-reset/" % admin_a.pk, follow=True)
    assert "拥有超出您的功能权限或数据权限" in reset.content.decode()
    with tenant_context(tenant_a):
        assert AuditEvent.objects.filter(action=AuditAction.TOTP_RESET).count() == 0


# --- Role edits ----------------------------------------------------------------------


@pytest.fixture
def role_editor(tenant_a, admin_a):
    role = _role(
        tenant_a, admin_a, "role_keeper", ["role.view", "role.change"], DataScope.SELF
    )
    return _person(tenant_a, admin_a, "keeper", role)


def test_a_role_edit_cannot_add_a_code_the_editor_lacks(tenant_a, admin_a, role_editor):
    with tenant_context(tenant_a):
        sales = Role.objects.get(key="salesperson")
        before = list(sales.codes)
    response = Client().patch(
        "/api/v1/roles/%d/" % sales.pk,
        {"codes": [*before, "user.change"]},
        content_type="application/json",
        **_bearer(tenant_a, role_editor),
    )
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "role_not_grantable"
    assert "Edit staff" in body["fields"]["codes"][0]
    with tenant_context(tenant_a):
        assert Role.objects.get(pk=sales.pk).codes == before


def test_a_role_editor_cannot_widen_their_own_role_or_the_scope(
    client, tenant_a, admin_a, role_editor
):
    with tenant_context(tenant_a):
        own = Role.objects.get(key="role_keeper")
        sales = Role.objects.get(key="salesperson")
    auth = _bearer(tenant_a, role_editor)
    wider = Client().patch(
        "/api/v1/roles/%d/" % own.pk,
        {"data_scope": "all"},
        content_type="application/json",
        **auth,
    )
    assert wider.status_code == 400
    assert wider.json()["fields"]["data_scope"]
    scope = Client().patch(
        "/api/v1/roles/%d/" % sales.pk,
        {"data_scope": "dept_and_below"},
        content_type="application/json",
        **auth,
    )
    assert scope.status_code == 400
    with tenant_context(tenant_a):
        assert Role.objects.get(pk=own.pk).data_scope == DataScope.SELF
        assert Role.objects.get(pk=sales.pk).data_scope == DataScope.SELF
    force_session(client, role_editor)
    page = client.post(
        "/accounts/roles/%d/" % own.pk,
        {"name": "role_keeper", "data_scope": "self", "codes": ["role.view"]},
    )
    assert page.status_code == 302  # narrowing one's own role is fine
    with tenant_context(tenant_a):
        assert Role.objects.get(pk=own.pk).codes == ["role.view"]


def test_only_an_administrator_changes_the_administrator_role(
    tenant_a, admin_a, role_editor, admin_role
):
    response = Client().patch(
        "/api/v1/roles/%d/" % admin_role.pk,
        {"codes": ["role.view"]},
        content_type="application/json",
        **_bearer(tenant_a, role_editor),
    )
    assert response.status_code == 400
    with tenant_context(tenant_a):
        assert len(Role.objects.get(pk=admin_role.pk).codes) > 40


def test_an_administrator_still_edits_roles(tenant_a, admin_a):
    with tenant_context(tenant_a):
        sales = Role.objects.get(key="salesperson")
    response = Client().patch(
        "/api/v1/roles/%d/" % sales.pk,
        {"codes": [*sales.codes, "user.view"], "data_scope": "dept"},
        content_type="application/json",
        **_bearer(tenant_a, admin_a),
    )
    assert response.status_code == 200, response.content
    assert response.json()["data_scope"] == "dept"


def test_a_department_cannot_be_moved_into_ones_own_subtree(tenant_a, admin_a):
    """With "own department and below", pulling another team under one's own
    department would widen one's own view."""
    from lenddesk.accounts.services import department_create

    with tenant_context(tenant_a):
        sales = department_create(actor=admin_a, name="销售部")
        finance = department_create(actor=admin_a, name="财务部")
    role = _role(
        tenant_a,
        admin_a,
        "dept_keeper",
        ["department.view", "department.change"],
        DataScope.DEPT_AND_BELOW,
    )
    lead = _person(tenant_a, admin_a, "lead9", role)
    with tenant_context(tenant_a):
        User.objects.filter(pk=lead.pk).update(department=sales)
    response = Client().patch(
        "/api/v1/departments/%d/" % finance.pk,
        {"parent": sales.pk},
        content_type="application/json",
        **_bearer(tenant_a, lead),
    )
    assert response.status_code == 400
    assert response.json()["fields"]["parent"]
    with tenant_context(tenant_a):
        assert Department.objects.get(pk=finance.pk).parent_id is None
