"""A new firm's administrator sees what is left to set up, until it is done."""

import re

from lenddesk.accounts.services import department_create
from lenddesk.tenancy.context import tenant_context
from tests.conftest import force_session


def _steps(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-testid="step-([a-z_]+)" data-done="(\d)"', html))


def test_new_firm_admin_sees_the_checklist_and_it_follows_the_work(client, admin_a):
    force_session(client, admin_a)
    html = client.get("/").content.decode()
    assert 'data-testid="onboarding"' in html
    steps = _steps(html)
    assert steps["departments"] == "0"
    assert {"staff", "products", "import"} <= set(steps)

    with tenant_context(admin_a.tenant):
        department_create(actor=admin_a, name="销售一部")
    assert _steps(client.get("/").content.decode())["departments"] == "1"


def test_a_salesperson_never_sees_the_checklist(client, salesperson_a):
    force_session(client, salesperson_a)
    assert 'data-testid="onboarding"' not in client.get("/").content.decode()
