"""Small things a new user trips over: doubled attributes, ``None`` in a time box, an
unread count grey on red, a raw gender letter, a custom-field type called 正文."""

import re

from lenddesk.accounts.models import Role
from lenddesk.customers.models import Gender
from lenddesk.customers.services import custom_field_create, customer_create
from lenddesk.notifications.services import notify
from lenddesk.tenancy.context import tenant_context
from tests.conftest import force_session


def _inputs(html: str) -> list[str]:
    return re.findall(r"<input\b[^>]*>", html)


def test_log_in_fields_carry_each_attribute_once(client, db):
    html = client.get("/accounts/login/").content.decode()
    fields = [i for i in _inputs(html) if 'type="hidden"' not in i]
    assert len(fields) == 3
    for field in fields:
        names = re.findall(r"\s([a-z-]+)(?==|\s|>)", field)
        assert len(names) == len(set(names)), field
        assert field.count("maxlength=") == 1


def test_role_without_log_in_hours_shows_empty_time_boxes(client, tenant_a, admin_a):
    force_session(client, admin_a)
    with tenant_context(tenant_a):
        role = Role.objects.get(key="salesperson")
    for url in ("/accounts/roles/new/", "/accounts/roles/%d/" % role.pk):
        html = client.get(url).content.decode()
        boxes = [i for i in _inputs(html) if 'type="time"' in i]
        assert len(boxes) == 2
        assert all('value=""' in box for box in boxes), boxes
        assert "None" not in html


def test_unread_count_is_readable_on_red(client, tenant_a, admin_a):
    with tenant_context(tenant_a):
        notify(recipients=[admin_a], kind="test", title="请审批")
    force_session(client, admin_a)
    html = client.get("/").content.decode()
    badge = re.search(r'<span class="([^"]*)" data-testid="unread-count">', html)
    assert "bg-red" in badge.group(1).split()
    assert "text-red-fg" in badge.group(1).split()


def test_customer_page_shows_gender_as_a_word(client, tenant_a, admin_a):
    with tenant_context(tenant_a):
        customer = customer_create(
            actor=admin_a,
            data={"name": "李四"},
            phone="13812345678",
            id_number="110101198803070023",
            owner=admin_a,
        ).customer
    assert customer.gender == Gender.FEMALE
    force_session(client, admin_a)
    html = client.get("/customers/%d/" % customer.pk).content.decode()
    shown = re.search(r"\(([^()]*), 1988\)", html).group(1)
    assert shown == str(Gender.FEMALE.label)
    assert "(F, 1988)" not in html


def test_a_text_custom_field_is_not_called_body_text(client, tenant_a, admin_a):
    with tenant_context(tenant_a):
        custom_field_create(
            actor=admin_a, key="employer", label="工作单位", kind="text"
        )
    force_session(client, admin_a)
    html = client.get("/customers/rules/").content.decode()
    line = re.search(r"工作单位 <span[^>]*>([^<]*)</span>", html).group(1)
    assert line == "employer · 文本"
