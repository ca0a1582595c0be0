"""The partner portal highlights the tab of the page being shown, and only that one."""

import re

from tests.partners.conftest import make_partner, portal, portal_login


def _current(html: str) -> list[str]:
    return re.findall(
        r'class="btn btn-sm btn-primary"[^>]*aria-current="page" '
        r'data-testid="portal-tab-(\w+)"',
        html,
    )


def test_each_portal_page_marks_its_own_tab(client, tenant_a, admin_a):
    phone = "13712345678"
    make_partner(tenant_a, actor=admin_a, phone=phone)
    portal_login(client, tenant_a, phone)
    for rest, tab in (
        ("", "portal_home"),
        ("refer/", "portal_refer"),
        ("referrals/", "portal_referrals"),
        ("team/", "portal_team"),
        ("invite/", "portal_invite"),
    ):
        html = client.get(portal(tenant_a, rest)).content.decode()
        assert _current(html) == [tab], rest
