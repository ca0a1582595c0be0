"""The credit-report API as an integrator sees it: a look answers the file or the
refusal in the error shape (and is recorded either way), the log is read-only and
paged, both within the data scope and in the OpenAPI contract (SECURITY T36)."""

from importlib import import_module

import pytest
from django.test import Client
from django.urls import include, path
from drf_spectacular.generators import SchemaGenerator

from lenddesk.accounts.services import token_issue
from lenddesk.customers import credit_api_urls
from lenddesk.customers.models import CreditQueryRecord
from lenddesk.tenancy.context import tenant_context
from tests.customers.conftest import add_customer
from tests.customers.test_credit import PDF, credit_report, grant, open_report
from tests.factories import make_user


def __getattr__(name: str):
    """``urlpatterns``: the project's URLs with the credit API mounted under
    /api/v1/ (the lead adds ``path("", include("lenddesk.customers.credit_api_urls"))``
    to ``api_v1``); built when a request first resolves, not at import."""
    if name != "urlpatterns":
        raise AttributeError(name)
    project_urls = import_module("lenddesk.urls")
    api = [*project_urls.api_v1, *credit_api_urls.urlpatterns]
    return [
        *(p for p in project_urls.urlpatterns if str(p.pattern) != "api/v1/"),
        path("api/v1/", include((api, "api"))),
    ]


pytestmark = pytest.mark.urls(__name__)


def _bearer(tenant, user) -> dict:
    with tenant_context(tenant):
        _token, raw = token_issue(user=user)
    return {"HTTP_AUTHORIZATION": "Bearer " + raw}


@pytest.fixture
def report(tenant_a, team):
    customer = add_customer(tenant_a, team["s1"], owner=team["s1"], name="李四")
    return customer, credit_report(tenant_a, team["s1"], customer)


def _open(tenant, user, document, body):
    return Client().post(
        "/api/v1/credit/reports/%d/open/" % document.pk,
        body,
        content_type="application/json",
        **_bearer(tenant, user),
    )


def test_open_answers_file_or_refusal_and_records_each(tenant_a, team, report):
    customer, document = report
    refused = _open(tenant_a, team["s1"], document, {"purpose": "pre_loan"})
    assert refused.status_code == 403
    assert refused.json()["error"] == "no_authorisation"
    assert refused.json()["detail"]
    grant(tenant_a, team["s1"], customer)
    no_purpose = _open(tenant_a, team["s1"], document, {})
    assert no_purpose.status_code == 400
    assert no_purpose.json()["error"] == "no_purpose"
    assert list(no_purpose.json()["fields"]) == ["purpose"]
    bad = _open(tenant_a, team["s1"], document, {"purpose": "sales"})
    assert bad.status_code == 400 and "purpose" in bad.json()["fields"]
    served = _open(tenant_a, team["s1"], document, {"purpose": "post_loan"})
    assert served.status_code == 200
    assert served.content == PDF
    assert served["Cache-Control"] == "no-store, private"
    assert served["Content-Disposition"].startswith("attachment;")
    with tenant_context(tenant_a):
        looks = list(
            CreditQueryRecord.objects.order_by("id").values_list("outcome", "refusal")
        )
    assert looks == [
        ("refused", "no_authorisation"),
        ("refused", "no_purpose"),
        ("allowed", ""),
    ]


def test_open_is_scoped(tenant_a, tenant_b, team, admin_b, report):
    customer, document = report
    grant(tenant_a, team["s1"], customer)
    colleague = _open(tenant_a, team["s2"], document, {"purpose": "pre_loan"})
    assert colleague.status_code == 404
    assert colleague.json()["error"] == "not_found"
    stranger = _open(tenant_b, admin_b, document, {"purpose": "pre_loan"})
    assert stranger.status_code == 404
    with tenant_context(tenant_a):
        assert not CreditQueryRecord.objects.exists()


def test_log_is_read_only_paged_and_gated(tenant_a, team, report):
    customer, document = report
    grant(tenant_a, team["s1"], customer)
    for _n in range(3):
        open_report(tenant_a, team["s1"], document)
    open_report(tenant_a, team["s1"], document, purpose="")
    manager = make_user(tenant_a, "gm1", role_keys=["general_manager"])
    headers = _bearer(tenant_a, manager)
    api = Client()
    listed = api.get("/api/v1/credit/queries/", **headers)
    assert listed.status_code == 200
    body = listed.json()
    assert len(body["results"]) == 4 and body["next_before"] is None
    assert body["results"][0]["outcome"] == "refused"
    assert body["results"][0]["refusal"] == "no_purpose"
    assert body["results"][1]["staff_name"] == team["s1"].display_name
    refused = api.get("/api/v1/credit/queries/?outcome=refused", **headers).json()
    assert len(refused["results"]) == 1
    bad = api.get("/api/v1/credit/queries/?date_to=yesterday", **headers)
    assert bad.status_code == 400 and "date_to" in bad.json()["fields"]
    page = api.get("/api/v1/credit/queries/?before=99999999999999999999", **headers)
    assert page.status_code == 400 and "before" in page.json()["fields"]
    assert api.post("/api/v1/credit/queries/", {}, **headers).status_code == 405
    salesperson = api.get("/api/v1/credit/queries/", **_bearer(tenant_a, team["s1"]))
    assert salesperson.status_code == 403


def test_openapi_documents_both_endpoints_with_the_error_shape():
    mounted = [path("api/v1/", include((credit_api_urls.urlpatterns, "api")))]
    schema = SchemaGenerator(patterns=mounted).get_schema(request=None, public=True)
    opened = schema["paths"]["/api/v1/credit/reports/{document_id}/open/"]["post"]
    listed = schema["paths"]["/api/v1/credit/queries/"]["get"]
    for operation in (opened, listed):
        for status in ("400", "403", "404"):
            content = operation["responses"][status]["content"]["application/json"]
            assert content["schema"]["$ref"].endswith("/Error")
    assert (
        "purpose" in schema["components"]["schemas"]["CreditOpenRequest"]["properties"]
    )
