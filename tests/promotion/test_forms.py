"""Application forms: a submission becomes a lead in the right pool, with consent and
attribution; captcha and rate limits keep robots out."""

import pytest
from django.test import Client

from lenddesk.acquisition.models import Attribution, ConsentRecord
from lenddesk.audit.models import AuditEvent
from lenddesk.customers.models import Customer, PoolRules
from lenddesk.promotion import links
from lenddesk.promotion.models import Submission
from lenddesk.tenancy.context import tenant_context
from tests.conftest import force_session
from tests.customers.conftest import add_customer, team  # noqa: F401
from tests.promotion.conftest import form_post

pytestmark = pytest.mark.usefixtures("known_captcha")


def _url(tenant, form, user=None):
    return links.form_path(tenant=tenant, form=form, user_id=user.pk if user else None)


def test_submission_with_sharer_lands_in_sharers_private_pool(
    client, tenant_a, app_form, salesperson_a
):
    response = form_post(client, _url(tenant_a, app_form, salesperson_a))
    assert response.status_code == 302
    assert response["Location"].endswith("/thanks/")
    thanks = client.get(response["Location"])
    assert thanks.status_code == 200
    assert 'data-testid="public-message"' in thanks.content.decode()
    with tenant_context(tenant_a):
        customer = Customer.objects.get(name="王五")
        assert customer.owner_id == salesperson_a.pk
        assert customer.pool_id is None
        assert customer.city == "上海"
        assert str(customer.demand_amount) == "300000.00"
        consent = ConsentRecord.objects.get(customer=customer)
        assert consent.notice_version == "2026-01"
        assert consent.source == "form"
        assert consent.ip_address == "127.0.0.1"
        attribution = Attribution.objects.get(customer=customer)
        assert attribution.sharer_id == salesperson_a.pk
        assert attribution.customer.sharer_id == salesperson_a.pk
        assert attribution.source_kind == "form"
        assert attribution.source_ref == "form:%d" % app_form.pk
        submission = Submission.objects.get(customer=customer)
        assert submission.outcome == "created"
        assert submission.chain[0]["id"] == salesperson_a.pk
        assert AuditEvent.objects.filter(
            action="promotion.lead", object_id=str(customer.pk)
        ).exists()


def test_submission_without_sharer_follows_the_forms_assignment(
    client, tenant_a, app_form
):
    assert form_post(client, _url(tenant_a, app_form)).status_code == 302
    with tenant_context(tenant_a):
        customer = Customer.objects.get(name="王五")
        assert customer.owner_id is None and customer.pool_id is not None
        assert Attribution.objects.get(customer=customer).channel.kind == "form"


def test_sharer_at_cap_sends_the_lead_to_the_public_pool_with_a_note(
    client, tenant_a, admin_a, app_form, salesperson_a
):
    with tenant_context(tenant_a):
        PoolRules.objects.update_or_create(defaults={"private_cap": 1})
    add_customer(tenant_a, admin_a, name="老客户", owner=salesperson_a)
    assert form_post(client, _url(tenant_a, app_form, salesperson_a)).status_code == 302
    with tenant_context(tenant_a):
        customer = Customer.objects.get(name="王五")
        assert customer.owner_id is None and customer.pool_id is not None
        submission = Submission.objects.get(customer=customer)
        assert "私海已满" in submission.note
        assert customer.timeline.filter(kind="promotion").exists()
        assert Attribution.objects.get(customer=customer).sharer_id == salesperson_a.pk


def test_missing_consent_and_bad_phone_are_field_errors(client, tenant_a, app_form):
    url = _url(tenant_a, app_form)
    response = form_post(client, url, consent="", phone="12345")
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "consent" in errors
    response = form_post(client, url, phone="12345")
    assert response.status_code == 400
    assert "phone" in response.context["form"].errors
    with tenant_context(tenant_a):
        assert not Customer.objects.filter(name="王五").exists()


def test_required_builder_field_is_enforced(client, tenant_a, app_form):
    response = form_post(client, _url(tenant_a, app_form), city="")
    assert response.status_code == 400
    assert "city" in response.context["form"].errors


