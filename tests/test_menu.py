"""The sidebar: grouped in sections, one active item, the section of the page open."""

import re

from tests.conftest import force_session


def _active_links(html: str) -> list[str]:
    return re.findall(
        r'<a class="nav-link[^"]*" href="([^"]+)" aria-current="page"', html
    )


def test_one_active_item_and_its_section_open(client, admin_a):
    force_session(client, admin_a)
    html = client.get("/customers/todo/").content.decode()
    assert _active_links(html) == ["/customers/todo/"]
    section = html.split('data-testid="menu-section-customers"')[1].split("</ul>")[0]
    assert 'class="nav flex-column collapse show"' in section
    assert "/customers/pool/" in section
    settings = html.split('data-testid="menu-section-settings"')[1].split("</ul>")[0]
    assert "collapse show" not in settings and "/accounts/staff/" in settings


def test_home_is_active_alone(client, admin_a):
    force_session(client, admin_a)
    html = client.get("/").content.decode()
    assert _active_links(html) == ["/"]


def test_a_salesperson_sees_no_empty_section(client, salesperson_a):
    force_session(client, salesperson_a)
    html = client.get("/").content.decode()
    assert 'data-testid="menu-section-customers"' in html
    assert 'data-testid="menu-section-settings"' not in html
