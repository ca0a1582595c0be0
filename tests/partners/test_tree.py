"""Depth limit, invitations and upline moves (SPEC M4 partners)."""

import pytest
from django.core.exceptions import ValidationError

from lenddesk.audit.models import AuditEvent
from lenddesk.partners import services
from lenddesk.partners.errors import PartnerError
from lenddesk.partners.models import Partner, PartnerStatus
from lenddesk.tenancy.context import tenant_context
from tests.partners.conftest import make_partner, partner_phone, portal, set_depth


def _codes(exc: ValidationError) -> set:
    return {e.code for errors in exc.error_dict.values() for e in errors}


def test_depth_setting_defaults_to_two_and_refuses_values_outside_one_to_three(
    tenant_a, admin_a
):
    with tenant_context(tenant_a):
        assert services.partner_settings().max_depth == 2
        for bad in (0, 4, "x", "", None, -1):
            with pytest.raises(ValidationError) as caught:
                services.partner_settings_update(
                    actor=admin_a, max_depth=bad, auto_approve=False
                )
            assert "max_depth" in caught.value.message_dict
            assert (
                "合伙人层级必须是 1 到 3 之间的整数"
                in caught.value.message_dict["max_depth"][0]
            )
        services.partner_settings_update(actor=admin_a, max_depth=3, auto_approve=True)
        assert services.partner_settings().max_depth == 3
        event = AuditEvent.objects.filter(action="partner.settings").get()
        assert event.changes["max_depth"] == [2, 3]


def test_settings_page_names_the_field_on_a_bad_depth(client_admin_a, tenant_a):
    response = client_admin_a.get("/partners/settings/")
    assert response.status_code == 200
    assert "禁止传销条例" in response.content.decode()
    response = client_admin_a.post("/partners/settings/", {"max_depth": "4"})
    assert response.status_code == 400
    assert 'data-field="max_depth"' in response.content.decode()
    response = client_admin_a.post(
        "/partners/settings/", {"max_depth": "3", "auto_approve": "on"}
    )
    assert response.status_code == 302
    with tenant_context(tenant_a):
        row = services.partner_settings()
        assert (row.max_depth, row.auto_approve) == (3, True)


