"""A salesperson's material opened on a 360 px phone: no sideways scrolling, the
apply button and the form fit (real server, real Chromium)."""

import pytest

from tests.e2e.conftest import ARTIFACTS

pytestmark = pytest.mark.e2e

WECHAT_UA = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0 Mobile Safari/537.36 MicroMessenger/8.0.47"
)


def _fits(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= window.innerWidth + 1"
    )


def test_material_and_form_fit_a_360px_phone(browser, live_app):
    staff = browser.new_context(viewport={"width": 1280, "height": 860})
    page = staff.new_page()
    page.set_default_timeout(20000)
    page.goto(live_app + "/accounts/login/")
    page.fill("#id_tenant", "demo")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "Demo@2026")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    page.goto(live_app + "/acquisition/notice/")
    page.fill("#id_version", "e2e-1")
    page.fill("#id_text", "我们如何处理您的个人信息。")
    page.click("form:has(#id_version) button.btn-primary")
    page.wait_for_load_state()
    page.goto(live_app + "/promotion/forms/new/")
    page.fill("#id_title", "手机端申请")
    page.check('input[name="ask_demand_amount"]')
    page.click('[data-testid="form-builder"] button[type=submit]')
    page.wait_for_load_state()
    page.goto(live_app + "/promotion/materials/new/")
    page.fill("#id_title", "一篇很长的文章标题用于检查手机端换行是否正常显示")
    page.fill("#id_summary", "摘要")
    page.select_option("#id_form", label="手机端申请")
    page.click(".ld-editor")
    page.keyboard.type("利率低至")
    page.click('.ld-editor-toolbar button[aria-label="bold"]')
    page.keyboard.type("三厘")
    page.click('[data-testid="material-form"] button[type=submit]')
    page.wait_for_load_state()
    page.goto(live_app + "/promotion/links/")
    link = page.locator('[data-testid="share-url"]').first.input_value()
    staff.close()

    phone = browser.new_context(
        viewport={"width": 360, "height": 740}, user_agent=WECHAT_UA, locale="zh-CN"
    )
    visitor = phone.new_page()
    visitor.set_default_timeout(20000)
    visitor.goto(link)
    visitor.wait_for_selector('[data-testid="material"]')
    assert _fits(visitor)
    assert "<b>三厘</b>" in visitor.inner_html(".ld-article")
    ARTIFACTS.mkdir(exist_ok=True)
    visitor.screenshot(
        path=str(ARTIFACTS / "promotion-material-360.png"), full_page=True
    )
    visitor.click('[data-testid="apply"]')
    visitor.wait_for_selector('[data-testid="public-form"]')
    assert _fits(visitor)
    box = visitor.locator('[data-testid="submit"]').bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360
    assert visitor.locator('[data-testid="captcha"]').is_visible()
    visitor.screenshot(path=str(ARTIFACTS / "promotion-form-360.png"), full_page=True)
    phone.close()
