"""Reverse matching: which of my customers fit a product, and acting on them."""

from lenddesk.customers.models import Customer, FollowUp
from lenddesk.products import reverse_match as services
from lenddesk.products.models import JobStatus, ReverseMatchJob
from lenddesk.tenancy.context import tenant_context
from tests.conftest import force_session
from tests.products.conftest import make_product, person

RULES = [
    {"field": "age", "op": "lte", "value": "60"},
    {"field": "city", "op": "in", "value": "成都"},
    {"field": "has_house", "op": "is_true"},
    {"field": "overdue_count", "op": "lte", "value": "1"},
]


def _people(tenant, team):
    s1, s3 = team["s1"], team["s3"]
    return {
        "fits": person(tenant, s1, name="甲", age=40, city="成都市", has_house=True),
        "fits2": person(
            tenant,
            s1,
            name="乙",
            age=59,
            city="成都",
            has_house=True,
            credit_notes="一次逾期，已结清",
        ),
        "too_old": person(tenant, s1, name="丙", age=62, city="成都", has_house=True),
        "no_house": person(tenant, s1, name="丁", age=40, city="成都"),
        "overdue": person(
            tenant,
            s1,
            name="戊",
            age=40,
            city="成都",
            has_house=True,
            credit_notes="征信有3次逾期",
        ),
        "colleague": person(tenant, s3, name="己", age=40, city="成都", has_house=True),
    }


def test_a_salesperson_sees_only_their_fitting_customers(
    client, tenant_a, admin_a, team
):
    product = make_product(tenant_a, admin_a, rules=RULES)
    people = _people(tenant_a, team)
    force_session(client, team["s1"])
    response = client.post("/products/%d/reverse/" % product.pk)
    assert response.status_code == 302
    with tenant_context(tenant_a):
        job = ReverseMatchJob.objects.get()
    assert job.status == JobStatus.COMPLETED
    # The SQL pre-filter already drops the old, the houseless and the colleague's;
    # the overdue count is only in the notes, so Python drops that one.
    assert job.candidates == 3
    assert set(job.customer_ids) == {people["fits"].pk, people["fits2"].pk}
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "甲" in html and "乙" in html
    assert "丙" not in html and "己" not in html and "戊" not in html


def test_bulk_follow_ups_turn_the_result_into_tasks(client, tenant_a, admin_a, team):
    product = make_product(tenant_a, admin_a, rules=RULES)
    people = _people(tenant_a, team)
    force_session(client, team["s1"])
    client.post("/products/%d/reverse/" % product.pk)
    with tenant_context(tenant_a):
        job = ReverseMatchJob.objects.get()
    response = client.post(
        "/products/reverse/%d/bulk/" % job.pk,
        {
            "action": "followup",
            "customer": [people["fits"].pk, people["fits2"].pk, people["colleague"].pk],
        },
    )
    assert response.status_code == 302
    with tenant_context(tenant_a):
        followups = FollowUp.objects.filter(next_at__isnull=False)
        assert {f.customer_id for f in followups} == {
            people["fits"].pk,
            people["fits2"].pk,
        }
        assert all("房抵贷" in f.content for f in followups)
        assert Customer.objects.get(pk=people["fits"].pk).next_followup_at is not None


def test_assigning_from_the_result_needs_the_assign_permission(
    client, tenant_a, admin_a, team
):
    product = make_product(tenant_a, admin_a, rules=RULES)
    people = _people(tenant_a, team)
    force_session(client, team["s1"])
    client.post("/products/%d/reverse/" % product.pk)
    with tenant_context(tenant_a):
        job = ReverseMatchJob.objects.get()
    refused = client.post(
        "/products/reverse/%d/bulk/" % job.pk,
        {"action": "assign", "customer": [people["fits"].pk], "owner": team["s2"].pk},
    )
    assert refused.status_code == 403

    force_session(client, team["lead1"])
    client.post("/products/%d/reverse/" % product.pk)
    with tenant_context(tenant_a):
        lead_job = ReverseMatchJob.objects.filter(created_by=team["lead1"]).get()
    assert people["fits"].pk in lead_job.customer_ids
    done = client.post(
        "/products/reverse/%d/bulk/" % lead_job.pk,
        {"action": "assign", "customer": [people["fits"].pk], "owner": team["s2"].pk},
    )
    assert done.status_code == 302
    with tenant_context(tenant_a):
        assert Customer.objects.get(pk=people["fits"].pk).owner_id == team["s2"].pk


def test_someone_elses_job_is_404(client, tenant_a, admin_a, team):
    product = make_product(tenant_a, admin_a, rules=RULES)
    force_session(client, team["s1"])
    client.post("/products/%d/reverse/" % product.pk)
    with tenant_context(tenant_a):
        job = ReverseMatchJob.objects.get()
    force_session(client, team["s3"])
    assert client.get("/products/reverse/%d/" % job.pk).status_code == 404


def test_large_sets_run_in_the_background_with_progress(
    client, tenant_a, admin_a, team, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services, "INLINE_REVERSE_LIMIT", 1)
    monkeypatch.setattr(services, "REVERSE_BATCH", 2)
    product = make_product(tenant_a, admin_a, rules=RULES)
    people = _people(tenant_a, team)
    force_session(client, team["s1"])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post("/products/%d/reverse/" % product.pk)
    with tenant_context(tenant_a):
        job = ReverseMatchJob.objects.get()
    assert job.status == JobStatus.QUEUED
    progress = client.get(response["Location"], HTTP_HX_REQUEST="true")
    assert 'data-testid="reverse-progress"' in progress.content.decode()
    for callback in callbacks:
        callback()  # the task runs eagerly, batch by batch
    with tenant_context(tenant_a):
        job.refresh_from_db()
    assert job.status == JobStatus.COMPLETED
    assert job.processed == job.candidates == 3
    assert set(job.customer_ids) == {people["fits"].pk, people["fits2"].pk}
    done = client.get(response["Location"], HTTP_HX_REQUEST="true")
    assert done["HX-Refresh"] == "true"


def test_another_firms_product_is_404(client, tenant_a, tenant_b, admin_b, admin_a):
    foreign = make_product(tenant_b, admin_b, rules=RULES)
    force_session(client, admin_a)
    assert client.post("/products/%d/reverse/" % foreign.pk).status_code == 404
    assert client.get("/products/%d/" % foreign.pk).status_code == 404


def test_reverse_match_api(client, tenant_a, admin_a, team):
    from lenddesk.accounts.services import token_issue

    product = make_product(tenant_a, admin_a, rules=RULES)
    people = _people(tenant_a, team)
    with tenant_context(tenant_a):
        _token, raw = token_issue(user=team["s1"])
    headers = {"HTTP_AUTHORIZATION": "Bearer " + raw}
    started = client.post(
        "/api/v1/products/%d/reverse-match/" % product.pk,
        content_type="application/json",
        **headers,
    )
    assert started.status_code == 202
    body = started.json()
    assert body["status"] == "completed" and body["matched"] == 2
    again = client.get("/api/v1/reverse-matches/%d/" % body["id"], **headers).json()
    assert sorted(again["customers"]) == sorted([people["fits"].pk, people["fits2"].pk])
