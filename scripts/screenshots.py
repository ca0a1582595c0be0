"""Take the user guide's screenshots from a fresh demo firm.

    .venv/bin/python scripts/screenshots.py

Starts ``lenddesk run`` on a temporary embedded database, drives Debian's Chromium and
writes PNGs into docs/screenshots/. Needs Chinese fonts (Debian: fonts-noto-cjk).
"""

import os
import signal
import subprocess
import sys
import tempfile
import time
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


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    home = tempfile.mkdtemp(prefix="lenddesk-shots-")
    env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}
    }
    env.update(
        LENDDESK_HOME=home,
        BIND="127.0.0.1:%d" % PORT,
        WEB_WORKERS="1",
        LENDDESK_DEMO_CUSTOMERS="300",
    )
    server = subprocess.Popen(  # noqa: S603
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
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(URL + "/accounts/login/")
            page.fill("#id_tenant", "demo")
            page.screenshot(path=str(OUT / "login.png"))
            login(page)
            page.screenshot(path=str(OUT / "home.png"), full_page=True)
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
            page.goto(URL + "/customers/")
            page.click("[data-testid=customer-table] tbody a >> nth=0")
            page.wait_for_selector("[data-testid=match-panel]", timeout=20000)
            page.screenshot(
                path=str(OUT / "customer-match.png"),
                full_page=True,
                clip={"x": 0, "y": 0, "width": 1280, "height": 1100},
            )
            phone = browser.new_page(
                viewport={"width": 390, "height": 844}, is_mobile=True
            )
            login(phone, "sales1")
            phone.click(".navbar-toggler")
            phone.wait_for_selector("#sidebar-menu.show")
            phone.screenshot(path=str(OUT / "home-mobile.png"))
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
            operator.screenshot(path=str(OUT / "platform.png"))
            browser.close()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
