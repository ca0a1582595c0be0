import pytest

from lenddesk.acquisition.services import notice_publish
from lenddesk.partners import services
from lenddesk.partners.models import PartnerStatus
from lenddesk.tenancy.context import tenant_context

PARTNER_PASSWORD = "Partner#2026"
_phones = iter(range(10_000_000))


def partner_phone() -> str:
    return "137%08d" % next(_phones)


def make_partner(
    tenant, *, actor, upline=None, name="伙伴", phone=None, manager=None, approve=True
):
    """A partner who joined through a real invitation (staff's, or the upline's own)."""
    with tenant_context(tenant):
        if upline is None:
            invitation = services.invitation_create(actor=actor, manager=manager)
        else:
            invitation = services.partner_own_invitation(partner=upline)
        partner = services.partner_signup(
            invitation=invitation,
            name=name,
            phone=phone or partner_phone(),
            password=PARTNER_PASSWORD,
        )
        if approve and partner.status == PartnerStatus.PENDING:
            partner = services.partner_approve(actor=actor, partner=partner)
    return partner


def set_depth(tenant, actor, depth: int) -> None:
    with tenant_context(tenant):
        services.partner_settings_update(
            actor=actor, max_depth=depth, auto_approve=False
        )


def portal(tenant, rest: str = "") -> str:
    return "/partners/portal/%s/%s" % (tenant.slug, rest)


def portal_login(client, tenant, phone, password=PARTNER_PASSWORD):
    response = client.post(
        portal(tenant, "login/"), {"phone": phone, "password": password}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    return response


@pytest.fixture
def notice_a(tenant_a, admin_a):
    with tenant_context(tenant_a):
        return notice_publish(
            actor=admin_a, version="2026-01", text="我们为办理贷款处理您的个人信息。"
        )
