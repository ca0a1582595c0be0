"""A refused htmx action says why: the error form is swapped in, or a toast appears."""

import pytest

from tests.e2e.test_shell import _login

pytestmark = pytest.mark.e2e


def _open_first_colleague(page, url):
    page.goto(url + "/accounts/staff/")
    hrefs = page.eval_on_selector_all(
        'a[href^="/accounts/staff/"]', "links => links.map(a => a.getAttribute('href'))"
    )
    profile = next(h for h in hrefs if h.rstrip("/").split("/")[-1].isdigit())
    page.goto(url + profile)
    page.wait_for_selector('[data-testid="reveal-box"]')


def test_reveal_without_purpose_shows_the_field_error(page, live_app):
    _login(page, live_app)
    page.wait_for_url(live_app + "/")
    _open_first_colleague(page, live_app)
    page.click('[data-testid="reveal-box"] button')
    error = page.wait_for_selector('[data-field="purpose"]')
    assert error.inner_text().strip()
    assert page.query_selector('[data-testid="revealed-value"]') is None


def test_a_refusal_without_a_form_becomes_a_toast(page, live_app):
    _login(page, live_app)
    page.wait_for_url(live_app + "/")
    page.evaluate(
        "htmx.ajax('POST', '/accounts/staff/987654321/reveal/',"
        " {target: 'body', swap: 'none'})"
    )
    toast = page.wait_for_selector('[data-testid="toast"]')
    assert "不存在" in toast.inner_text() or "Not found" in toast.inner_text()
    assert page.url.rstrip("/") == live_app.rstrip("/")
