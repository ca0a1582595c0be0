"""Every read that takes an actor is walked with a salesperson who sees only their own
records, in a firm where a colleague owns a customer (with a follow-up, a visit and a
document-free history), a partner and a notification: no list hands back the
colleague's rows, and no "get by id" hands out the colleague's row.

A new selector is walked automatically when its parameters are known below; one that
needs something else must be added to ``NOT_WALKED`` with the test that covers it."""

import datetime as dt
import importlib
import inspect
import pkgutil

import pytest
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404
from django.utils import timezone

import lenddesk
from lenddesk.accounts.scope import ScopedManager
from lenddesk.customers.selectors import CustomerFilters
from lenddesk.notifications.services import notify
from lenddesk.partners.selectors import PartnerFilters
from lenddesk.tenancy.context import tenant_context
from tests.accounts.test_access_matrix import _orders_for
from tests.customers.conftest import add_customer
from tests.factories import make_user
from tests.partners.conftest import make_partner
from tests.products.conftest import make_product

# Selectors whose inputs this walk does not build, and the test that proves each
# refuses rows outside the actor's scope.
# Modules whose reads hand out sums, never rows (so there is no row to catch here); each
# reads through the data scope, and the test named proves a salesperson gets only
# their own numbers.
AGGREGATES = {
    "lenddesk.analytics.selectors.": "tests/analytics/test_dash_pages.py::test_salesperson_sees_only_their_own_numbers",
    "lenddesk.performance.selectors.": "tests/performance/test_completion.py::test_each_role_sees_only_its_scope",
}
NOT_WALKED = {
    "staff_statement_get": "tests/commissions/test_pages.py::test_a_salesperson_sees_only_their_own_statement",
    "partner_statement_get": "tests/commissions/test_api.py::test_partner_statements_follow_the_partners_account_manager",
    "call_get": "tests/telephony/test_records_and_stats.py::test_records_and_the_api_stay_in_scope",
    "contract_get": "tests/contracts/test_api.py::test_a_colleague_and_another_firm_see_nothing",
    "contract_versions": "reached only through contract_get: tests/contracts/test_pages.py::test_the_list_counts_per_status_and_keeps_to_the_scope",
    "version_get": "tests/contracts/test_api.py::test_a_colleague_and_another_firm_see_nothing",
    "_board_orders": "the board's query, read by board_columns and board_column (walked)",
    "_column_page": "one column of board_column (walked)",
    "credit_document_get": "tests/customers/test_credit_pages.py::test_colleague_cannot_view_another_salespersons_report",
    "authorisation_get": "tests/customers/test_credit_pages.py::test_colleague_cannot_revoke_or_record",
    "token_get": "tests/accounts/test_tokens.py::test_someone_elses_token_is_404_for_a_colleague",
    "event_list": "audit log is firm-wide behind audit.view: tests/audit/test_views.py",
    "event_get": "tests/audit/test_views.py::test_detail_page_and_other_firms_seq",
    "match_run_get": "tests/products/test_matching.py::test_salesperson_matches_only_customers_in_scope",
    "job_get": "tests/products/test_reverse.py::test_someone_elses_job_is_404",
    "jobs_of": "tests/products/test_reverse.py::test_someone_elses_job_is_404",
    "job_customers": "tests/products/test_reverse.py",
    "prescreen_get": "tests/products/test_prescreen.py::test_out_of_scope_prescreen_is_404",
    "review_get": "review queue is the catalogue's, behind product.review",
    "export_get": "tests/customers/test_exports.py",
    "export_pending_get": "tests/customers/test_exports.py::test_large_export_waits_for_someone_elses_approval",
    "document_get": "tests/customers/test_documents.py",
    "invitation_get": "tests/partners/test_tree.py::test_staff_see_only_partners_in_their_data_scope",
    "pool_open_to": "pools are shared by design: tests/customers/test_pool*.py",
    "_pool_customers": "pools are shared by design: tests/customers/test_pool*.py",
    "move_candidates": "tests/partners/test_tree.py",
}

REFUSED = (Http404, ObjectDoesNotExist, PermissionDenied)


def _selector_functions():
    """Every public-or-private function of a ``selectors`` module (or package) that
    takes an ``actor``."""
    found = {}
    for info in pkgutil.walk_packages(lenddesk.__path__, "lenddesk."):
        parts = info.name.split(".")
        if "migrations" in parts or not any(p.endswith("selectors") for p in parts):
            continue
        module = importlib.import_module(info.name)
        for name, func in inspect.getmembers(module, inspect.isfunction):
            if func.__module__ != module.__name__:
                continue
            if "actor" in inspect.signature(func).parameters:
                found["%s.%s" % (module.__name__, name)] = func
    return found


