"""Every write to customers, by subject:

- ``customers``: create (with the duplicate policy), prepare, edit, merge;
- ``values``: the checked values a record holds (bounds, phone, ID number, pinyin);
- ``pool``: pool rules and pools, claim, release, assign, key customers, ownership;
- ``returns``: the nightly return to the public pool and the warning before it;
- ``followups``: follow-ups, visits and their reminders;
- ``tagging``: tags and tag rules applied; ``tag_rules``: adding a rule (enqueues);
- ``custom_fields``, ``saved_views``, ``timeline``.

Other apps import the public names from here; inside the customers app each module
imports from the submodule itself. ``tag_rules`` is not re-exported: it enqueues a
task, and ``tasks`` imports this package's submodules.
"""

from lenddesk.customers.services.custom_fields import (
    CUSTOM_NUMBER_MAX,
    CUSTOM_TEXT_MAX,
    clean_custom_fields,
    custom_field_create,
    custom_fields_set,
)
from lenddesk.customers.services.customers import (
    CreateResult,
    customer_create,
    customer_merge,
    customer_prepare,
    customer_update,
    describe_owner,
    find_duplicate,
    merge_arrival,
)
from lenddesk.customers.services.followups import (
    REMIND_AHEAD,
    REMIND_LATE,
    followup_create,
    remind_due_followups,
    visit_book,
    visit_set_status,
)
from lenddesk.customers.services.pool import (
    customer_assign,
    customer_claim,
    customer_release,
    customer_set_locked,
    default_pool,
    ensure_cap,
    ensure_owned,
    pool_create,
    pool_rules,
    pool_rules_update,
)
from lenddesk.customers.services.returns import (
    overdue_customers,
    reclaim_overdue,
    warn_before_return,
)
from lenddesk.customers.services.saved_views import saved_view_save
from lenddesk.customers.services.tagging import (
    MAX_TAGS,
    apply_tag_rules,
    apply_tag_rules_everywhere,
    clean_tag_names,
    tags_named,
)
from lenddesk.customers.services.timeline import timeline
from lenddesk.customers.services.values import (
    AMOUNT_LIMITS,
    EDITABLE,
    MONTH_LIMITS,
    apply_personal,
    clean_values,
    name_keys,
)

__all__ = [
    "AMOUNT_LIMITS",
    "CUSTOM_NUMBER_MAX",
    "CUSTOM_TEXT_MAX",
    "EDITABLE",
    "MAX_TAGS",
    "MONTH_LIMITS",
    "REMIND_AHEAD",
    "REMIND_LATE",
    "CreateResult",
    "apply_personal",
    "apply_tag_rules",
    "apply_tag_rules_everywhere",
    "clean_custom_fields",
    "clean_tag_names",
    "clean_values",
    "custom_field_create",
    "custom_fields_set",
    "customer_assign",
    "customer_claim",
    "customer_create",
    "customer_merge",
    "customer_prepare",
    "customer_release",
    "customer_set_locked",
    "customer_update",
    "default_pool",
    "describe_owner",
    "ensure_cap",
    "ensure_owned",
    "find_duplicate",
    "followup_create",
    "merge_arrival",
    "name_keys",
    "overdue_customers",
    "pool_create",
    "pool_rules",
    "pool_rules_update",
    "reclaim_overdue",
    "remind_due_followups",
    "saved_view_save",
    "tags_named",
    "timeline",
    "visit_book",
    "visit_set_status",
    "warn_before_return",
]
