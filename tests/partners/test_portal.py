"""The partner portal: sign-up, log-in, referrals with consent and attribution, masked
progress, and the wall between partner and staff sessions."""

import datetime as dt

import time_machine
from django.utils import timezone

from lenddesk.acquisition.models import Attribution, ConsentRecord
from lenddesk.audit.models import AuditEvent
from lenddesk.customers.models import Customer, FunnelStage
from lenddesk.partners import services
from lenddesk.partners.models import Partner, PartnerReferral, PartnerStatus
from lenddesk.tenancy.context import tenant_context
from tests.conftest import force_session
from tests.customers.conftest import add_customer
from tests.partners.conftest import (
    PARTNER_PASSWORD,
    make_partner,
    partner_phone,
    portal,
    portal_login,
    set_depth,
)


def _signup(client, tenant, code, *, name, phone):
    return client.post(
        portal(tenant, "join/%s/" % code),
        {
            "name": name,
            "phone": phone,
            "city": "成都",
            "password": PARTNER_PASSWORD,
            "password_again": PARTNER_PASSWORD,
        },
    )


def _refer(client, tenant, **overrides):
    data = {
        "name": "王小明",
        "phone": "13912340001",
        "city": "成都",
        "amount": "200000",
        "consent": "on",
        "notice_version": "2026-01",
        **overrides,
    }
    return client.post(portal(tenant, "refer/"), data)


def test_invite_chain_a_b_c_and_a_referral_by_c_lands_with_attribution_and_consent(
    client, tenant_a, admin_a, salesperson_a, notice_a
):
    set_depth(tenant_a, admin_a, 3)
    # Staff invites A (account manager: the salesperson); A and B invite through
    # their own links in the portal.
    force_session(client, admin_a)
    response = client.post(
        "/partners/invitations/",
        {"manager": salesperson_a.pk, "note": "A", "valid_days": "30"},
    )
    assert response.status_code == 302
    link = client.get(response["Location"]).content.decode()
    code = link.split("/join/")[1].split("/")[0]
    client.logout()

    a_phone, b_phone, c_phone = partner_phone(), partner_phone(), partner_phone()
    page = client.get(portal(tenant_a, "join/%s/" % code)).content.decode()
    assert "Joining is free" in page or "免费" in page
    response = _signup(client, tenant_a, code, name="A", phone=a_phone)
    assert response.status_code == 200
    assert 'data-testid="joined-pending"' in response.content.decode()
    # Pending partners cannot log in until approved.
    response = client.post(
        portal(tenant_a, "login/"), {"phone": a_phone, "password": PARTNER_PASSWORD}
    )
    assert response.status_code == 400
    with tenant_context(tenant_a):
        a = Partner.objects.get(name="A")
        services.partner_approve(actor=admin_a, partner=a)
        # Auto-approval from here on.
        services.partner_settings_update(actor=admin_a, max_depth=3, auto_approve=True)

    def invite_code(phone):
        portal_login(client, tenant_a, phone)
        body = client.get(portal(tenant_a, "invite/")).content.decode()
        assert client.get(portal(tenant_a, "invite/qr.svg"))["Content-Type"] == (
            "image/svg+xml"
        )
        client.post(portal(tenant_a, "logout/"))
        return body.split("/join/")[1].split("/")[0]

    response = _signup(client, tenant_a, invite_code(a_phone), name="B", phone=b_phone)
    assert response.status_code == 302  # auto-approved and logged in
    client.post(portal(tenant_a, "logout/"))
    response = _signup(client, tenant_a, invite_code(b_phone), name="C", phone=c_phone)
    assert response.status_code == 302
    with tenant_context(tenant_a):
        levels = {
            p.name: (p.level, p.upline.name if p.upline else None)
            for p in Partner.objects.select_related("upline")
        }
    assert levels == {"A": (1, None), "B": (2, "A"), "C": (3, "B")}

    # C is logged in now and refers a customer.
    response = _refer(client, tenant_a)
    assert response.status_code == 302, response.content.decode()[:3000]
    with tenant_context(tenant_a):
        c = Partner.objects.get(name="C")
        customer = Customer.objects.get(name="王小明")
        assert customer.owner_id == salesperson_a.pk  # the manager, inherited A→B→C
        assert customer.channel == "渠道合伙人"
        attribution = Attribution.objects.get(customer=customer)
        assert attribution.partner_id == c.pk
        assert attribution.source_kind == "partner"
        assert attribution.channel.kind == "partner"
        consent = ConsentRecord.objects.get(customer=customer)
        assert consent.notice_version == "2026-01"
        assert consent.source == "partner"
        assert consent.notice_id == notice_a.pk
        referral = PartnerReferral.objects.get()
        assert referral.partner_id == c.pk and referral.credited
        assert AuditEvent.objects.filter(action="partner.referral").exists()
        from lenddesk.notifications.models import Notification

        note = Notification.objects.get(kind="partners.referral")
        assert note.recipient_id == salesperson_a.pk
        assert note.url == "/customers/%d/" % customer.pk
        assert Notification.objects.filter(
            kind="partners.pending", recipient=salesperson_a
        ).exists()
    # C's team page shows nobody; A's shows B and C by name and level only.
    client.post(portal(tenant_a, "logout/"))
    portal_login(client, tenant_a, a_phone)
    team = client.get(portal(tenant_a, "team/")).content.decode()
    assert team.count('data-testid="downline-row"') == 2
    assert "B" in team and "C" in team
    assert c_phone not in team and c_phone[-4:] not in team


