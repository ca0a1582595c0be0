"""A salesperson on a phone writes a follow-up from the top of a customer page."""

import pytest

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_shell import _login

pytestmark = pytest.mark.e2e


def test_follow_up_from_the_top_of_the_page_on_a_phone(browser, live_app):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, locale="zh-CN"
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    _login(page, live_app, username="sales1")
    page.wait_for_selector('[data-testid="workbench-mine"]')
    page.goto(live_app + "/customers/")
    page.click("table tbody tr td a >> nth=0")
    page.wait_for_selector('[data-testid="customer-head"]')
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    name_box = page.locator('[data-testid="customer-name"]').bounding_box()
    assert name_box["height"] < 40, "the name wraps on a phone"

    page.click('a[data-ld-tab="timeline"]')
    assert page.is_visible('[data-testid="timeline"]')
    assert not page.is_visible('[data-testid="followup-form"]')
    page.click('[data-testid="write-followup"]')
    assert page.is_visible('[data-testid="followup-form"]')
    page.fill('[data-testid="followup-form"] textarea', "电话沟通，客户下周来访")
    page.click('[data-testid="followup-form"] button')
    page.wait_for_selector(".alert-success")
    assert "电话沟通，客户下周来访" in page.inner_text("#followups")
    assert page.url.endswith("#followups")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "customer-mobile.png"), full_page=True)
    context.close()
