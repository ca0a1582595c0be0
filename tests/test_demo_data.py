"""The demo firm shows the product: every acquisition menu page has realistic data,
and the seeding is the system's work, not the administrator's."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from lenddesk.accounts.models import User
from lenddesk.acquisition.models import Attribution, ChannelKind, DeliveryStatus
from lenddesk.audit.models import AuditEvent
from lenddesk.audit.services import verify_chain
from lenddesk.customers.models import Customer
from lenddesk.partners.models import Partner, PartnerReferral
from lenddesk.promotion.models import MaterialView, Submission
from lenddesk.tenancy.context import tenant_context
from lenddesk.tenancy.models import Tenant
from tests.conftest import force_session


@pytest.fixture(scope="module")
def _demo_firm(django_db_setup, django_db_blocker):
    """The demo is built once for this module, in a transaction rolled back after it
    (each test's own transaction nests inside)."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("demo", stdout=io.StringIO())
        yield Tenant.objects.get(slug="demo")
        transaction.set_rollback(True)


@pytest.fixture
def demo_admin(_demo_firm, db, client):
    with tenant_context(_demo_firm):
        admin = User.objects.get(username="admin")
    force_session(client, admin)
    return admin


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_the_channel_report_has_leads_and_spend_per_channel(demo_admin, client):
    # the demo's three months of history (analytics/demo.py), not only this month
    today = timezone.localdate()
    since = today - dt.timedelta(days=90)
    query = "?date_from=%s&date_to=%s" % (since, today)
    response = client.get("/acquisition/report/" + query)
    assert response.status_code == 200
    total = response.context["total"]
    assert total.leads > 0 and total.spend > 0
    rows = {row.label: row for row, _counts in response.context["rows"]}
    assert rows["抖音"].spend > 0 and rows["抖音"].cost_per_lead is not None
    assert rows["线下地推"].spend > 0  # paid by the month
    page = response.content.decode()
    for channel in ("抖音", "百度", "渠道合伙人", "微信公众号"):
        assert channel in page


def test_customers_are_attributed_to_channels_forms_and_partners_that_exist(
    demo_admin,
):
    with tenant_context(demo_admin.tenant):
        customers = Customer.objects.count()
        attributions = Attribution.objects.select_related("channel")
        assert attributions.count() >= customers - 10  # duplicates are not credited
        assert all(a.channel.name == a.customer.channel for a in attributions)
        kinds = set(attributions.values_list("source_kind", flat=True))
        assert {ChannelKind.TRAFFIC, ChannelKind.FORM, ChannelKind.PARTNER} <= kinds
        assert attributions.filter(partner__isnull=False).exists()
        assert attributions.filter(sharer__isnull=False).exists()
        assert attributions.filter(ad_account__isnull=False).exists()


def test_partners_in_three_levels_with_referrals(demo_admin, client):
    page = _page(client, "/partners/")
    assert "成都恒信房产中介" in page and "孙志强" in page
    assert 'data-testid="pending-count"' in page
    with tenant_context(demo_admin.tenant):
        assert set(Partner.objects.values_list("level", flat=True)) == {1, 2, 3}
        referrals = PartnerReferral.objects.all()
        assert referrals.filter(credited=True).count() > 10
        assert referrals.filter(credited=False).exists()


def test_forms_have_submissions_and_materials_have_visits(demo_admin, client):
    forms = _page(client, "/promotion/forms/")
    assert "房产抵押贷款申请" in forms and "企业经营贷快速申请" in forms
    stats = _page(client, "/promotion/stats/")
    assert "房子还在还贷，也能再贷一笔？" in stats
    with tenant_context(demo_admin.tenant):
        assert MaterialView.objects.count() > 20
        assert MaterialView.objects.filter(node__depth__gt=1).exists()
        submissions = Submission.objects.all()
        assert submissions.filter(material__isnull=True).count() >= 16
        assert submissions.filter(material__isnull=False).exists()


def test_integrations_have_created_duplicate_and_held_deliveries(demo_admin, client):
    page = _page(client, "/acquisition/integrations/")
    assert "抖音线索直推" in page and "百度营销表单" in page
    with tenant_context(demo_admin.tenant):
        from lenddesk.acquisition.models import Integration

        integration = Integration.objects.get(name="抖音线索直推")
    detail = client.get("/acquisition/integrations/%d/" % integration.pk)
    counts = detail.context["counts"]
    assert counts[DeliveryStatus.CREATED] > 0
    assert counts[DeliveryStatus.DUPLICATE] > 0
    assert counts[DeliveryStatus.QUARANTINED] > 0


def test_the_administrators_audit_trail_has_no_seed_edits(demo_admin):
    with tenant_context(demo_admin.tenant):
        assert not AuditEvent.objects.filter(actor=demo_admin).exists()
        assert not AuditEvent.objects.filter(actor_name=str(demo_admin)).exists()
        assert AuditEvent.objects.filter(actor__isnull=True, actor_name="").exists()
        assert verify_chain().ok


def test_running_the_demo_again_adds_nothing(demo_admin):
    def counts():
        with tenant_context(demo_admin.tenant):
            return (
                Customer.objects.count(),
                Attribution.objects.count(),
                Partner.objects.count(),
                Submission.objects.count(),
                AuditEvent.objects.count(),
            )

    before = counts()
    call_command("demo", stdout=io.StringIO())
    assert counts() == before


# --- orders and the warrant centre ---------------------------------------------------


def _login(tenant, client, username: str) -> User:
    with tenant_context(tenant):
        user = User.objects.get(username=username)
    force_session(client, user)
    return user


def test_orders_stand_at_every_step_of_both_flows(demo_admin, client):
    from lenddesk.orders.models import MoveKind, Order, OrderMove, OrderStatus

    with tenant_context(demo_admin.tenant):
        orders = Order.objects.select_related("node", "version__workflow")
        assert 30 <= orders.count() <= 50
        steps = {(o.version.workflow.key, o.node.key) for o in orders}
        assert len({key for _flow, key in steps}) >= 8
        for flow, count in (("credit", 8), ("mortgage", 11)):
            assert len({key for f, key in steps if f == flow}) >= count, flow
        assert ("refinance", "release") in steps
        assert {"appraisal", "notary", "registration"} <= {k for _f, k in steps}
        cancelled = orders.filter(status=OrderStatus.CANCELLED)
        assert cancelled.count() >= 2
        assert all(o.cancel_reason for o in cancelled)
        assert orders.filter(status=OrderStatus.COMPLETED).count() >= 4
        returned = OrderMove.objects.filter(kind=MoveKind.RETURN)
        assert returned.exists() and all(m.comment for m in returned)
        late = orders.filter(is_overdue=True)
        assert late.count() >= 3
        assert all(o.node_due_at < timezone.now() for o in late)
        movers = set(
            OrderMove.objects.exclude(kind=MoveKind.OPEN).values_list(
                "actor__username", flat=True
            )
        )
        assert {"proc1", "warrant1", "finance1"} <= movers
        assert any(name.startswith("sales") for name in movers)
        assert "admin" not in movers
    assert _page(client, "/orders/board/")
    overdue = _page(client, "/orders/overdue/")
    assert late.first().number in overdue


def test_a_rejected_order_went_to_another_funder_with_its_history(demo_admin, client):
    from lenddesk.orders.models import Submission, SubmissionStatus

    with tenant_context(demo_admin.tenant):
        rejected = Submission.objects.filter(status=SubmissionStatus.REJECTED)
        assert rejected.count() >= 3 and all(s.rejection_reason for s in rejected)
        resubmitted = [
            s
            for s in rejected
            if Submission.objects.filter(order=s.order, pk__gt=s.pk)
            .exclude(funder=s.funder)
            .exists()
        ]
        assert resubmitted
        order = resubmitted[0].order
        approvals = Submission.objects.filter(status=SubmissionStatus.APPROVED)
        assert approvals.filter(approved_amount__gt=0).count() >= 10
    page = _page(client, "/orders/%d/" % order.pk)
    assert resubmitted[0].rejection_reason in page


def test_disbursed_loans_have_exact_schedules_repayments_and_alarms(demo_admin):
    from lenddesk.orders.models import Disbursement, Instalment
    from lenddesk.products.models import RepaymentMethod

    today = timezone.localdate()
    with tenant_context(demo_admin.tenant):
        loans = Disbursement.objects.prefetch_related("instalments")
        assert loans.count() >= 8
        assert set(loans.values_list("method", flat=True)) == set(
            RepaymentMethod.values
        )
        for loan in loans:
            rows = list(loan.instalments.all())
            assert len(rows) == loan.term_months
            assert sum(r.principal for r in rows) == loan.amount
        example = loans.get(amount=Decimal("300000.00"), term_months=36)
        assert example.annual_rate == Decimal("4.2")
        assert example.instalments.first().total == Decimal("8883.91")
        instalments = Instalment.objects.all()
        assert instalments.filter(paid_on__isnull=False).count() >= 5
        late = instalments.filter(is_overdue=True, paid_on__isnull=True)
        assert late.count() == 1 and late.get().due_on < today
        maturing = [
            loan
            for loan in loans.filter(maturity_flagged_at__isnull=False)
            if max(r.due_on for r in loan.instalments.all())
            <= today + dt.timedelta(days=60)
        ]
        assert len(maturing) == 1


def test_the_warrant_officer_has_this_weeks_appointments(_demo_firm, db, client):
    from lenddesk.warrants.models import WarrantKind, WarrantStatus, WarrantTask

    officer = _login(_demo_firm, client, "warrant1")
    monday = timezone.localdate() - dt.timedelta(days=timezone.localdate().weekday())
    start = timezone.make_aware(dt.datetime.combine(monday, dt.time()))
    with tenant_context(_demo_firm):
        tasks = WarrantTask.objects.filter(handler=officer)
        this_week = tasks.filter(
            status=WarrantStatus.BOOKED,
            appointment_at__gte=start,
            appointment_at__lt=start + dt.timedelta(days=7),
        )
        next_week = tasks.filter(
            status=WarrantStatus.BOOKED,
            appointment_at__gte=start + dt.timedelta(days=7),
            appointment_at__lt=start + dt.timedelta(days=14),
        )
        assert this_week.exists() and next_week.exists()
        done = tasks.filter(status=WarrantStatus.DONE)
        assert done.count() >= 10 and all(t.certificate_number for t in done)
        kinds = set(tasks.values_list("kind", flat=True))
        assert {
            WarrantKind.APPRAISAL,
            WarrantKind.NOTARY,
            WarrantKind.MORTGAGE_REGISTRATION,
            WarrantKind.RELEASE,
        } <= kinds
        first = this_week.select_related("order").first()
    page = _page(client, "/warrants/week/")
    assert first.order.number in page


def test_the_custody_register_has_originals_out_overdue_and_returned(
    _demo_firm, db, client
):
    from lenddesk.warrants.models import CustodyAction, CustodyEntry, CustodyItem
    from lenddesk.warrants.selectors import overdue_checkouts

    _login(_demo_firm, client, "warrant1")
    with tenant_context(_demo_firm):
        items = CustodyItem.objects.all()
        assert items.count() >= 10
        latest = {}
        for entry in CustodyEntry.objects.order_by("id"):
            latest[entry.item_id] = entry
        actions = [entry.action for entry in latest.values()]
        assert actions.count(CustodyAction.CHECKED_OUT) == 2
        assert CustodyAction.RECEIVED in actions
        assert CustodyEntry.objects.filter(action=CustodyAction.CHECKED_IN).exists()
        returned = [e for e in latest.values() if e.action == CustodyAction.RETURNED]
        assert returned and all(e.receipt_scan_id for e in returned)
        assert returned[0].receipt_scan.content_type == "image/png"
        late = overdue_checkouts()
        assert len(late) == 1
        number = late[0].receipt_number
    page = _page(client, "/warrants/custody/?overdue=1")
    assert number in page


def test_running_the_demo_again_adds_no_orders_or_warrant_work(demo_admin):
    from lenddesk.notifications.models import Notification
    from lenddesk.orders.models import Disbursement, Instalment, Order, OrderMove
    from lenddesk.orders.models import Submission as FunderSubmission
    from lenddesk.warrants.models import CustodyEntry, WarrantTask

    models = (
        Order,
        OrderMove,
        FunderSubmission,
        Disbursement,
        Instalment,
        WarrantTask,
        CustodyEntry,
        Notification,
        AuditEvent,
    )

    def counts():
        with tenant_context(demo_admin.tenant):
            return [m.objects.count() for m in models] + [
                Instalment.objects.filter(paid_on__isnull=False).count()
            ]

    before = counts()
    call_command("demo", stdout=io.StringIO())
    assert counts() == before
