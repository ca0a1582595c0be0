"""The targets grid: one POST saves a department and its people, every bad cell is
named and nothing is stored; copy from last month; split down; the walls between
managers and the people they do not manage."""

import re
from decimal import Decimal

from lenddesk.audit.models import AuditEvent
from lenddesk.performance.models import DepartmentTarget, PersonTarget
from lenddesk.performance.services.targets import (
    DEPARTMENT,
    PERSON,
    split_amounts,
    targets_copy,
    targets_save,
    targets_split,
)
from lenddesk.tenancy.context import tenant_context
from tests.performance.conftest import MONTH, PREVIOUS, api_send

D = Decimal
URL = "/performance/targets/"


def _person(firm, who, month=MONTH):
    with tenant_context(firm["tenant"]):
        return {
            t.metric: t.value
            for t in PersonTarget.objects.filter(user=firm[who], month=month)
        }


def _dept(firm, key, month=MONTH):
    with tenant_context(firm["tenant"]):
        return {
            t.metric: t.value
            for t in DepartmentTarget.objects.filter(department=firm[key], month=month)
        }


def _post(client, firm, department, cells, **more):
    data = {"month": "2026-03", "department": firm[department].pk, **more}
    return client.post(URL, {**data, **cells})


def test_grid_saves_department_and_people_in_one_post(firm, as_user):
    client = as_user(firm["lead1"])
    page = client.get(URL + "?month=2026-03")
    assert page.status_code == 200
    grid = page.content.decode()
    # Department row on top, then the lead's people, never the lead themselves.
    assert 'name="d%d__calls"' % firm["one"].pk in grid
    assert 'name="u%d__calls"' % firm["s1"].pk in grid
    assert 'name="u%d__calls"' % firm["lead1"].pk not in grid
    answer = _post(
        client,
        firm,
        "one",
        {
            "d%d__calls" % firm["one"].pk: "100",
            "d%d__fees" % firm["one"].pk: "20000.50",
            "u%d__calls" % firm["s1"].pk: "60",
            "u%d__disbursed" % firm["s1"].pk: "1,000,000",
            "u%d__visits" % firm["s2"].pk: "",
        },
        action="save",
    )
    assert answer.status_code == 302
    assert _dept(firm, "one") == {"calls": D("100"), "fees": D("20000.50")}
    assert _person(firm, "s1") == {"calls": D("60"), "disbursed": D("1000000")}
    assert _person(firm, "s2") == {}
    with tenant_context(firm["tenant"]):
        event = AuditEvent.objects.filter(action="performance.targets_saved").last()
    assert event.changes["set"] == 4
    # An empty cell clears what was there.
    _post(client, firm, "one", {"u%d__calls" % firm["s1"].pk: ""}, action="save")
    assert _person(firm, "s1") == {"disbursed": D("1000000")}


BAD = [
    ("s1", "calls", "-1"),
    ("s1", "visits", "2.5"),
    ("s1", "followups", "1000001"),
    ("s1", "fees", "10.123"),
    ("s1", "disbursed", "10000000001"),
    ("s2", "visits", "abc"),
    ("s2", "calls", "NaN"),
]


def test_bad_cells_are_all_named_and_nothing_is_stored(firm, as_user):
    client = as_user(firm["gm"])
    bad = {"u%d__%s" % (firm[who].pk, metric): value for who, metric, value in BAD}
    good = {
        "d%d__visits" % firm["one"].pk: "9",
        "u%d__signed_orders" % firm["s2"].pk: "3",
    }
    answer = _post(client, firm, "one", {**good, **bad}, action="save")
    assert answer.status_code == 400
    html = answer.content.decode()
    for name, value in {**bad, **good}.items():
        invalid = re.search(
            r'name="%s" value="%s"[^>]*is-invalid' % (name, re.escape(value)), html
        )
        assert bool(invalid) == (name in bad), name
    assert _dept(firm, "one") == {} and _person(firm, "s2") == {}


def test_api_refusal_names_the_cell_with_the_code(firm, client):
    answer = api_send(
        client,
        "POST",
        "/api/v1/performance/targets/",
        {
            "month": "2026-03",
            "targets": [
                {"user": firm["s1"].pk, "metric": "calls", "value": "5"},
                {"user": firm["s2"].pk, "metric": "fees", "value": "-3"},
            ],
        },
        firm["gm"],
    )
    assert answer.status_code == 400
    body = answer.json()
    assert body["error"] == "target_invalid"
    assert list(body["fields"]) == ["u%d__fees" % firm["s2"].pk]
    assert _person(firm, "s1") == {}


