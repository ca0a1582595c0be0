"""What the contract services share: the audit action names."""

from django.db.models import TextChoices


class ContractAudit(TextChoices):
    """Audit actions of contracts (``audit_record``'s ``action``)."""

    TEMPLATE_UPLOADED = "contract.template_uploaded"
    SETTINGS_CHANGED = "contract.settings_changed"
    GENERATED = "contract.generated"
    REGENERATED = "contract.regenerated"
    SENT = "contract.sent"
    SIGNED = "contract.signed"
    VOIDED = "contract.voided"
    DOWNLOADED = "contract.downloaded"