def test_captcha_wrong_expired_and_reused_are_refused(
    client, tenant_a, app_form, monkeypatch
):
    url = _url(tenant_a, app_form)
    wrong = form_post(client, url, captcha="ZZZZ")
    assert wrong.status_code == 400
    assert "captcha" in wrong.context["form"].errors

    page = client.get(url)
    data = {
        "name": "王五",
        "phone": "13812345678",
        "city": "上海",
        "consent": "on",
        "consent_version": "2026-01",
        "captcha_id": page.context["captcha_id"],
        "captcha": "ACDE",
    }
    import time

    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 301)
    expired = client.post(url, data)
    monkeypatch.setattr(time, "time", real)
    assert expired.status_code == 400
    assert "captcha" in expired.context["form"].errors

    page = client.get(url)
    data["captcha_id"] = page.context["captcha_id"]
    assert client.post(url, data).status_code == 302
    data["phone"] = "13812345679"
    reused = client.post(url, data)
    assert reused.status_code == 400
    assert "captcha" in reused.context["form"].errors
    with tenant_context(tenant_a):
        assert Customer.objects.filter(name="王五").count() == 1


def test_captcha_image_is_a_real_png(client, tenant_a, app_form):
    page = client.get(_url(tenant_a, app_form))
    assert page.context["captcha_image"].startswith("data:image/png;base64,")
    html = page.content.decode()
    assert 'data-testid="captcha"' in html
    assert page.context["captcha_id"] in html


def test_rate_limit_per_ip(client, tenant_a, app_form, settings):
    settings.PROMOTION_FORM_IP_LIMIT = 3
    url = _url(tenant_a, app_form)
    statuses = [
        form_post(client, url, phone="1381234567%d" % i).status_code for i in range(4)
    ]
    assert statuses == [302, 302, 302, 429]
    refused = form_post(client, url, phone="13812345675")
    assert refused.status_code == 429 and refused["Retry-After"]
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert form_post(other, url, phone="13812345670").status_code == 302


def test_rate_limit_per_form(client, tenant_a, admin_a, app_form):
    with tenant_context(tenant_a):
        from lenddesk.promotion.services import form_save

        form_save(
            actor=admin_a,
            form=app_form,
            values={
                "title": app_form.title,
                "fields": app_form.fields,
                "hourly_limit": 2,
                "active": True,
            },
        )
    url = _url(tenant_a, app_form)
    statuses = [
        form_post(
            Client(REMOTE_ADDR="10.0.1.%d" % i), url, phone="1391234567%d" % i
        ).status_code
        for i in range(3)
    ]
    assert statuses == [302, 302, 429]


def test_duplicate_phone_follows_the_firms_policy(
    client, tenant_a, admin_a, app_form, salesperson_a
):
    existing = add_customer(
        tenant_a, admin_a, name="老王", owner=admin_a, phone="13812345678"
    )
    assert form_post(client, _url(tenant_a, app_form, salesperson_a)).status_code == 302
    with tenant_context(tenant_a):
        assert Customer.objects.filter(phone_index=existing.phone_index).count() == 1
        existing.refresh_from_db()
        assert existing.owner_id == admin_a.pk
        assert Submission.objects.get().outcome == "duplicate"
        PoolRules.objects.update(duplicate_policy="reject")
    response = form_post(client, _url(tenant_a, app_form), name="再来")
    assert response.status_code == 302  # the applicant is not told whose customer
    with tenant_context(tenant_a):
        assert Customer.objects.filter(phone_index=existing.phone_index).count() == 1


def test_without_a_privacy_notice_the_form_is_closed(client, tenant_b, admin_b):
    from lenddesk.promotion.services import form_save

    with tenant_context(tenant_b):
        form = form_save(actor=admin_b, values={"title": "表单", "fields": []})
    url = links.form_path(tenant=tenant_b, form=form)
    page = client.get(url)
    assert page.status_code == 200
    assert 'data-testid="form-closed"' in page.content.decode()
    assert client.post(url, {"name": "x"}).status_code == 403


def test_notice_text_is_viewable(client, tenant_a, notice_a, app_form):
    page = client.get("/promotion/f/%s/privacy/" % tenant_a.slug)
    assert page.status_code == 200
    assert "我们如何处理您的个人信息" in page.content.decode()


def test_other_firms_form_and_forged_sharer_are_refused(
    client, tenant_a, tenant_b, app_form, salesperson_a
):
    wrong_slug = "/promotion/f/%s/%s/" % (tenant_b.slug, app_form.key)
    assert client.get(wrong_slug).status_code == 404
    assert client.get("/promotion/f/no-such-firm/%s/" % app_form.key).status_code == 404
    foreign_token = links.sharer_token(tenant_id=tenant_b.pk, user_id=salesperson_a.pk)
    url = links.form_path(tenant=tenant_a, form=app_form) + "?s=" + foreign_token
    assert form_post(client, url).status_code == 302
    forged = links.form_path(tenant=tenant_a, form=app_form) + "?s=1u%d:abc" % (
        salesperson_a.pk
    )
    assert (
        form_post(client, forged, phone="13812345670", name="赵六").status_code == 302
    )
    with tenant_context(tenant_a):
        assert not Customer.objects.filter(owner=salesperson_a).exists()