def test_referral_needs_consent_and_a_published_notice(
    client, tenant_a, admin_a, notice_a
):
    phone = partner_phone()
    make_partner(tenant_a, actor=admin_a, phone=phone)
    portal_login(client, tenant_a, phone)
    page = client.get(portal(tenant_a, "refer/")).content.decode()
    assert 'data-testid="privacy-notice"' in page and "2026-01" in page
    response = _refer(client, tenant_a, consent="")
    assert response.status_code == 400
    assert 'data-field="consent"' in response.content.decode()
    response = _refer(client, tenant_a, notice_version="2025-01")
    assert response.status_code == 400
    assert "隐私政策已更新" in response.content.decode()
    response = _refer(client, tenant_a, phone="123")
    assert response.status_code == 400
    assert 'data-field="phone"' in response.content.decode()
    with tenant_context(tenant_a):
        assert not Customer.objects.filter(name="王小明").exists()
        assert not ConsentRecord.objects.exists()


def test_referral_without_a_notice_is_refused_with_a_message(client, tenant_a, admin_a):
    phone = partner_phone()
    make_partner(tenant_a, actor=admin_a, phone=phone)
    portal_login(client, tenant_a, phone)
    assert (
        'data-testid="no-notice"'
        in client.get(portal(tenant_a, "refer/")).content.decode()
    )
    response = _refer(client, tenant_a, notice_version="")
    assert response.status_code == 400
    assert "公司尚未发布隐私政策" in response.content.decode()


def test_referral_without_manager_goes_to_public_pool_and_duplicates_are_not_credited(
    client, tenant_a, admin_a, salesperson_a, notice_a
):
    phone = partner_phone()
    partner = make_partner(tenant_a, actor=admin_a, phone=phone)
    with tenant_context(tenant_a):
        services.partner_set_manager(actor=admin_a, partner=partner, manager=None)
    known = add_customer(tenant_a, salesperson_a, name="老客户", owner=salesperson_a)
    with tenant_context(tenant_a):
        known_phone = known.get_secret("phone")
    portal_login(client, tenant_a, phone)
    assert _refer(client, tenant_a).status_code == 302
    response = _refer(client, tenant_a, name="李四", phone=known_phone)
    assert response.status_code == 302
    with tenant_context(tenant_a):
        new = Customer.objects.get(name="王小明")
        assert new.owner_id is None and new.pool is not None
        assert not Customer.objects.filter(name="李四").exists()
        assert not Attribution.objects.filter(customer=known, partner=partner).exists()
        credited = dict(PartnerReferral.objects.values_list("customer_id", "credited"))
        assert credited == {new.pk: True, known.pk: False}
        # Consent is kept for the known person too.
        assert ConsentRecord.objects.filter(customer=known).exists()
    page = client.get(portal(tenant_a, "referrals/")).content.decode()
    assert "老客户" not in page and "李四" not in page


def test_progress_is_masked_and_shows_the_funnel_stage(
    client, tenant_a, admin_a, notice_a
):
    phone = partner_phone()
    make_partner(tenant_a, actor=admin_a, phone=phone)
    portal_login(client, tenant_a, phone)
    assert (
        _refer(client, tenant_a, name="王小明", phone="13912345678").status_code == 302
    )
    with tenant_context(tenant_a):
        customer = Customer.objects.get(name="王小明")
        stage = FunnelStage.objects.get(key="disbursed")
        Customer.objects.filter(pk=customer.pk).update(stage=stage)
    page = client.get(portal(tenant_a, "referrals/")).content.decode()
    assert "王*明" in page
    assert "139****5678" in page
    assert "王小明" not in page and "13912345678" not in page
    assert stage.name in page
    home = client.get(portal(tenant_a, "")).content.decode()
    assert "王*明" in home and "禁止传销条例" in home


def test_a_partner_session_never_passes_staff_checks(
    client, tenant_a, admin_a, notice_a
):
    phone = partner_phone()
    partner = make_partner(tenant_a, actor=admin_a, phone=phone)
    portal_login(client, tenant_a, phone)
    assert client.get(portal(tenant_a, "")).status_code == 200
    for url in ("/", "/customers/", "/partners/", "/partners/%d/" % partner.pk):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/"), url
    response = client.post("/partners/%d/approve/" % partner.pk)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    for url in ("/api/v1/customers/", "/api/v1/me/"):
        assert client.get(url).status_code in (401, 403), url
    assert "_auth_user_id" not in client.session
    assert "ld_tenant_id" not in client.session