def test_team_lead_sets_only_their_people_never_themselves(firm, as_user, client):
    lead = as_user(firm["lead1"])
    for who in ("s3", "lead1", "admin"):
        answer = _post(lead, firm, "one", {"u%d__calls" % firm[who].pk: "5"})
        assert answer.status_code == 403, who
        assert _person(firm, who) == {}
    assert _post(lead, firm, "two", {}).status_code == 404  # not their department
    assert lead.get(URL + "?department=%d" % firm["two"].pk).status_code == 404
    answer = _post(lead, firm, "one", {"d%d__calls" % firm["two"].pk: "5"})
    assert answer.status_code == 403
    assert _dept(firm, "two") == {}
    api = api_send(
        client,
        "POST",
        "/api/v1/performance/targets/",
        {
            "month": "2026-03",
            "targets": [{"user": firm["s3"].pk, "metric": "calls", "value": "1"}],
        },
        firm["lead1"],
    )
    assert api.status_code == 403


def test_general_manager_may_set_their_own(firm):
    with tenant_context(firm["tenant"]):
        targets_save(
            actor=firm["gm"], month=MONTH, cells={(PERSON, firm["gm"].pk, "calls"): 9}
        )
    assert _person(firm, "gm") == {"calls": D("9")}


def test_salesperson_sets_no_target(firm, as_user, client):
    seller = as_user(firm["s1"])
    assert seller.get(URL).status_code == 403
    assert (
        _post(seller, firm, "one", {"u%d__calls" % firm["s1"].pk: "5"}).status_code
        == 403
    )
    api = api_send(
        client,
        "POST",
        "/api/v1/performance/targets/",
        {
            "month": "2026-03",
            "targets": [{"user": firm["s1"].pk, "metric": "calls", "value": "1"}],
        },
        firm["s1"],
    )
    assert api.status_code == 403
    assert _person(firm, "s1") == {}


def test_copy_fills_empty_cells_or_overwrites_when_asked(firm, as_user):
    with tenant_context(firm["tenant"]):
        targets_save(
            actor=firm["gm"],
            month=PREVIOUS,
            cells={
                (DEPARTMENT, firm["one"].pk, "calls"): 80,
                (PERSON, firm["s1"].pk, "calls"): 50,
                (PERSON, firm["s2"].pk, "calls"): 30,
                (PERSON, firm["s3"].pk, "calls"): 70,  # another department
            },
        )
        targets_save(
            actor=firm["gm"], month=MONTH, cells={(PERSON, firm["s1"].pk, "calls"): 11}
        )
    client = as_user(firm["lead1"])
    assert _post(client, firm, "one", {}, action="copy").status_code == 302
    assert _person(firm, "s1") == {"calls": D("11")}  # kept
    assert _person(firm, "s2") == {"calls": D("30")}
    assert _dept(firm, "one") == {"calls": D("80")}
    assert _person(firm, "s3") == {}
    with tenant_context(firm["tenant"]):
        counts = targets_copy(
            actor=firm["lead1"],
            month=MONTH,
            department_id=firm["one"].pk,
            overwrite=True,
        )
    assert counts["set"] == 1
    assert _person(firm, "s1") == {"calls": D("50")}


def test_split_evenly_gives_the_remainder_to_the_first(firm):
    assert split_amounts(D("100"), [D(1)] * 3, D(1)) == [D(34), D(33), D(33)]
    assert split_amounts(D("0.05"), [D(1)] * 2, D("0.01")) == [D("0.03"), D("0.02")]
    with tenant_context(firm["tenant"]):
        targets_save(
            actor=firm["gm"],
            month=MONTH,
            cells={
                (DEPARTMENT, firm["one"].pk, "calls"): "101",
                (DEPARTMENT, firm["one"].pk, "fees"): "1000.01",
            },
        )
        result = targets_split(
            actor=firm["lead1"], month=MONTH, department_id=firm["one"].pk
        )
    # lead1 splits among the people they manage: s1 and s2 (not themselves).
    assert result["calls"] == {firm["s1"].pk: D(51), firm["s2"].pk: D(50)}
    assert _person(firm, "s1") == {"calls": D(51), "fees": D("500.01")}
    assert _person(firm, "s2") == {"calls": D(50), "fees": D("500.00")}


def test_split_by_last_months_share(firm, as_user):
    with tenant_context(firm["tenant"]):
        targets_save(
            actor=firm["gm"],
            month=MONTH,
            cells={(DEPARTMENT, firm["one"].pk, "calls"): "100"},
        )
    client = as_user(firm["gm"])
    answer = _post(client, firm, "one", {}, action="split", mode="share")
    assert answer.status_code == 302
    # Last month s1 made 30 calls, s2 10, lead1 none: 75 / 25 / 0.
    assert _person(firm, "s1") == {"calls": D(75)}
    assert _person(firm, "s2") == {"calls": D(25)}
    assert _person(firm, "lead1") == {"calls": D(0)}


def test_split_without_a_department_target_is_refused(firm, as_user):
    client = as_user(firm["lead1"])
    answer = _post(client, firm, "one", {}, action="split", mode="even")
    assert answer.status_code == 400
    assert 'data-testid="form-errors"' in answer.content.decode()
    assert _person(firm, "s1") == {}
