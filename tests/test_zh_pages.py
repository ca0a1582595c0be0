"""Every page a zh firm's staff or a platform operator can open reads in Chinese: no
raw codes (``active``, ``ok``, ``customers.customer``, ``row:``, ``(F, 1988)``) and no
English in the labels a screen reader speaks (aria-label, placeholder, title)."""

import re
from pprint import pformat

import pytest

from lenddesk.accounts.models import User
from lenddesk.customers.services import customer_create
from lenddesk.platform.services import tenant_update_plan
from lenddesk.platform.views import OperatorView
from lenddesk.products import services as products
from lenddesk.tenancy.context import tenant_context
from lenddesk.web.access import StaffView
from tests.accounts.test_access_matrix import (
    ROUTES,
    _kwargs_for,
    _org_for,
    _url,
    _view_class,
)
from tests.conftest import force_session
from tests.factories import make_user
from tests.operators import log_in_operator

RAW_VALUES = [
    re.compile(
        r">\s*(ok|system|active|paused|trust|bank|True|False|None|text|number"
        r"|completed|failed|queued|running)\s*<"
    ),
    re.compile(r"(?<!<code)>\s*[a-z]+\.(?!csv|xlsx)[a-z_]+\s*<"),  # a code
    re.compile(r"·\s*[a-z]+(?:_[a-z]+)*\s*(?=·|<)"),  # a field name in a list
    re.compile(r"(?<!<code)>\s*[a-z]+_[a-z_]+\s*(?=·|<)"),  # an event code
    re.compile(r"(?<!value=\")customers\.customer"),
    re.compile(r"\brow:"),
    re.compile(r"\((F|M),"),
    re.compile(r'value="None"'),
]
LABEL_ATTRIBUTE = re.compile(r'\b(aria-label|placeholder|title)="([^"]*)"')
ENGLISH_WORD = re.compile(r"[A-Za-z]{3,}")
# What may stay in Latin letters: acronyms (APR, JPG), machine names a Chinese user
# types or maps (marital_status, consent.agreed_at), time zones and JSON examples.
NOT_WORDS = re.compile(
    r"(?<![A-Za-z])[A-Z]{2,}[0-9]*(?![A-Za-z])"  # APR, JPG, MP4
    r"|\b[a-z]+(?:[._][a-z]+)+\b"  # marital_status, consent.agreed_at
    r"|\b[A-Z][a-z]+/[A-Za-z_]+\b"  # Asia/Shanghai
    r"|&quot;[^&]*&quot;|https?://\S+|\.[a-z]{3,4}\b"  # JSON keys, links, .xlsx
    r"|\b\w*\d\w*\b"  # sales1, token prefixes
)
# Brand names, formats, the language switch and this test's own user names and firm.
ALLOWED_WORDS = {
    "English",
    "admin",
    "firm",
    "WebM",
    "LendDesk",
    "CSV",
    "XLSX",
    "Excel",
    "API",
    "URL",
    "HTTPS",
    "https",
    "http",
    "example",
    "com",
    "www",
    "Webhook",
    "webhook",
    "JSON",
    "SMS",
    "OTP",
    "App",
    "app",
    "Bearer",
    "TOTP",
    "Word",
    "AccessKey",
    "Secret",
    "AppID",
    "AppSecret",
    "Key",
    # the SMS template's placeholders, typed as they are: {title} {body}
    "title",
    "body",
}
# Files and machine endpoints: not pages.
NOT_PAGES = ("export", ".csv", ".xlsx", "/file/", "/download/", "/qr", "/media/")

TEXT_NODE = re.compile(r"(?<!<code)>([^<>]+)<")
# Not the page's words: code, and what the audit log recorded as it was (who and
# which object, by their names then; a reason someone typed).
NOT_TEXT = re.compile(
    r"<(script|style|code|pre)\b.*?</\1>"
    r'|<(span|div|td)[^>]*data-testid="audit-(?:actor|object|reason)"[^>]*>.*?</\2>',
    re.S,
)


def _english_text(html: str) -> list[str]:
    """Text between tags that holds an English word outside the allow-list."""
    found = []
    for text in TEXT_NODE.findall(NOT_TEXT.sub("", html)):
        words = set(ENGLISH_WORD.findall(NOT_WORDS.sub("", text))) - ALLOWED_WORDS
        if words:
            found.append(text.strip()[:80])
    return found


def _raw_values(html: str) -> list[str]:
    found = _english_text(html)
    for pattern in RAW_VALUES:
        found += [m.group(0) for m in pattern.finditer(html)]
    for attribute, value in LABEL_ATTRIBUTE.findall(html):
        words = set(ENGLISH_WORD.findall(NOT_WORDS.sub("", value))) - ALLOWED_WORDS
        if words:
            found.append('%s="%s"' % (attribute, value))
    return found


def _page_routes(base):
    for route, name, callback in ROUTES:
        view = _view_class(callback)
        if view is None or not issubclass(view, base) or route.startswith("api/"):
            continue
        permissions = getattr(view, "permissions", None)
        if base is StaffView and "GET" not in (permissions or {}):
            continue
        if base is OperatorView and not hasattr(view, "get"):
            continue
        if any(part in route for part in NOT_PAGES):
            continue
        yield route, name


@pytest.fixture
def zh_firm(tenant_a, admin_a):
    """The access matrix's firm, plus what used to show raw: a customer with a national
    ID (gender), a trust funder and a plan change (the firm's history)."""
    org = _org_for(tenant_a, admin_a, "销售一部")
    with tenant_context(tenant_a):
        org["customer"] = customer_create(
            actor=admin_a,
            data={"name": "李四"},
            phone="13812345678",
            id_number="110101198803070023",
            owner=admin_a,
        ).customer
        org["funder"] = products.funder_save(
            actor=admin_a, data={"name": "信托资方", "kind": "trust"}
        )
    tenant_update_plan(
        operator=None,
        tenant=tenant_a,
        name=tenant_a.name,
        seats=tenant_a.seats + 1,
        modules=tenant_a.modules,
        expires_on=None,
        ip="127.0.0.1",
    )
    return org


def _walk_pages(client, routes, org, subject):
    problems, seen = {}, 0
    for route, _name in routes:
        url = _url(route, _kwargs_for(route, org, subject))
        if "<" in url or "(?P" in url:
            continue
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get(
            "Content-Type", ""
        ):
            continue
        seen += 1
        found = _raw_values(response.content.decode())
        if found:
            problems[url] = sorted(set(found))
    return seen, problems


@pytest.mark.parametrize("username", ["admin", "sales1"])
def test_staff_pages_show_no_raw_codes(client, tenant_a, zh_firm, username):
    if username != "admin":
        make_user(tenant_a, username, role_keys=["salesperson"])
    with tenant_context(tenant_a):
        person = User.objects.get(username=username)
    force_session(client, person)
    seen, problems = _walk_pages(client, _page_routes(StaffView), zh_firm, person)
    assert seen >= (40 if username == "admin" else 10)
    assert problems == {}, pformat(problems)


def test_operator_console_shows_no_raw_codes(client, operator, zh_firm, admin_a):
    log_in_operator(client, operator)
    seen, problems = _walk_pages(client, _page_routes(OperatorView), zh_firm, admin_a)
    assert seen >= 3
    assert problems == {}, pformat(problems)


def test_log_in_pages_show_no_raw_codes(client, db):
    for url in ("/accounts/login/", "/platform/login/"):
        response = client.get(url)
        assert response.status_code == 200
        assert _raw_values(response.content.decode()) == [], url
