"""A lead from a web form lands with its owner, and the owner hears of it in the bell,
whichever way it was assigned (fixed colleague, sharer's link, allocation rules)."""

import pytest
from django.test import Client

from lenddesk.customers.models import AllocationRule, Customer
from lenddesk.notifications.models import Notification
from lenddesk.tenancy.context import tenant_context
from tests.conftest import force_session
from tests.customers.conftest import team  # noqa: F401
from tests.promotion.conftest import form_post
from tests.promotion.test_forms import _reassign, _url

pytestmark = pytest.mark.usefixtures("known_captcha")


def _bell(person) -> str:
    browser = Client()
    force_session(browser, person)
    return browser.get("/notifications/").content.decode()


def test_fixed_colleague_is_told_of_the_new_lead(
    client, tenant_a, admin_a, app_form, salesperson_a
):
    _reassign(tenant_a, admin_a, app_form, assignment="user", assign_to=salesperson_a)
    assert form_post(client, _url(tenant_a, app_form)).status_code == 302
    with tenant_context(tenant_a):
        customer = Customer.objects.get(name="王五")
    inbox = _bell(salesperson_a)
    assert "贷款申请" in inbox and "王五" in inbox
    assert 'data-testid="unread-count">1<' in inbox
    assert 'data-testid="unread-count"' not in _bell(admin_a)
    with tenant_context(tenant_a):
        note = Notification.objects.get(recipient=salesperson_a)
    browser = Client()
    force_session(browser, salesperson_a)
    opened = browser.post("/notifications/%d/open/" % note.pk)
    assert opened["Location"] == "/customers/%d/" % customer.pk


def test_sharer_is_told_of_the_lead_from_their_link(
    client, tenant_a, app_form, salesperson_a
):
    assert form_post(client, _url(tenant_a, app_form, salesperson_a)).status_code == 302
    assert 'data-testid="unread-count">1<' in _bell(salesperson_a)


def test_rule_allocation_tells_the_winner_once(
    client,
    tenant_a,
    admin_a,
    app_form,
    team,  # noqa: F811
):
    with tenant_context(tenant_a):
        AllocationRule.objects.create(name="二部", department=team["s3"].department)
    _reassign(tenant_a, admin_a, app_form, assignment="rules")
    assert form_post(client, _url(tenant_a, app_form)).status_code == 302
    assert 'data-testid="unread-count">1<' in _bell(team["s3"])


def test_a_lead_for_the_public_pool_tells_nobody(client, tenant_a, admin_a, app_form):
    assert form_post(client, _url(tenant_a, app_form)).status_code == 302
    assert 'data-testid="unread-count"' not in _bell(admin_a)
