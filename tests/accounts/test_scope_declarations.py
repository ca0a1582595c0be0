"""Every firm-owned table says whether rows belong to someone, and the data scope
fails closed: a model that is scoped without saying through whom raises, a model
left out of both lists below fails this test."""

import pytest
from django.apps import apps
from django.db.models import ForeignKey

from lenddesk.accounts.models import User
from lenddesk.accounts.scope import ScopedManager, ScopedQuerySet, UnscopedModel
from lenddesk.tenancy.context import tenant_context
from lenddesk.tenancy.models import TenantModel

# Firm-wide tables: configuration, the firm's own ledgers and machine bookkeeping.
# Nobody "owns" their rows, so a data scope does not narrow them; the permission
# codes of the pages and API that show them decide who reads them.
FIRM_WIDE = {
    "accounts.Department": "org chart: every colleague may see the tree",
    "accounts.Role": "configuration, behind role.view",
    "accounts.PasswordHistory": "a user's own credential history, read by the password service only",
    "accounts.ApiToken": "listed per user through users_visible_to",
    "accounts.TotpDevice": "a user's own second factor, read at log-in only",
    "accounts.RecoveryCode": "a user's own recovery codes, read at log-in only",
    "audit.AuditEvent": "the firm's audit log, behind audit.view",
    "audit.AuditChainHead": "audit bookkeeping",
    "audit.AuditStaged": "audit bookkeeping",
    "security.TenantDataKey": "the firm's wrapped data keys",
    "customers.PoolRules": "firm policy",
    "customers.PublicPool": "pools are shared by design; pools_visible_to narrows them",
    "customers.FunnelStage": "configuration",
    "customers.Tag": "configuration",
    "customers.ClaimCounter": "limit bookkeeping",
    "customers.AllocationRule": "configuration",
    "customers.AllocationCount": "allocation bookkeeping",
    "customers.AllocationLog": "allocation log, behind customer.allocate",
    "customers.ImportRow": "read through its scoped ImportJob",
    "customers.CustomField": "configuration",
    "customers.TagRule": "configuration",
    "acquisition.Channel": "configuration",
    "acquisition.AdAccount": "configuration",
    "acquisition.PrivacyNotice": "configuration",
    "acquisition.ConsentRecord": "read through its scoped customer",
    "acquisition.Attribution": "read through its scoped customer",
    "acquisition.AdSpend": "the firm's spend ledger, behind channel.view",
    "acquisition.Integration": "configuration",
    "acquisition.Delivery": "machine intake log, behind integration.view",
    "promotion.ApplicationForm": "configuration (public forms)",
    "promotion.Material": "the firm's marketing library, shared by design",
    "promotion.BusinessCard": "a public card per user",
    "promotion.Visitor": "anonymous visitors, no owner",
    "partners.PartnerSettings": "firm policy",
    "partners.PartnerInvitation": "read through its scoped partner",
    "partners.PartnerReferral": "read through its scoped partner",
    "products.Funder": "the firm's product catalogue",
    "products.Product": "the firm's product catalogue",
    "products.RuleSet": "the firm's product catalogue",
    "products.ProductSettings": "firm policy",
    "products.Scorecard": "the firm's product catalogue",
    "products.ReviewRequest": "the catalogue's review queue, behind product.review",
    "web.IdempotencyRecord": "per-caller replay store, keyed by the caller",
    "orders.Workflow": "configuration",
    "orders.WorkflowVersion": "configuration",
    "orders.WorkflowNode": "configuration",
    "orders.OrderProduct": "read through its scoped order",
    "orders.OrderParticipant": "read through its scoped order (it widens the order's scope)",
    "orders.OrderSequence": "numbering bookkeeping",
    "contracts.ContractSetting": "firm policy (numbering prefix, authorisation validity)",
    "contracts.ContractTemplate": "configuration: the firm's Word templates, shared by everyone who generates contracts; behind contracts.template",
    "contracts.ContractSequence": "numbering bookkeeping",
    "commissions.PayingEntity": "configuration: who pays partners and how tax is withheld, behind commissions.plans",
    "commissions.StaffPlan": "configuration: the firm's staff commission plan, behind commissions.plans",
    "commissions.PartnerPlan": "configuration: partner level rates, behind commissions.plans",
    "commissions.PayoutSequence": "a counter row (gap-free batch numbers), never listed",
    "commissions.PayoutBatch": "bookkeeping ledger of payouts, behind commissions.payout",
    "commissions.PayoutItem": "bookkeeping: a batch's lines, read only through its batch (commissions.payout)",
    "finance.FirmAccount": "the firm's own bank accounts: configuration, behind finance.settings",
    "finance.FinancePolicy": "configuration (one row per firm), behind finance.settings",
    "finance.OtherExpense": "firm bookkeeping (rent, couriers …), behind finance.view",
    "finance.ClosedMonth": "firm bookkeeping: closed months and their totals, behind finance.view",
    "notifications.ChannelConfig": "firm's channel switches and sealed provider keys, behind notifications.channels",
    "notifications.SmsTemplate": "firm's SMS wording, behind notifications.channels",
    "telephony.TelephonySettings": "configuration (one row per firm: provider, encrypted credentials, calling rules), behind telephony.settings",
    "telephony.CallerNumber": "the firm's own outgoing lines and their counters: configuration, behind telephony.settings",
    "orders.OrderStepCount": "counts per step, no record of anyone; read for the whole-firm board only",
    "acquisition.ConversionConfig": "configuration, behind acquisition.integrations",
    "acquisition.ConversionCallback": "machine callback log (no personal field), behind acquisition.integrations",
    "performance.DepartmentTarget": "a department's monthly targets: read through the departments the actor may see (visible_departments), set only by managers over them",
    "performance.KpiScheme": "configuration (one row per firm): KPI weights and cap, behind performance.kpi",
    "performance.MonthlyReport": "a department's monthly one-page summary (no customer's personal field), read through the departments the actor manages",
    "analytics.FactRefresh": "bookkeeping: when the dashboards' rollups were last rebuilt, no record of anyone",
}


