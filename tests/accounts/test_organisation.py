"""Departments, roles, data scopes and departure, as an administrator uses them."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lenddesk.accounts import handover
from lenddesk.accounts.models import DataScope, Department, Role, User, UserStatus
from lenddesk.accounts.scope import scope_q
from lenddesk.accounts.services import (
    department_create,
    department_delete,
    department_update,
    role_save,
    user_update,
)
from lenddesk.audit.models import AuditAction, AuditEvent
from lenddesk.tenancy.context import tenant_context
from tests.conftest import force_session
from tests.factories import make_user


@pytest.fixture
def sales_org(tenant_a, admin_a):
    """销售中心 → 销售一部, 销售二部; a lead in 一部, two salespeople each."""
    with tenant_context(tenant_a):
        centre = department_create(actor=admin_a, name="销售中心")
        one = department_create(actor=admin_a, name="销售一部", parent_id=centre.pk)
        two = department_create(actor=admin_a, name="销售二部", parent_id=centre.pk)
    people = {
        "lead1": make_user(tenant_a, "lead1", role_keys=["team_lead"]),
        "s11": make_user(tenant_a, "s11"),
        "s12": make_user(tenant_a, "s12"),
        "s21": make_user(tenant_a, "s21"),
        "s22": make_user(tenant_a, "s22"),
    }
    placement = {"lead1": one, "s11": one, "s12": one, "s21": two, "s22": two}
    with tenant_context(tenant_a):
        for key, department in placement.items():
            User.objects.filter(pk=people[key].pk).update(department=department)
            people[key].refresh_from_db()
    return {"centre": centre, "one": one, "two": two, **people}


def _visible(tenant, actor) -> set[str]:
    with tenant_context(tenant):
        actor = User.objects.get(pk=actor.pk)
        return set(
            User.objects.filter(scope_q(actor, owner="")).values_list(
                "username", flat=True
            )
        )


def test_department_paths_and_moves(tenant_a, admin_a, sales_org):
    with tenant_context(tenant_a):
        one = Department.objects.get(pk=sales_org["one"].pk)
        assert one.path == "%s%d/" % (sales_org["centre"].path, one.pk)
        child = department_create(actor=admin_a, name="一组", parent_id=one.pk)
        department_update(
            actor=admin_a,
            department=one,
            name="销售一部",
            parent_id=None,
            leader_id=None,
        )
        child.refresh_from_db()
        assert child.path == "/%d/%d/" % (one.pk, child.pk) and child.depth == 2
        with pytest.raises(ValidationError) as info:
            department_update(
                actor=admin_a,
                department=one,
                name="销售一部",
                parent_id=child.pk,
                leader_id=None,
            )
        assert "parent" in info.value.message_dict
        with pytest.raises(ValidationError):
            department_delete(actor=admin_a, department=one)  # has a child and staff
        assert AuditEvent.objects.filter(action=AuditAction.DEPARTMENT_UPDATED).exists()


def test_scopes_self_dept_and_below(tenant_a, sales_org, admin_a):
    assert _visible(tenant_a, sales_org["s11"]) == {"s11"}
    assert _visible(tenant_a, sales_org["lead1"]) == {"lead1", "s11", "s12"}
    with tenant_context(tenant_a):
        User.objects.filter(pk=sales_org["lead1"].pk).update(
            department=sales_org["centre"]
        )
    assert _visible(tenant_a, sales_org["lead1"]) == {
        "lead1",
        "s11",
        "s12",
        "s21",
        "s22",
    }
    everyone = _visible(tenant_a, admin_a)
    assert {"admin", "lead1", "s22"} <= everyone


def test_custom_scope_and_union_of_roles(tenant_a, sales_org, admin_a):
    with tenant_context(tenant_a):
        custom = role_save(
            actor=admin_a,
            role=None,
            data={
                "key": "auditor2",
                "name": "二部审查",
                "codes": [],
                "data_scope": DataScope.CUSTOM,
            },
            custom_department_ids=[sales_org["two"].pk],
        )
        sales_org["s11"].roles.add(custom)
    assert _visible(tenant_a, sales_org["s11"]) == {"s11", "s21", "s22"}


def test_salesperson_cannot_open_a_colleague(client, tenant_a, sales_org):
    force_session(client, sales_org["s11"])
    with tenant_context(tenant_a):
        Role.objects.filter(key="salesperson").update(
            codes=["user.view", "user.change"]
        )
    assert client.get("/accounts/staff/%d/" % sales_org["s11"].pk).status_code == 200
    assert client.get("/accounts/staff/%d/" % sales_org["s12"].pk).status_code == 404
    listing = client.get("/accounts/staff/").content.decode()
    assert "s12" not in listing and "s11" in listing


def test_team_lead_api_list_is_scoped(tenant_a, sales_org):
    from lenddesk.accounts.services import token_issue

    with tenant_context(tenant_a):
        _token, raw = token_issue(user=sales_org["lead1"])
    data = Client().get("/api/v1/users/", HTTP_AUTHORIZATION="Bearer " + raw).json()
    assert {u["username"] for u in data["results"]} == {"lead1", "s11", "s12"}


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    parents=st.lists(st.integers(min_value=0, max_value=10), min_size=1, max_size=6),
    placements=st.lists(st.integers(min_value=0, max_value=10), min_size=1, max_size=6),
    scope=st.sampled_from(list(DataScope.values)),
    actor_index=st.integers(min_value=0, max_value=10),
)
@pytest.mark.django_db
def test_scope_matches_an_independent_oracle(parents, placements, scope, actor_index):
    """SECURITY T05: random trees and scopes, compared with a pure-Python oracle."""
    from tests.factories import make_tenant

    tenant = make_tenant()
    with tenant_context(tenant):
        admin = User.objects.get(username="admin")
        departments = []
        for i, parent in enumerate(parents):
            parent_id = (
                departments[parent % len(departments)].pk
                if departments and parent % 3
                else None
            )
            departments.append(
                department_create(actor=admin, name="D%d" % i, parent_id=parent_id)
            )
        role = role_save(
            actor=admin,
            role=None,
            data={"key": "r", "name": "r", "codes": [], "data_scope": scope},
            custom_department_ids=[departments[-1].pk],
        )
    users = []
    for i, placement in enumerate(placements):
        user = make_user(tenant, "u%d" % i, role_keys=[])
        with tenant_context(tenant):
            department = departments[placement % len(departments)]
            User.objects.filter(pk=user.pk).update(department=department)
            user.refresh_from_db()
            user.roles.set([role])
        users.append(user)
    actor = users[actor_index % len(users)]
    with tenant_context(tenant):
        paths = {d.pk: Department.objects.get(pk=d.pk).path for d in departments}
        everyone = list(User.objects.exclude(username="admin"))
    mine = paths[actor.department_id]
    custom = paths[departments[-1].pk]

    def oracle(person) -> bool:
        if person.pk == actor.pk or scope == DataScope.ALL:
            return True
        theirs = paths.get(person.department_id, "")
        if scope == DataScope.DEPT:
            return person.department_id == actor.department_id
        if scope == DataScope.DEPT_AND_BELOW:
            return theirs.startswith(mine)
        if scope == DataScope.CUSTOM:
            return theirs.startswith(custom)
        return False

    expected = {p.username for p in everyone if oracle(p)}
    assert _visible(tenant, actor) - {"admin"} == expected


def test_departure_hands_over_round_robin_atomically(tenant_a, admin_a, sales_org):
    with tenant_context(tenant_a):
        for name in ("s11", "s12"):
            User.objects.filter(pk=sales_org[name].pk).update(
                superior=sales_org["lead1"]
            )
        Department.objects.filter(pk=sales_org["one"].pk).update(
            leader=sales_org["lead1"]
        )
        target = handover.build_target(
            leaver=sales_org["lead1"],
            kind="round_robin",
            department_id=sales_org["two"].pk,
        )
        moved = handover.user_depart(
            actor=admin_a, leaver=sales_org["lead1"], target=target
        )
        assert moved["accounts.people"] == 3
        new_bosses = set(
            User.objects.filter(
                pk__in=[sales_org["s11"].pk, sales_org["s12"].pk]
            ).values_list("superior__username", flat=True)
        )
        assert new_bosses == {"s21", "s22"}
        assert User.objects.get(pk=sales_org["lead1"].pk).status == UserStatus.DEPARTED
        event = AuditEvent.objects.get(action=AuditAction.USER_DEPARTED)
        assert event.changes["moved"]["accounts.people"] == 3


def test_departure_step_failure_changes_nothing(tenant_a, admin_a, sales_org):
    def broken(**kwargs):
        raise ValidationError("step failed")

    handover.register_handover_step("test.broken", broken)
    try:
        with tenant_context(tenant_a):
            target = handover.build_target(leaver=sales_org["s11"], kind="pool")
            with pytest.raises(ValidationError):
                handover.user_depart(
                    actor=admin_a, leaver=sales_org["s11"], target=target
                )
            assert User.objects.get(pk=sales_org["s11"].pk).is_active
    finally:
        handover._STEPS.pop("test.broken")


def test_departure_page_requires_a_target(client, tenant_a, admin_a, sales_org):
    force_session(client, admin_a)
    url = "/accounts/staff/%d/departure/" % sales_org["s11"].pk
    assert client.get(url).status_code == 200
    missing = client.post(url, {"status": "departed", "kind": "colleague"})
    assert missing.status_code == 400
    assert "colleague" in missing.context["form"].errors
    done = client.post(
        url,
        {"status": "departed", "kind": "colleague", "colleague": sales_org["s12"].pk},
    )
    assert done.status_code == 302
    with tenant_context(tenant_a):
        assert User.objects.get(pk=sales_org["s11"].pk).status == UserStatus.DEPARTED


def test_role_editor_validates_and_audits(client, tenant_a, admin_a):
    force_session(client, admin_a)
    page = client.get("/accounts/roles/new/")
    assert 'data-testid="permission-groups"' in page.content.decode()
    bad = client.post(
        "/accounts/roles/new/",
        {
            "key": "night",
            "name": "夜班",
            "data_scope": "self",
            "login_start": "09:00",
            "allowed_networks": "10.0.0.0/8\nnot-a-network",
            "codes": ["user.view"],
        },
    )
    assert bad.status_code == 400
    errors = bad.context["form"].errors
    assert "allowed_networks" in errors and "login_end" in errors
    good = client.post(
        "/accounts/roles/new/",
        {
            "key": "night",
            "name": "夜班",
            "data_scope": "self",
            "login_start": "20:00",
            "login_end": "08:00",
            "allowed_networks": "10.0.0.0/8",
            "codes": ["user.view"],
            "login_weekdays": ["0", "1"],
        },
    )
    assert good.status_code == 302
    with tenant_context(tenant_a):
        role = Role.objects.get(key="night")
        assert role.codes == ["user.view"] and role.login_weekdays == [0, 1]
        assert AuditEvent.objects.filter(action=AuditAction.ROLE_CREATED).exists()


def test_department_pages(client, tenant_a, admin_a):
    force_session(client, admin_a)
    assert client.post("/accounts/departments/new/", {"name": ""}).status_code == 400
    assert (
        client.post("/accounts/departments/new/", {"name": "销售一部"}).status_code
        == 302
    )
    duplicate = client.post("/accounts/departments/new/", {"name": "销售一部"})
    assert duplicate.status_code == 400 and "name" in duplicate.context["form"].errors
    page = client.get("/accounts/departments/").content.decode()
    assert "销售一部" in page


def test_reporting_loops_are_refused(tenant_a, admin_a, sales_org):
    with tenant_context(tenant_a):
        user_update(
            actor=admin_a,
            user=sales_org["s11"],
            display_name="s11",
            superior_id=sales_org["lead1"].pk,
        )
        lead = User.objects.get(pk=sales_org["lead1"].pk)
        with pytest.raises(ValidationError) as info:
            user_update(
                actor=admin_a,
                user=lead,
                display_name="lead1",
                superior_id=sales_org["s11"].pk,
            )
    assert "superior" in info.value.message_dict
