"""What the audit log shows for the codes a row stores (result, client, object type):
the rows keep the stable codes, readers see words in their language."""

from django.apps import apps
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

RESULTS = {"ok": _("Succeeded"), "refused": _("Refused")}

CLIENTS = {
    "web": _("Web"),
    "mobile": _("Mobile app"),
    "api": _("API"),
    "system": _("System"),
}

OBJECT_TYPES = {
    "route": _("Page"),
    "probe": _("Page"),
    "tenancy.tenant": _("Firm"),
    "accounts.department": _("Department"),
    "accounts.role": _("Role"),
    "accounts.user": _("Staff"),
    "accounts.apitoken": _("Token"),
    "accounts.totpdevice": _("Authenticator"),
    "accounts.recoverycode": _("Recovery codes"),
    "audit.auditevent": _("Audit log"),
    "security.tenantdatakey": _("Data key"),
    "customers.poolrules": _("Pool rules"),
    "orders.order": pgettext_lazy("loan order", "Order"),
    "orders.workflow": _("Workflow"),
    "orders.workflowversion": _("Workflow version"),
    "orders.workflownode": _("Workflow step"),
    "orders.submission": _("Funder submission"),
    "orders.disbursement": _("Disbursement"),
    "orders.instalment": _("Instalment"),
    "orders.fundusecheck": _("Fund-use check"),
    "warrants.warranttask": _("Warrant task"),
    "warrants.custodyitem": _("Original"),
    "warrants.custodyentry": _("Custody entry"),
    "customers.publicpool": _("Public pool"),
    "customers.funnelstage": _("Stage"),
    "customers.tag": _("Tag"),
    "customers.customer": _("Customer"),
    "customers.followup": _("Follow-up"),
    "customers.visit": _("Visit"),
    "customers.allocationrule": _("Allocation rule"),
    "customers.importjob": _("Import"),
    "customers.customerdocument": _("Document"),
    "customers.savedview": _("Saved view"),
    "customers.customfield": _("Custom fields"),
    "customers.tagrule": _("Tag rule"),
    "customers.exportjob": _("Export"),
    "acquisition.channel": _("Channel"),
    "acquisition.adaccount": _("Ad account"),
    "acquisition.privacynotice": _("Privacy notice"),
    "acquisition.consentrecord": _("Consent"),
    "acquisition.adspend": _("Ad spend"),
    "acquisition.integration": _("Integration"),
    "acquisition.delivery": _("Delivery"),
    "promotion.applicationform": _("Application form"),
    "promotion.material": _("Material"),
    "promotion.businesscard": _("Business card"),
    "promotion.submission": _("Submission"),
    "partners.partnersettings": _("Partner settings"),
    "partners.partner": _("Partner"),
    "partners.partnerinvitation": _("Invitation"),
    "partners.partnerreferral": _("Referral"),
    "products.funder": _("Funder"),
    "products.product": _("Product"),
    "products.ruleset": _("Eligibility rules"),
    "products.matchrun": _("Match"),
    "products.reversematchjob": _("Reverse match"),
    "products.productsettings": _("Product settings"),
    "products.scorecard": _("Scorecard"),
    "products.prescreen": _("Pre-screen"),
    "products.reviewrequest": _("Human review"),
    "notifications.notification": _("Notification"),
}


# Apps whose actions are not in AuditAction register their TextChoices here (from
# their AppConfig.ready), so the log, its filter and its export name them.
_ACTION_GROUPS: list = []


def register_actions(choices) -> None:
    if choices not in _ACTION_GROUPS:
        _ACTION_GROUPS.append(choices)


def action_choices() -> list[tuple[str, str]]:
    from lenddesk.audit.models import AuditAction

    merged = list(AuditAction.choices)
    for group in _ACTION_GROUPS:
        merged.extend(group.choices)
    return merged


def action_label(code: str) -> str:
    """The translated label of a known action, else the stored code."""
    for value, label in action_choices():
        if value == code:
            return str(label)
    return code


def result_label(code: str) -> str:
    return str(RESULTS.get(code, code))


def client_label(code: str) -> str:
    return str(CLIENTS[code]) if code in CLIENTS else code


def object_type_label(code: str) -> str:
    """The word for a known type; a model's own verbose name for any other."""
    if code in OBJECT_TYPES:
        return str(OBJECT_TYPES[code])
    try:
        return str(apps.get_model(code)._meta.verbose_name)
    except (LookupError, ValueError):
        return code