def _tenant_models():
    return [
        m
        for m in apps.get_models()
        if issubclass(m, TenantModel) and not m._meta.abstract
    ]


def _resolves_to_user(model, path: str) -> bool:
    """Whether ``path`` (``""``, ``"owner"``, ``"customer__owner"``) leads from the
    model to a staff user."""
    if path == "":
        return model is User
    current = model
    for name in path.split("__"):
        field = current._meta.get_field(name)
        if not isinstance(field, ForeignKey):
            return False
        current = field.related_model
    return current is User


def test_every_firm_table_declares_its_scope():
    undeclared = []
    for model in _tenant_models():
        label = model._meta.label
        scoped = isinstance(model._default_manager, ScopedManager)
        if label in FIRM_WIDE:
            assert not scoped, "%s is listed firm-wide but is scoped" % label
            continue
        if not scoped:
            undeclared.append(label)
            continue
        path = getattr(model, "SCOPE_OWNER", None)
        assert path is not None, "%s uses ScopedManager without SCOPE_OWNER" % label
        assert _resolves_to_user(model, path), (
            "%s.SCOPE_OWNER=%r is not a path to a user"
            % (
                label,
                path,
            )
        )
    assert not undeclared, (
        "These firm tables say neither whose rows they are (SCOPE_OWNER + "
        "ScopedManager) nor why they are firm-wide (FIRM_WIDE in this test): %s"
        % ", ".join(sorted(undeclared))
    )


def test_firm_wide_list_names_only_real_models():
    labels = {m._meta.label for m in _tenant_models()}
    assert set(FIRM_WIDE) <= labels, set(FIRM_WIDE) - labels


@pytest.mark.django_db
def test_scoping_a_model_without_an_owner_path_raises(tenant_a, salesperson_a):
    Tag = apps.get_model("customers", "Tag")
    with tenant_context(tenant_a), pytest.raises(UnscopedModel):
        ScopedQuerySet(model=Tag).visible_to(salesperson_a)


@pytest.mark.django_db
def test_a_firm_wide_model_has_no_visible_to(tenant_a, salesperson_a):
    Tag = apps.get_model("customers", "Tag")
    with tenant_context(tenant_a):
        assert not hasattr(Tag.objects, "visible_to")
