"""Completion is target against the facts (a department's actual is its subtree's),
each actual links to the list behind it; the KPI score and its weights; rankings;
what each role sees; the Excel exports."""

import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import ValidationError

from lenddesk.analytics.facts import drill_url, fact_totals
from lenddesk.performance.catalogue import TARGET_METRICS, month_end
from lenddesk.performance.kpi import kpi_score
from lenddesk.performance.selectors import completion, ranking
from lenddesk.performance.services.kpi import kpi_save
from lenddesk.performance.services.targets import DEPARTMENT, PERSON, targets_save
from lenddesk.tenancy.context import tenant_context
from tests.performance.conftest import MONTH, api_send

D = Decimal
WEIGHTS = {"calls": 50, "signed_orders": 30, "fees": 20}


def _setup(firm):
    """Targets of March and the firm's weights (calls 50, signed 30, fees 20)."""
    with tenant_context(firm["tenant"]):
        targets_save(
            actor=firm["gm"],
            month=MONTH,
            cells={
                (PERSON, firm["s1"].pk, "calls"): 50,
                (PERSON, firm["s1"].pk, "signed_orders"): 1,
                (PERSON, firm["s1"].pk, "fees"): "10000",
                (PERSON, firm["s2"].pk, "calls"): 10,
                (PERSON, firm["s2"].pk, "signed_orders"): 2,
                (PERSON, firm["s2"].pk, "fees"): "1000",
                (PERSON, firm["s3"].pk, "calls"): 30,
                (DEPARTMENT, firm["root"].pk, "calls"): 100,
                (DEPARTMENT, firm["one"].pk, "fees"): "20001",
            },
        )
        kpi_save(actor=firm["admin"], weights=WEIGHTS, cap_percent=120)


def _by_user(rows):
    return {r["user_id"]: r for r in rows}


def test_person_actuals_equal_the_facts_with_rates_and_drill_links(firm, db):
    _setup(firm)
    with tenant_context(firm["tenant"]):
        rows = _by_user(completion(firm["gm"], month="2026-03"))
        facts = fact_totals(
            firm["gm"],
            metrics=TARGET_METRICS,
            date_from=MONTH,
            date_to=month_end(MONTH),
            by=("user",),
        )
        link = drill_url(
            "fees", date_from=MONTH, date_to=month_end(MONTH), user_id=firm["s1"].pk
        )
    assert set(rows) == {firm[k].pk for k in ("s1", "s2", "s3", "lead1")}
    for fact in facts:
        cell = rows[fact["user_id"]]["metrics"][fact["metric"]]
        money = fact["metric"] in ("disbursed", "fees")
        assert cell["actual"] == (fact["amount"] if money else fact["n"])
    s1 = rows[firm["s1"].pk]["metrics"]
    assert s1["calls"] == {
        "target": 50,
        "actual": 40,
        "rate": D("80.0"),
        "url": s1["calls"]["url"],
    }
    assert s1["fees"]["actual"] == D("9000.50") and s1["fees"]["rate"] == D("90.0")
    assert s1["fees"]["url"] == link
    assert s1["visits"] == {
        "target": None,
        "actual": 0,
        "rate": None,
        "url": s1["visits"]["url"],
    }


def test_department_actual_is_the_sum_over_its_subtree(firm, db):
    _setup(firm)
    with tenant_context(firm["tenant"]):
        rows = {
            r["department_id"]: r
            for r in completion(firm["gm"], month=MONTH, by="department")
        }
        mine = completion(firm["lead1"], month=MONTH, by="department")
    root = rows[firm["root"].pk]["metrics"]
    assert root["calls"]["actual"] == 40 + 10 + 30 + 5
    assert root["calls"]["rate"] == D("85.0")
    one = rows[firm["one"].pk]["metrics"]
    assert one["fees"]["actual"] == D("10000.50")
    assert one["fees"]["rate"] == D("50.0")
    assert rows[firm["two"].pk]["metrics"]["calls"]["actual"] == 30
    assert "department=%d" % firm["one"].pk in one["fees"]["url"]
    # A team lead sees their own department only.
    assert [r["department_id"] for r in mine] == [firm["one"].pk]


def test_each_role_sees_only_its_scope(firm, db):
    _setup(firm)
    with tenant_context(firm["tenant"]):
        seller = completion(firm["s1"], month=MONTH)
        lead = completion(firm["lead1"], month=MONTH)
        seller_departments = completion(firm["s1"], month=MONTH, by="department")
        other = ranking(firm["lead2"], month=MONTH)
    assert [r["user_id"] for r in seller] == [firm["s1"].pk]
    assert {r["user_id"] for r in lead} == {firm[k].pk for k in ("s1", "s2", "lead1")}
    assert seller_departments == []
    assert [r["user_id"] for r in other] == [firm["s3"].pk]


def test_kpi_score_is_weight_times_capped_rate(firm, db):
    assert kpi_score(
        {"calls": D("80.0"), "signed_orders": D("200.0"), "fees": D("90.0")},
        {"calls": 50, "signed_orders": 30, "fees": 20, "visits": 0},
        120,
    ) == D("94.00")
    _setup(firm)
    with tenant_context(firm["tenant"]):
        rows = ranking(firm["gm"], month=MONTH)
        by_calls = ranking(firm["gm"], month=MONTH, by="calls")
        by_signed = ranking(firm["gm"], month=MONTH, by="signed_orders")
    scores = [(r["rank"], r["user_id"], r["kpi_score"]) for r in rows]
    assert scores == [
        # only a calls target, met: the other weights are shared out over it
        (1, firm["s3"].pk, D("100.00")),
        (2, firm["s1"].pk, D("94.00")),  # (50×80 + 30×120 (capped) + 20×90) / 100
        (3, firm["s2"].pk, D("85.00")),  # (50×100 + 30×50 + 20×100) / 100
    ]  # lead1 has actuals but no target: no KPI score
    assert [r["user_id"] for r in by_calls] == [
        firm[k].pk for k in ("s1", "s3", "s2", "lead1")
    ]
    assert [r["rank"] for r in by_signed] == [1, 2, 3, 3]  # s3 and lead1 tie at 0


