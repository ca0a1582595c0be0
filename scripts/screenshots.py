"""Take the user guide's screenshots from a fresh demo firm.

    .venv/bin/python scripts/screenshots.py

Starts ``lenddesk run`` on a temporary embedded database, drives Debian's Chromium and
writes PNGs into docs/screenshots/. Needs Chinese fonts (Debian: fonts-noto-cjk).
"""

import contextlib
import hashlib
import hmac
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
PORT = 8765
URL = "http://127.0.0.1:%d" % PORT
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def wait_ready(process) -> None:
    for _ in range(180):
        if process.poll() is not None:
            raise SystemExit("server exited")
        try:
            with urllib.request.urlopen(URL + "/healthz", timeout=2):  # noqa: S310
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("server not ready")


def login(page, username="admin") -> None:
    page.goto(URL + "/accounts/login/")
    page.fill("#id_tenant", "demo")
    page.fill("#id_username", username)
    page.fill("#id_password", "Demo@2026")
    page.click("button[type=submit]")
    page.wait_for_load_state()


def push_lead(endpoint: str, secret: str, key: str, lead: dict) -> int:
    """Send one signed delivery as a traffic platform would (docs/integrations.md)."""
    body = json.dumps(lead, ensure_ascii=False).encode()
    stamp = str(int(time.time()))
    signature = hmac.new(
        secret.encode(), stamp.encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    request = urllib.request.Request(  # noqa: S310 - our own local server
        endpoint,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "X-Timestamp": stamp,
            "X-Signature": signature,
            "Idempotency-Key": key,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:  # noqa: S310
            return reply.status
    except urllib.error.HTTPError as refused:
        return refused.code


def integration_page(page) -> None:
    """Create an integration, push a few leads (good, without consent, invalid) and
    photograph its page once the worker has made the customers."""
    page.goto(URL + "/acquisition/channels/")
    page.fill("#id_name", "信息流广告")
    page.select_option("#id_kind", "traffic")
    page.click("text=添加渠道")
    page.wait_for_load_state()
    page.goto(URL + "/acquisition/integrations/new/")
    page.fill("#id_name", "信息流线索推送")
    page.select_option("#id_channel", index=1)
    page.click('button.btn-primary:has-text("创建并显示密钥")')
    page.wait_for_selector("[data-testid=secret]")
    endpoint = page.inner_text("[data-testid=endpoint]").strip()
    if endpoint.startswith("/"):
        endpoint = URL + endpoint
    secret = page.inner_text("[data-testid=secret]").strip()
    consent = {
        "notice_version": "v1",
        "agreed_at": int(time.time()),
        "ip": "203.0.113.9",
    }
    leads = [
        {
            "name": "周晓明",
            "phone": "13812345670",
            "city": "杭州",
            "amount": "300000",
            "consent": consent,
        },
        {
            "name": "吴海燕",
            "phone": "13912345671",
            "city": "宁波",
            "amount": "150000",
            "consent": consent,
        },
        {
            "name": "郑国强",
            "phone": "13712345672",
            "city": "杭州",
            "amount": "500000",
            "consent": consent,
        },
        {"name": "王丽", "phone": "13612345673", "city": "温州"},
        {"name": "", "phone": "123", "consent": consent},
    ]
    for number, lead in enumerate(leads):
        push_lead(endpoint, secret, "shot-%d" % number, lead)
    page.click("text=我已复制")
    page.wait_for_load_state()
    detail = page.url
    for _ in range(60):  # the worker turns queued deliveries into customers
        page.goto(detail)
        if (
            page.locator("[data-testid=deliveries] tbody tr:has-text('排队中')").count()
            == 0
        ):
            break
        time.sleep(0.5)
    page.screenshot(path=str(OUT / "integration.png"), full_page=True)


def open_matched_customer(page) -> None:
    """The oldest customer whom at least one product fits (the newest are leads
    from forms and partners, who have given no ID number yet)."""
    for row in range(12):
        page.goto(URL + "/customers/?sort=created")
        page.click("[data-testid=customer-table] tbody a >> nth=%d" % row)
        page.wait_for_selector(
            "[data-testid=match-panel]", state="attached", timeout=20000
        )
        fits = page.inner_text("[data-testid=eligible-count]").strip()
        if not fits.startswith("0"):
            return


def orders_pages(browser) -> None:
    """The order board, an order, the flow editor and the warrant centre, as the people
    who use them; the board and the week also at phone width."""
    gm = browser.new_page(viewport={"width": 1280, "height": 800})
    login(gm, "gm")
    gm.goto(URL + "/orders/board/")
    gm.screenshot(path=str(OUT / "order-board.png"))
    gm.click("[data-testid=board] a[href*='/orders/'] >> nth=0")
    gm.wait_for_load_state()
    gm.screenshot(path=str(OUT / "order.png"), full_page=True)
    admin = browser.new_page(viewport={"width": 1280, "height": 900})
    login(admin)
    admin.goto(URL + "/orders/workflows/")
    admin.click("text=抵押贷 >> nth=0")
    admin.wait_for_load_state()
    admin.screenshot(path=str(OUT / "workflow-editor.png"))
    officer = browser.new_page(viewport={"width": 1280, "height": 800})
    login(officer, "warrant1")
    officer.goto(URL + "/warrants/week/")
    officer.screenshot(path=str(OUT / "warrant-week.png"), full_page=True)
    officer.goto(URL + "/warrants/custody/")
    officer.screenshot(path=str(OUT / "custody.png"))
    phone = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    login(phone, "gm")
    phone.goto(URL + "/orders/board/")
    phone.screenshot(path=str(OUT / "order-board-mobile.png"))


def money_pages(browser) -> None:
    """Contracts, the fees owed, profit, commission statements and the withholding
    report, as the general manager and finance; the fees also at phone width."""
    gm = browser.new_page(viewport={"width": 1280, "height": 800})
    login(gm, "gm")
    gm.goto(URL + "/contracts/")
    gm.screenshot(path=str(OUT / "contracts.png"))
    gm.click("[data-testid=contract-table] tbody a >> nth=0")
    gm.wait_for_load_state()
    gm.screenshot(path=str(OUT / "contract.png"), full_page=True)
    gm.goto(URL + "/contracts/templates/")
    gm.screenshot(path=str(OUT / "contract-templates.png"), full_page=True)
    clerk = browser.new_page(viewport={"width": 1280, "height": 800})
    login(clerk, "finance1")
    for path, name in (
        ("/finance/", "receivables.png"),
        ("/finance/profit/", "profit.png"),
        ("/finance/close/", "month-close.png"),
        ("/commissions/staff/", "staff-statements.png"),
        ("/commissions/partners/", "partner-statements.png"),
        ("/commissions/withholding/", "withholding.png"),
    ):
        clerk.goto(URL + path)
        clerk.screenshot(path=str(OUT / name), full_page=True)
    phone = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    login(phone, "finance1")
    phone.goto(URL + "/finance/")
    phone.screenshot(path=str(OUT / "receivables-mobile.png"))


def totp_now(secret: str) -> str:
    """The current six-digit code of a TOTP key (RFC 6238: SHA-1, 30 s)."""
    import base64
    import struct

    text = secret.replace(" ", "").upper()
    key = base64.b32decode(text + "=" * (-len(text) % 8))
    counter = struct.pack(">Q", int(time.time()) // 30)
    digest = hmac.new(key, counter, hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return "%06d" % (number % 1_000_000)


@contextlib.contextmanager
def demo_browser():
    """A fresh demo firm served by ``lenddesk run`` on a temporary embedded database,
    and Debian's Chromium to drive it; both stopped on the way out."""
    home = tempfile.mkdtemp(prefix="lenddesk-shots-")
    env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}
    }
    env.update(
        LENDDESK_HOME=home,
        BIND="127.0.0.1:%d" % PORT,
        WEB_WORKERS="1",
        WEB_THREADS="4",
        LENDDESK_DEMO_CUSTOMERS="300",
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "lenddesk", "run"],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_ready(server)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            yield browser
            browser.close()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with demo_browser() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(URL + "/accounts/login/")
        page.fill("#id_tenant", "demo")
        page.screenshot(path=str(OUT / "login.png"))
        lead = browser.new_page(viewport={"width": 1280, "height": 800})
        login(lead, "lead1")
        lead.screenshot(path=str(OUT / "home.png"), full_page=True)
        login(page)
        page.goto(URL + "/customers/")
        page.screenshot(path=str(OUT / "customers.png"))
        page.goto(URL + "/accounts/staff/")
        page.screenshot(path=str(OUT / "staff.png"), full_page=True)
        page.goto(URL + "/accounts/roles/")
        page.click("text=客户经理")
        page.wait_for_load_state()
        page.screenshot(path=str(OUT / "role.png"), full_page=True)
        page.goto(URL + "/audit/")
        page.screenshot(path=str(OUT / "audit.png"))
        for path, name in (
            ("/products/", "products.png"),
            ("/notifications/", "notifications.png"),
            ("/acquisition/report/", "channel-report.png"),
            ("/promotion/materials/", "promotion.png"),
            ("/partners/", "partners.png"),
        ):
            page.goto(URL + path)
            page.screenshot(path=str(OUT / name), full_page=True)
        integration_page(page)
        open_matched_customer(page)
        page.screenshot(path=str(OUT / "customer.png"), full_page=True)
        page.click('a[data-ld-tab="matching"]')
        page.screenshot(
            path=str(OUT / "customer-match.png"),
            full_page=True,
            clip={"x": 0, "y": 0, "width": 1280, "height": 1100},
        )
        phone = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
        login(phone, "sales1")
        phone.click(".navbar-toggler")
        phone.wait_for_selector("#sidebar-menu.show")
        phone.screenshot(path=str(OUT / "home-mobile.png"))
        phone.click(".navbar-toggler")
        phone.goto(URL + "/customers/")
        phone.click("[data-testid=customer-table] tbody a >> nth=0")
        phone.wait_for_selector("[data-testid=customer-head]")
        phone.screenshot(path=str(OUT / "customer-mobile.png"), full_page=True)
        orders_pages(browser)
        money_pages(browser)
        portal = browser.new_page(
            viewport={"width": 390, "height": 844}, is_mobile=True
        )
        portal.goto(URL + "/partners/portal/demo/login/")
        portal.screenshot(path=str(OUT / "partner-portal-mobile.png"))
        operator = browser.new_page(viewport={"width": 1280, "height": 700})
        operator.goto(URL + "/platform/login/")
        operator.fill("#id_username", "operator")
        operator.fill("#id_password", "Operator@2026")
        operator.click("button[type=submit]")
        operator.wait_for_load_state()
        secret = operator.inner_text("[data-testid=totp-secret]")
        operator.fill("input[name=code]", totp_now(secret))
        operator.click("button[type=submit]")
        operator.wait_for_load_state()
        operator.screenshot(path=str(OUT / "platform.png"))


if __name__ == "__main__":
    main()
