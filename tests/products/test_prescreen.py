"""Pre-screening: scorecard grade with its explanation, stored; human review."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from lenddesk.accounts.models import Role
from lenddesk.notifications.models import Notification
from lenddesk.products import services
from lenddesk.products.models import PreScreen, ReviewRequest, ReviewState
from lenddesk.tenancy.context import tenant_context
from tests.conftest import force_session
from tests.factories import make_user
from tests.products.conftest import in_english, person


def test_grade_and_line_by_line_explanation_are_stored(client, tenant_a, admin_a):
    customer = person(
        tenant_a,
        admin_a,
        age=40,
        monthly_income="12000",
        has_house=True,
        provident_fund_months=24,
    )
    force_session(client, admin_a)
    response = client.post("/products/prescreen/%d/" % customer.pk)
    assert response.status_code == 302
    with tenant_context(tenant_a):
        prescreen = PreScreen.objects.get()
    # age 36–50: 20, income 10000–19999.99: 20, house: 20, fund ≥ 12: 10,
    # no overdue: 10 → 80 → A
    assert prescreen.points == 80
    assert prescreen.grade == "A"
    assert not prescreen.declined
    assert prescreen.scorecard.version == 1
    assert prescreen.inputs["values"]["monthly_income"] == "12000.00"
    assert prescreen.inputs["values"]["age"] == 40
    hit = [line for line in prescreen.lines if line["kind"] == "band" and line["hit"]]
    assert sum(line["points"] for line in hit) == 80
    page = in_english(client).get(response["Location"])
    html = page.content.decode()
    assert 'data-testid="grade">A<' in html
    assert "Monthly income 10000 yuan – 19999.99 yuan" in html


def test_hard_rules_decline_whatever_the_points(tenant_a, admin_a):
    from lenddesk.customers.services import customer_update

    customer = person(tenant_a, admin_a, age=70, monthly_income="50000", has_house=True)
    with tenant_context(tenant_a):
        customer_update(actor=admin_a, customer=customer, data={}, tag_names=["黑名单"])
        prescreen = services.prescreen_run(actor=admin_a, customer=customer)
    assert prescreen.declined and prescreen.grade == "D"
    hits = {
        line["code"]
        for line in prescreen.lines
        if line["kind"] == "hard" and line["hit"]
    }
    assert hits == {"over_age", "blacklisted"}


def test_no_valid_id_is_a_hard_rule(tenant_a, admin_a):
    customer = person(tenant_a, admin_a, age=None, monthly_income="50000")
    with tenant_context(tenant_a):
        prescreen = services.prescreen_run(actor=admin_a, customer=customer)
    assert prescreen.declined
    assert [
        line["code"]
        for line in prescreen.lines
        if line.get("hit") and line["kind"] == "hard"
    ] == ["invalid_id"]


def test_a_new_scorecard_version_keeps_old_results(tenant_a, admin_a):
    customer = person(tenant_a, admin_a, age=40, has_house=True)
    with tenant_context(tenant_a):
        first = services.prescreen_run(actor=admin_a, customer=customer)
        card = services.scorecard_save(
            actor=admin_a,
            bands=[{"field": "has_house", "value": True, "points": 60}],
            hard_rules=[{"code": "under_18"}],
            grades=[{"grade": "A", "min": 50}, {"grade": "D", "min": -1000}],
        )
        second = services.prescreen_run(actor=admin_a, customer=customer)
        first.refresh_from_db()
        assert card.version == 2
        assert second.scorecard == card
        assert (second.points, second.grade) == (60, "A")
        assert first.scorecard.version == 1
        assert first.points == 50  # age, house, no overdue


def test_scorecard_validation_names_the_band(tenant_a, admin_a):
    with (
        tenant_context(tenant_a),
        translation.override("en"),
        pytest.raises(ValidationError) as caught,
    ):
        services.scorecard_save(
            actor=admin_a,
            bands=[
                {"field": "age", "min": "20", "max": "30", "points": "5"},
                {"field": "salary", "min": "1", "points": "5"},
                {"field": "age", "min": "x", "points": "5"},
                {"field": "city", "min": "1", "points": "5"},
            ],
            hard_rules=[],
            grades=[],
        )
    assert caught.value.message_dict["scorecard"] == [
        "Band 2: unknown field “salary”.",
        "Band 3: “x” is not a number.",
        "Band 4: City cannot be scored in bands.",
    ]


def test_review_request_lands_with_the_configured_role(client, tenant_a, admin_a):
    manager = make_user(tenant_a, "gm1", role_keys=["general_manager"])
    seller = make_user(tenant_a, "seller", role_keys=["salesperson"])
    customer = person(tenant_a, seller, age=40)
    force_session(client, seller)
    client.post("/products/prescreen/%d/" % customer.pk)
    with tenant_context(tenant_a):
        prescreen = PreScreen.objects.get()
    response = client.post(
        "/products/prescreens/%d/review/" % prescreen.pk,
        {"reason": "客户对结果有异议"},
    )
    assert response.status_code == 302
    with tenant_context(tenant_a):
        review = ReviewRequest.objects.get()
        assert review.state == ReviewState.OPEN
        assert review.role.key == "general_manager"
        notified = set(
            Notification.objects.filter(kind="products.review").values_list(
                "recipient_id", flat=True
            )
        )
    assert manager.pk in notified and seller.pk not in notified
    again = client.post("/products/prescreens/%d/review/" % prescreen.pk)
    assert again.status_code == 302
    with tenant_context(tenant_a):
        assert ReviewRequest.objects.count() == 1

    force_session(client, manager)
    listing = client.get("/products/reviews/").content.decode()
    assert "客户对结果有异议" in listing
    bad = client.post("/products/reviews/%d/" % review.pk, {"final_grade": "B"})
    assert bad.status_code == 400
    done = client.post(
        "/products/reviews/%d/" % review.pk,
        {"final_grade": "B", "resolution": "核实收入后上调"},
    )
    assert done.status_code == 302
    with tenant_context(tenant_a):
        review.refresh_from_db()
    assert review.state == ReviewState.CHANGED and review.final_grade == "B"
    assert review.reviewed_by == manager


def test_without_a_review_role_the_request_is_refused_clearly(tenant_a, admin_a):
    customer = person(tenant_a, admin_a, age=40)
    with tenant_context(tenant_a), translation.override("en"):
        services.product_settings_update(
            actor=admin_a,
            apr_ceiling=services.product_settings().apr_ceiling,
            review_role=None,
        )
        prescreen = services.prescreen_run(actor=admin_a, customer=customer)
        with pytest.raises(ValidationError) as caught:
            services.review_request(actor=admin_a, prescreen=prescreen)
    assert "No role handles human reviews" in caught.value.messages[0]


def test_reviewers_see_only_requests_routed_to_their_role(client, tenant_a, admin_a):
    customer = person(tenant_a, admin_a, age=40)
    with tenant_context(tenant_a):
        Role.objects.create(
            key="risk",
            name="风控",
            codes=["products.view", "products.review"],
            data_scope="all",
        )
        finance = Role.objects.get(key="finance")
        services.product_settings_update(
            actor=admin_a,
            apr_ceiling=services.product_settings().apr_ceiling,
            review_role=finance,
        )
        prescreen = services.prescreen_run(actor=admin_a, customer=customer)
        review = services.review_request(actor=admin_a, prescreen=prescreen)
    checker = make_user(tenant_a, "risk1", role_keys=["risk"])
    force_session(client, checker)
    assert client.get("/products/reviews/%d/" % review.pk).status_code == 404
    with tenant_context(tenant_a):
        ReviewRequest.objects.filter(pk=review.pk).update(
            role=Role.objects.get(key="risk")
        )
    assert client.get("/products/reviews/%d/" % review.pk).status_code == 200
    assert client.get("/products/prescreens/%d/" % prescreen.pk).status_code == 200


def test_out_of_scope_prescreen_is_404(client, tenant_a, admin_a, team):
    customer = person(tenant_a, team["s3"], age=40)
    with tenant_context(tenant_a):
        prescreen = services.prescreen_run(actor=team["s3"], customer=customer)
    force_session(client, team["s1"])
    assert client.get("/products/prescreens/%d/" % prescreen.pk).status_code == 404
    assert client.post("/products/prescreen/%d/" % customer.pk).status_code == 404
