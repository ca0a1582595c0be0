"""Take the dashboards' screenshots for docs/analytics.md from a fresh demo firm.

    .venv/bin/python scripts/screenshots_analytics.py

Starts ``lenddesk run`` on a temporary embedded database (the demo firm, with three
months of history for the charts), drives Debian's Chromium as the general manager,
a team lead and a salesperson, at desktop width and at 390 px, and writes PNGs into
docs/img/analytics-*.png. Needs Chinese fonts (Debian: fonts-noto-cjk).
"""

import datetime as dt
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from screenshots import URL, demo_browser, login

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "img"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def last_month() -> str:
    first = dt.date.today().replace(day=1)
    last = first - dt.timedelta(days=1)
    return "from=%s&to=%s" % (last.replace(day=1).isoformat(), last.isoformat())


def shoot(page, path: str, name: str, *, full: bool = True) -> None:
    page.goto(URL + path)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(700)  # the chart's entry animation
    page.screenshot(path=str(OUT / ("analytics-%s.png" % name)), full_page=full)


def manager_pages(browser) -> None:
    gm = browser.new_page(viewport=DESKTOP)
    login(gm, "gm")
    shoot(gm, "/analytics/", "overview")
    shoot(gm, "/analytics/channels/?" + last_month(), "channels")
    for key in ("calls", "sla", "fees", "pool", "allocation", "approvals"):
        shoot(gm, "/analytics/%s/" % key, key)
    phone = browser.new_page(viewport=PHONE, is_mobile=True)
    login(phone, "gm")
    shoot(phone, "/analytics/channels/?" + last_month(), "channels-mobile", full=False)


def team_pages(browser) -> None:
    lead = browser.new_page(viewport=DESKTOP)
    login(lead, "lead1")
    shoot(lead, "/analytics/staff/", "staff")
    shoot(lead, "/analytics/", "overview-team")
    seller = browser.new_page(viewport=PHONE, is_mobile=True)
    login(seller, "sales1")
    shoot(seller, "/analytics/", "overview-mobile", full=False)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with demo_browser() as browser:
        manager_pages(browser)
        team_pages(browser)


if __name__ == "__main__":
    main()
