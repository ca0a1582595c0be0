"""A new user's first minutes, in a real browser against the real server."""

import pytest

from tests.e2e.conftest import ARTIFACTS

pytestmark = pytest.mark.e2e


def _login(page, url, username="admin", password="Demo@2026"):  # noqa: S107
    page.goto(url + "/accounts/login/")
    page.fill("#id_tenant", "demo")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")


def test_admin_logs_in_sees_chinese_shell_and_switches_to_english(page, live_app):
    errors = []
    page.on(
        "console", lambda msg: errors.append(msg.text) if msg.type == "error" else None
    )
    _login(page, live_app)
    page.wait_for_selector('[data-testid="workbench-mine"]')
    assert "退出登录" in page.content()
    assert page.inner_text('[data-testid="seat-usage"]').startswith("12 / 50")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "home-zh.png"), full_page=True)

    page.select_option('[data-testid="language-switch"]', "en")
    page.wait_for_selector("text=Log out", state="attached")
    assert "My work today" in page.content()
    page.screenshot(path=str(ARTIFACTS / "home-en.png"), full_page=True)
    page.select_option('[data-testid="language-switch"]', "zh-hans")
    page.wait_for_selector("text=今日工作", state="attached")
    assert errors == []


def test_wrong_password_shows_a_clear_error(page, live_app):
    _login(page, live_app, password="wrong")
    assert page.is_visible('[data-testid="form-errors"]')
    assert "/accounts/login/" in page.url


def test_shell_works_on_a_phone_screen(browser, live_app):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True
    )
    page = context.new_page()
    _login(page, live_app, username="sales1")
    page.wait_for_selector('[data-testid="workbench-mine"]')
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "page scrolls sideways on a phone"
    page.click(".navbar-toggler")
    page.wait_for_selector("#sidebar-menu.show")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "home-mobile.png"), full_page=True)
    context.close()