def test_other_firms_cannot_reach_partners_or_use_a_session_elsewhere(
    client, tenant_a, tenant_b, admin_a, admin_b
):
    phone = partner_phone()
    partner = make_partner(tenant_a, actor=admin_a, phone=phone)
    with tenant_context(tenant_a):
        invitation = services.invitation_create(actor=admin_a)
    force_session(client, admin_b)
    for url in (
        "/partners/%d/" % partner.pk,
        "/partners/invitations/%d/" % invitation.pk,
        "/partners/invitations/%d/qr.svg" % invitation.pk,
    ):
        assert client.get(url).status_code == 404, url
    for url in (
        "/partners/%d/approve/" % partner.pk,
        "/partners/%d/disable/" % partner.pk,
        "/partners/%d/upline/" % partner.pk,
        "/partners/%d/manager/" % partner.pk,
        "/partners/invitations/%d/revoke/" % invitation.pk,
    ):
        assert client.post(url, {}).status_code == 404, url
    client.logout()
    # A's invitation code means nothing at firm B; A's partner is not logged in at B.
    assert client.get(portal(tenant_b, "join/%s/" % invitation.code)).status_code == 404
    portal_login(client, tenant_a, phone)
    response = client.get(portal(tenant_b, ""))
    assert response.status_code == 302 and "/firm-b/login/" in response["Location"]
    response = client.post(
        portal(tenant_b, "login/"), {"phone": phone, "password": PARTNER_PASSWORD}
    )
    assert response.status_code == 400
    assert client.get(portal(tenant_a, "")).status_code == 200
    assert client.get("/partners/portal/no-such-firm/login/").status_code == 404


def test_lockout_after_repeated_bad_passwords(client, tenant_a, admin_a):
    phone = partner_phone()
    make_partner(tenant_a, actor=admin_a, phone=phone)
    login = portal(tenant_a, "login/")
    for _attempt in range(tenant_a.lockout_failures - 1):
        response = client.post(login, {"phone": phone, "password": "wrong"})
        assert response.status_code == 400
        assert "手机号或密码错误" in response.content.decode()
    response = client.post(login, {"phone": phone, "password": "wrong"})
    assert response.status_code == 429
    # Locked: even the right password is refused.
    response = client.post(login, {"phone": phone, "password": PARTNER_PASSWORD})
    assert response.status_code == 429
    assert "登录已锁定" in response.content.decode()
    # An unknown number is locked exactly the same way (nothing about who exists).
    stranger = partner_phone()
    statuses = [
        client.post(login, {"phone": stranger, "password": "x"}).status_code
        for _attempt in range(tenant_a.lockout_failures)
    ]
    assert statuses[-1] == 429 and set(statuses[:-1]) == {400}
    with tenant_context(tenant_a):
        refused = AuditEvent.objects.filter(action="partner.login_failed")
        assert refused.count() >= 2 * tenant_a.lockout_failures
        assert not refused.filter(object_repr__contains=phone).exists()
    later = timezone.now() + dt.timedelta(minutes=tenant_a.lockout_minutes + 1)
    with time_machine.travel(later):
        portal_login(client, tenant_a, phone)


def test_disabling_a_partner_ends_their_portal_session(client, tenant_a, admin_a):
    phone = partner_phone()
    partner = make_partner(tenant_a, actor=admin_a, phone=phone)
    portal_login(client, tenant_a, phone)
    assert client.get(portal(tenant_a, "")).status_code == 200
    with tenant_context(tenant_a):
        services.partner_disable(actor=admin_a, partner=partner)
    response = client.get(portal(tenant_a, ""))
    assert response.status_code == 302
    response = client.post(
        portal(tenant_a, "login/"), {"phone": phone, "password": PARTNER_PASSWORD}
    )
    assert response.status_code == 400
    assert "该合伙人账号已停用" in response.content.decode()
    with tenant_context(tenant_a):
        assert Partner.objects.get(pk=partner.pk).status == PartnerStatus.DISABLED


def test_a_level_two_partner_sees_why_they_cannot_invite(client, tenant_a, admin_a):
    top = make_partner(tenant_a, actor=admin_a)
    phone = partner_phone()
    make_partner(tenant_a, actor=admin_a, upline=top, phone=phone)
    portal_login(client, tenant_a, phone)
    response = client.get(portal(tenant_a, "invite/"))
    assert response.status_code == 403
    assert 'data-testid="invite-problem"' in response.content.decode()
    assert client.get(portal(tenant_a, "invite/qr.svg")).status_code == 404


def test_an_idle_partner_session_ends(client, tenant_a, admin_a):
    phone = partner_phone()
    make_partner(tenant_a, actor=admin_a, phone=phone)
    portal_login(client, tenant_a, phone)
    assert client.get(portal(tenant_a, "")).status_code == 200
    later = timezone.now() + dt.timedelta(minutes=tenant_a.idle_timeout_minutes + 1)
    with time_machine.travel(later):
        response = client.get(portal(tenant_a, ""))
    assert response.status_code == 302
    assert "/login/" in response["Location"]