@pytest.mark.parametrize(
    "weights,cap,fields",
    [
        ({"calls": 50, "fees": 40}, 120, ["weights"]),
        ({"calls": 101}, 120, ["calls"]),
        ({"calls": -5, "fees": 105}, 120, ["calls", "fees"]),
        ({"calls": "x", "fees": 100}, 120, ["calls"]),
        ({"calls": 100}, 99, ["cap_percent"]),
        ({"calls": 100, "bogus": 1}, 120, ["bogus"]),
    ],
)
def test_kpi_weights_are_validated(firm, db, weights, cap, fields):
    with tenant_context(firm["tenant"]), pytest.raises(ValidationError) as caught:
        kpi_save(actor=firm["gm"], weights=weights, cap_percent=cap)
    assert caught.value.code == "weights_invalid"
    assert sorted(caught.value.message_dict) == sorted(fields)


def test_kpi_page_for_managers_of_the_firm_only(firm, as_user):
    assert as_user(firm["lead1"]).get("/performance/kpi/").status_code == 403
    client = as_user(firm["gm"])
    assert client.get("/performance/kpi/").status_code == 200
    bad = client.post(
        "/performance/kpi/", {"calls": "60", "fees": "60", "cap_percent": "120"}
    )
    assert (
        bad.status_code == 400 and 'data-testid="form-errors"' in bad.content.decode()
    )
    good = client.post(
        "/performance/kpi/", {"calls": "60", "fees": "40", "cap_percent": "150"}
    )
    assert good.status_code == 302
    with tenant_context(firm["tenant"]):
        rows = ranking(firm["gm"], month=MONTH)
    assert rows == [] or rows[0]["kpi_score"] >= 0


def test_pages_render_for_each_role_with_links_and_charts(firm, as_user):
    _setup(firm)
    for who in ("gm", "lead1", "s1", "admin"):
        client = as_user(firm[who])
        page = client.get("/performance/completion/?month=2026-03")
        assert page.status_code == 200, who
        html = page.content.decode()
        assert (
            'href="/analytics/drill/calls/?from=2026-03-01&amp;to=2026-03-31&amp;user=%d"'
            % firm["s1"].pk
            in html
        )
        assert "completion-chart-data" in html
        ranked = client.get("/performance/ranking/?month=2026-03&by=calls")
        assert ranked.status_code == 200
        assert 'data-testid="rank-%d"' % firm["s1"].pk in ranked.content.decode()
    html = (
        as_user(firm["s1"])
        .get("/performance/completion/?month=2026-03")
        .content.decode()
    )
    assert 'data-testid="row-user-%d"' % firm["s2"].pk not in html
    assert "completion-export" not in html
    assert (
        as_user(firm["s1"]).get("/performance/completion/?export=xlsx").status_code
        == 403
    )
    dept = as_user(firm["gm"]).get(
        "/performance/completion/?month=2026-03&by=department"
    )
    assert 'data-testid="row-department-%d"' % firm["root"].pk in dept.content.decode()


def _sheet(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxml")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    return [list(r) for r in book.active.iter_rows(values_only=True)]


def test_exports_hold_the_pages_numbers(firm, as_user):
    _setup(firm)
    client = as_user(firm["lead1"])
    rows = _sheet(client.get("/performance/completion/?month=2026-03&export=xlsx"))
    assert len(rows) == 1 + 3  # header, lead1, s1, s2
    s1 = next(r for r in rows if r[0] == "S1")
    calls = 2 + 3 * TARGET_METRICS.index("calls")
    assert s1[calls : calls + 3] == [50, 40, 80]
    ranked = _sheet(client.get("/performance/ranking/?month=2026-03&export=xlsx"))
    assert [r[1] for r in ranked[1:]] == ["S1", "S2"]
    assert ranked[1][3] == 94


def test_api_completion_and_ranking(firm, client):
    _setup(firm)
    body = api_send(
        client,
        "GET",
        "/api/v1/performance/completion/?month=2026-03",
        {},
        firm["lead1"],
    ).json()
    s1 = next(r for r in body["rows"] if r["id"] == firm["s1"].pk)
    assert s1["metrics"]["fees"] == {
        "target": "10000.00",
        "actual": "9000.50",
        "rate": "90.0",
        "url": s1["metrics"]["fees"]["url"],
    }
    assert s1["metrics"]["calls"]["actual"] == "40"
    ranked = api_send(
        client, "GET", "/api/v1/performance/ranking/?month=2026-03", {}, firm["gm"]
    ).json()
    assert ranked["weights"]["calls"] == 50 and ranked["cap_percent"] == 120
    assert [(r["rank"], r["kpi_score"]) for r in ranked["rows"][:3]] == [
        (1, "100.00"),
        (2, "94.00"),
        (3, "85.00"),
    ]
    bad = api_send(
        client, "GET", "/api/v1/performance/ranking/?month=2026-13", {}, firm["gm"]
    )
    assert bad.status_code == 400 and bad.json()["fields"] == {
        "month": bad.json()["fields"]["month"]
    }