def test_form_builder_saves_fields_in_order(client, tenant_a, admin_a, notice_a):
    force_session(client, admin_a)
    response = client.post(
        "/promotion/forms/new/",
        {
            "title": "车贷申请",
            "assignment": "pool",
            "hourly_limit": "100",
            "active": "on",
            "ask_monthly_income": "on",
            "order_monthly_income": "2",
            "ask_city": "on",
            "req_city": "on",
            "order_city": "1",
            "ask_has_car": "on",
            "order_has_car": "3",
        },
    )
    assert response.status_code == 302
    with tenant_context(tenant_a):
        from lenddesk.promotion.models import ApplicationForm

        form = ApplicationForm.objects.get(title="车贷申请")
    assert form.fields == [
        {"name": "city", "required": True},
        {"name": "monthly_income", "required": False},
        {"name": "has_car", "required": False},
    ]
    page = client.get(response["Location"])
    assert page.status_code == 200
    public = Client().get(links.form_path(tenant=tenant_a, form=form))
    html = public.content.decode()
    assert html.index('name="city"') < html.index('name="monthly_income"')
    assert html.index('name="monthly_income"') < html.index('name="has_car"')


def test_form_builder_needs_the_permission(client, tenant_a, salesperson_a):
    force_session(client, salesperson_a)
    assert client.get("/promotion/forms/").status_code == 403
    assert client.post("/promotion/forms/new/", {"title": "x"}).status_code == 403


def test_required_custom_field_is_always_asked(client, tenant_a, admin_a, app_form):
    from lenddesk.customers.models import CustomField

    with tenant_context(tenant_a):
        CustomField.objects.create(key="job", label="职业", required=True)
    url = _url(tenant_a, app_form)
    missing = form_post(client, url)
    assert missing.status_code == 400
    assert "custom_job" in missing.context["form"].errors
    assert form_post(client, url, custom_job="教师").status_code == 302
    with tenant_context(tenant_a):
        assert Customer.objects.get(name="王五").custom_fields == {"job": "教师"}


def test_narrow_viewport_markup(client, tenant_a, app_form):
    html = client.get(_url(tenant_a, app_form)).content.decode()
    assert 'name="viewport" content="width=device-width' in html
    assert "promotion/promotion.css" in html
    assert 'class="btn btn-primary w-100 btn-lg"' in html


def _reassign(tenant, admin, form, **values):
    from lenddesk.promotion.services import form_save

    with tenant_context(tenant):
        return form_save(
            actor=admin,
            form=form,
            values={"title": form.title, "fields": form.fields, **values},
        )


def test_form_assignment_to_a_fixed_colleague(
    client, tenant_a, admin_a, app_form, salesperson_a
):
    _reassign(tenant_a, admin_a, app_form, assignment="user", assign_to=salesperson_a)
    assert form_post(client, _url(tenant_a, app_form)).status_code == 302
    with tenant_context(tenant_a):
        assert Customer.objects.get(name="王五").owner_id == salesperson_a.pk


def test_form_assignment_by_allocation_rules(client, tenant_a, admin_a, app_form, team):  # noqa: F811
    from lenddesk.customers.models import AllocationRule

    with tenant_context(tenant_a):
        AllocationRule.objects.create(name="二部", department=team["s3"].department)
    _reassign(tenant_a, admin_a, app_form, assignment="rules")
    assert form_post(client, _url(tenant_a, app_form)).status_code == 302
    with tenant_context(tenant_a):
        assert Customer.objects.get(name="王五").owner_id == team["s3"].pk


def test_assignment_to_nobody_is_refused(tenant_a, admin_a, app_form):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        _reassign(tenant_a, admin_a, app_form, assignment="user")
    assert "assign_to" in error.value.message_dict


def test_staff_of_a_firm_without_the_module_can_open_another_firms_form(
    client, tenant_a, app_form
):
    """Public pages answer for the firm in their address, not the visitor's own firm."""
    from tests.factories import make_tenant, make_user

    small = make_tenant(slug="smallfirm", modules=["finance"])
    force_session(client, make_user(small, "clerk"))
    page = client.get("/promotion/f/%s/%s/" % (tenant_a.slug, app_form.key))
    assert page.status_code == 200
    assert app_form.title in page.content.decode()
    assert client.get("/promotion/links/").status_code == 403
