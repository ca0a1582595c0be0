"""Customers (借款客户), their pools, follow-ups and visits (SPEC M3), by subject:
``customers``, ``pools``, ``activity``, ``allocation``, ``jobs`` (imports and
exports) and ``custom`` (saved views, custom fields, tag rules)."""

from lenddesk.customers.models.activity import (
    CustomerDocument,
    DocumentKind,
    FollowUp,
    FollowUpKind,
    TimelineEvent,
    Visit,
    VisitStatus,
)
from lenddesk.customers.models.allocation import (
    AllocationCount,
    AllocationLog,
    AllocationRule,
)
from lenddesk.customers.models.credit import (
    AuthorisationMethod,
    CreditAuthorisation,
    CreditPurpose,
    CreditQueryRecord,
    QueryMethod,
    QueryOutcome,
    RefusalReason,
)
from lenddesk.customers.models.custom import (
    CustomField,
    CustomFieldType,
    SavedView,
    TagRule,
)
from lenddesk.customers.models.customers import (
    Customer,
    CustomerKind,
    FunnelStage,
    Gender,
    Rating,
    Tag,
    Urgency,
)
from lenddesk.customers.models.jobs import (
    ExportApproval,
    ExportJob,
    ImportJob,
    ImportRow,
    ImportStatus,
)
from lenddesk.customers.models.pools import (
    ClaimCounter,
    DuplicatePolicy,
    PhonePolicy,
    PoolRules,
    PublicPool,
)

__all__ = [
    "AllocationCount",
    "AllocationLog",
    "AllocationRule",
    "AuthorisationMethod",
    "ClaimCounter",
    "CreditAuthorisation",
    "CreditPurpose",
    "CreditQueryRecord",
    "CustomField",
    "CustomFieldType",
    "Customer",
    "CustomerDocument",
    "CustomerKind",
    "DocumentKind",
    "DuplicatePolicy",
    "ExportApproval",
    "ExportJob",
    "FollowUp",
    "FollowUpKind",
    "FunnelStage",
    "Gender",
    "ImportJob",
    "ImportRow",
    "ImportStatus",
    "PhonePolicy",
    "PoolRules",
    "PublicPool",
    "QueryMethod",
    "QueryOutcome",
    "Rating",
    "RefusalReason",
    "SavedView",
    "Tag",
    "TagRule",
    "TimelineEvent",
    "Urgency",
    "Visit",
    "VisitStatus",
]