def test_invitation_deeper_than_the_limit_is_refused_at_link_creation(
    client, tenant_a, admin_a
):
    top = make_partner(tenant_a, actor=admin_a, name="甲")
    second = make_partner(tenant_a, actor=admin_a, upline=top, name="乙")
    assert (top.level, second.level) == (1, 2)
    with tenant_context(tenant_a):
        with pytest.raises(ValidationError) as caught:
            services.partner_own_invitation(partner=second)
        assert PartnerError.DEPTH_EXCEEDED in _codes(caught.value)
        assert "最多允许 2 级合伙人" in caught.value.message_dict["upline"][0]
        with pytest.raises(ValidationError):
            services.invitation_create(actor=admin_a, upline=second)
    # The staff page says so too.
    from tests.conftest import force_session

    force_session(client, admin_a)
    response = client.post(
        "/partners/invitations/", {"upline": second.pk, "valid_days": "30"}
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "最多允许 2 级合伙人" in page


def test_sign_up_deeper_than_the_limit_is_refused(client, tenant_a, admin_a):
    set_depth(tenant_a, admin_a, 3)
    top = make_partner(tenant_a, actor=admin_a, name="甲")
    second = make_partner(tenant_a, actor=admin_a, upline=top, name="乙")
    with tenant_context(tenant_a):
        link = services.partner_own_invitation(partner=second)
    set_depth(tenant_a, admin_a, 2)  # the firm lowers its limit afterwards
    url = portal(tenant_a, "join/%s/" % link.code)
    response = client.get(url)
    assert response.status_code == 400
    assert "第 3 级合伙人" in response.content.decode()
    response = client.post(
        url,
        {
            "name": "丙",
            "phone": partner_phone(),
            "password": "Partner#2026",
            "password_again": "Partner#2026",
        },
    )
    assert response.status_code == 400
    assert "最多允许 2 级合伙人" in response.content.decode()
    with tenant_context(tenant_a):
        assert not Partner.objects.filter(name="丙").exists()
        with pytest.raises(ValidationError) as caught:
            services.partner_signup(
                invitation=link, name="丙", phone=partner_phone(), password="Xy#12345"
            )
        assert caught.value.code == PartnerError.DEPTH_EXCEEDED


def test_moving_a_subtree_keeps_the_depth_rule_for_every_descendant(tenant_a, admin_a):
    a1 = make_partner(tenant_a, actor=admin_a, name="A1")
    b = make_partner(tenant_a, actor=admin_a, upline=a1, name="B")
    a2 = make_partner(tenant_a, actor=admin_a, name="A2")
    with tenant_context(tenant_a):
        with pytest.raises(ValidationError) as caught:
            services.partner_move(actor=admin_a, partner=a1, new_upline=a2)
        assert "使其下级达到第 3 级" in caught.value.message_dict["upline"][0]
        assert Partner.objects.get(pk=b.pk).level == 2
    set_depth(tenant_a, admin_a, 3)
    with tenant_context(tenant_a):
        services.partner_move(actor=admin_a, partner=a1, new_upline=a2)
        levels = dict(Partner.objects.values_list("name", "level"))
        assert levels == {"A2": 1, "A1": 2, "B": 3}
        assert Partner.objects.get(pk=a1.pk).upline_id == a2.pk
        event = AuditEvent.objects.filter(action="partner.upline_changed").get()
        assert event.changes["upline"] == [None, a2.pk]
        assert event.changes["downline_moved"] == 1
        # Back to the top: levels shrink with it.
        services.partner_move(actor=admin_a, partner=a1, new_upline=None)
        levels = dict(Partner.objects.values_list("name", "level"))
        assert levels == {"A2": 1, "A1": 1, "B": 2}


def test_a_move_never_creates_a_cycle(tenant_a, admin_a, client_admin_a):
    set_depth(tenant_a, admin_a, 3)
    a = make_partner(tenant_a, actor=admin_a, name="A")
    b = make_partner(tenant_a, actor=admin_a, upline=a, name="B")
    c = make_partner(tenant_a, actor=admin_a, upline=b, name="C")
    with tenant_context(tenant_a):
        for target in (a, b, c):
            with pytest.raises(ValidationError) as caught:
                services.partner_move(actor=admin_a, partner=a, new_upline=target)
            if target != a:
                assert PartnerError.CYCLE in _codes(caught.value)
        assert Partner.objects.get(pk=a.pk).upline_id is None
    response = client_admin_a.post("/partners/%d/upline/" % a.pk, {"upline": c.pk})
    assert response.status_code == 400
    assert "会形成循环" in response.content.decode()


def test_staff_pages_show_the_tree_and_approve_and_disable(
    client_admin_a, tenant_a, admin_a
):
    top = make_partner(tenant_a, actor=admin_a, name="甲伙伴")
    child = make_partner(
        tenant_a, actor=admin_a, upline=top, name="乙伙伴", approve=False
    )
    response = client_admin_a.get("/partners/?status=pending")
    body = response.content.decode()
    assert response.status_code == 200
    table = body.split('data-testid="partner-table"')[1]
    assert 'href="/partners/%d/"' % child.pk in table
    assert 'href="/partners/%d/"' % top.pk not in table
    assert "禁止传销条例" in body
    response = client_admin_a.get("/partners/?upline=%d" % top.pk)
    assert "乙伙伴" in response.content.decode()
    response = client_admin_a.get("/partners/%d/" % child.pk)
    body = response.content.decode()
    assert 'data-testid="tree-self"' in body and "甲伙伴" in body
    assert "137****" in body  # masked phone
    assert client_admin_a.post("/partners/%d/approve/" % child.pk).status_code == 302
    assert client_admin_a.post("/partners/%d/disable/" % child.pk).status_code == 302
    with tenant_context(tenant_a):
        child.refresh_from_db()
        assert child.status == PartnerStatus.DISABLED
        assert child.session_epoch == 1
        actions = list(
            AuditEvent.objects.filter(object_id=str(child.pk))
            .filter(action__startswith="partner.")
            .values_list("action", flat=True)
        )
        assert "partner.approved" in actions and "partner.disabled" in actions
    # Approving a disabled partner is refused with a message, not a 500.
    response = client_admin_a.post("/partners/%d/approve/" % child.pk, follow=True)
    assert "不能这样变更" in response.content.decode()


def test_set_manager_and_invitation_qr(
    client_admin_a, tenant_a, admin_a, salesperson_a
):
    partner = make_partner(tenant_a, actor=admin_a)
    response = client_admin_a.post(
        "/partners/%d/manager/" % partner.pk, {"manager": salesperson_a.pk}
    )
    assert response.status_code == 302
    with tenant_context(tenant_a):
        partner.refresh_from_db()
        assert partner.manager_id == salesperson_a.pk
        assert AuditEvent.objects.filter(action="partner.manager_changed").exists()
    response = client_admin_a.post(
        "/partners/invitations/", {"note": "王总", "valid_days": "7"}
    )
    assert response.status_code == 302
    page = client_admin_a.get(response["Location"])
    assert "/partners/portal/firm-a/join/" in page.content.decode()
    qr = client_admin_a.get(response["Location"] + "qr.svg")
    assert qr.status_code == 200 and qr["Content-Type"] == "image/svg+xml"
    assert b"<svg" in qr.content
    png = client_admin_a.get(response["Location"] + "qr.svg?format=png")
    assert png.content.startswith(b"\x89PNG")


def test_revealing_a_partner_phone_needs_a_purpose_and_is_audited(
    client_admin_a, tenant_a, admin_a
):
    partner = make_partner(tenant_a, actor=admin_a, phone="13712345678")
    url = "/partners/%d/reveal/" % partner.pk
    response = client_admin_a.post(url, {"purpose": ""})
    assert response.status_code == 400
    assert "13712345678" not in response.content.decode()
    response = client_admin_a.post(url, {"purpose": "回访核实"})
    assert response.status_code == 200
    assert "13712345678" in response.content.decode()
    with tenant_context(tenant_a):
        event = AuditEvent.objects.filter(action="data.revealed").get()
        assert event.purpose == "回访核实"
        assert event.object_id == str(partner.pk)


def test_staff_see_only_partners_in_their_data_scope(
    client, tenant_a, admin_a, salesperson_a
):
    mine = make_partner(tenant_a, actor=admin_a, name="我的伙伴", manager=salesperson_a)
    other = make_partner(tenant_a, actor=admin_a, name="别人的伙伴")
    from tests.conftest import force_session

    force_session(client, salesperson_a)
    body = client.get("/partners/").content.decode()
    assert "我的伙伴" in body and "别人的伙伴" not in body
    assert client.get("/partners/%d/" % mine.pk).status_code == 200
    assert client.get("/partners/%d/" % other.pk).status_code == 404
    # A salesperson may not approve, disable or move partners.
    assert client.post("/partners/%d/disable/" % mine.pk).status_code == 403


def test_a_partner_link_follows_the_inviters_current_account_manager(
    tenant_a, admin_a, salesperson_a
):
    top = make_partner(tenant_a, actor=admin_a, name="上级")
    with tenant_context(tenant_a):
        link = services.partner_own_invitation(partner=top)
        services.partner_set_manager(actor=admin_a, partner=top, manager=salesperson_a)
        child = services.partner_signup(
            invitation=link, name="下级", phone=partner_phone(), password="Xy#12345ab"
        )
        assert child.manager_id == salesperson_a.pk
        assert (child.level, child.upline_id, child.status) == (
            2,
            top.pk,
            PartnerStatus.PENDING,
        )
        link.refresh_from_db()
        assert link.uses == 1
        assert AuditEvent.objects.filter(
            action="partner.signed_up", object_id=str(child.pk)
        ).exists()