@pytest.fixture
def world(tenant_a, admin_a):
    me = make_user(tenant_a, "walker_me")
    other = make_user(tenant_a, "walker_other")
    customer = add_customer(tenant_a, other, name="李四", owner=other)
    partner = make_partner(tenant_a, actor=admin_a, manager=other, name="伙伴乙")
    with tenant_context(tenant_a):
        from lenddesk.customers.services import followup_create, visit_book

        followup_create(actor=other, customer=customer, kind="call", content="已联系")
        visit = visit_book(
            actor=other,
            customer=customer,
            scheduled_at=timezone.now() + dt.timedelta(days=1),
            place="公司",
        )
        notify(recipients=[other], kind="system", title="给乙的消息")
        notification = other_notification(other)
    product = make_product(tenant_a, admin_a, type="credit", amount_min=1000)
    loans = _orders_for(tenant_a, admin_a, customer, product)
    order = loans["order"]
    today = timezone.localdate()
    return {
        "tenant": tenant_a,
        "me": me,
        "other": other,
        "ids": {
            "customer_id": customer.pk,
            "customer": customer,
            "visit_id": visit.pk,
            "partner_id": partner.pk,
            "partner": partner,
            "user_id": other.pk,
            "pk": notification.pk,
            "order_id": order.pk,
            "order": order,
            "workflow": order.version.workflow,
            "workflow_id": order.version.workflow_id,
            "key": order.node.key,
            "submission_id": loans["submission"].pk,
            "instalment_id": loans["instalment"].pk,
            "task_id": loans["warrant_task"].pk,
            "item_id": loans["original"].pk,
            "item": loans["original"],
            "handler_id": other.pk,
            "monday": today - dt.timedelta(days=today.weekday()),
            "since": today - dt.timedelta(days=365),
            "until": today + dt.timedelta(days=1),
            "start": today - dt.timedelta(days=365),
            "end": today + dt.timedelta(days=3650),
            "today": today + dt.timedelta(days=3650),
        },
    }


def other_notification(user):
    from lenddesk.notifications.models import Notification

    return Notification.objects.filter(recipient=user).latest("pk")


def _arguments(func, world) -> dict | None:
    """Keyword arguments for ``func``, or None when a required one is unknown."""
    values = {
        "actor": world["me"],
        "filters": None,
        **world["ids"],
    }
    kwargs = {}
    for name, parameter in inspect.signature(func).parameters.items():
        if parameter.default is not inspect.Parameter.empty:
            continue  # the selector's own default (a sort order, a page size …)
        if name in ("filters", "f"):
            kwargs[name] = _filters_for(func)
            if kwargs[name] is None:
                return None
        elif name in values:
            kwargs[name] = values[name]
        else:
            return None
    return kwargs


def _filters_for(func):
    from lenddesk.orders.selectors import OrderFilters
    from lenddesk.warrants.selectors import CustodyFilters, TaskFilters

    if "customers" in func.__module__:
        return CustomerFilters()
    if "partners" in func.__module__:
        return PartnerFilters()
    if "orders" in func.__module__:
        return OrderFilters()
    if "warrants" in func.__module__:
        return CustodyFilters() if "custody" in func.__name__ else TaskFilters()
    if "contracts" in func.__module__:
        from lenddesk.contracts.selectors import ContractFilters

        return ContractFilters()
    return None


def _rows(result):
    if isinstance(result, Model):
        return [result]
    if isinstance(result, QuerySet):
        return [row for row in result if isinstance(row, Model)]
    if isinstance(result, dict):
        result = list(result.values())
    for attribute in ("object_list", "rows", "items", "results"):
        inner = getattr(result, attribute, None)
        if isinstance(inner, list | tuple | QuerySet):
            result = inner
            break
    if isinstance(result, list | tuple):
        rows = []
        for item in result:
            rows.extend(_rows(item) if not isinstance(item, str | int) else [])
        return rows
    return []


def _owner_id(row: Model):
    path = type(row).SCOPE_OWNER
    value = row
    for name in path.split("__") if path else []:
        value = getattr(value, name)
        if value is None:
            return None
    return value.pk


@pytest.mark.django_db
def test_no_selector_hands_a_colleagues_rows_to_someone_who_sees_only_their_own(
    world,
):
    unknown, walked = [], []
    for qualified, func in sorted(_selector_functions().items()):
        short = qualified.rsplit(".", 1)[1]
        kwargs = _arguments(func, world)
        if kwargs is None:
            if short not in NOT_WALKED and not qualified.startswith(tuple(AGGREGATES)):
                unknown.append(qualified)
            continue
        with tenant_context(world["tenant"]):
            try:
                result = func(**kwargs)
            except REFUSED:
                walked.append(qualified)
                continue
            leaked = [
                row
                for row in _rows(result)
                if isinstance(type(row)._default_manager, ScopedManager)
                and _owner_id(row) == world["other"].pk
            ]
        assert not leaked, "%s handed out %r" % (qualified, leaked)
        walked.append(qualified)
    assert not unknown, (
        "Selectors the walk cannot call; give them known parameters or list them in "
        "NOT_WALKED with the test that covers them: %s" % ", ".join(unknown)
    )
    assert len(walked) >= 30, walked
