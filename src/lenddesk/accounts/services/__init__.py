"""Every write to staff users, sessions, tokens, departments and roles, one module
per subject; this package is the one import path other apps and the views use."""

from lenddesk.accounts.services.departments import (
    department_create,
    department_delete,
    department_update,
)
from lenddesk.accounts.services.login import (
    SECURITY_SETTINGS,
    password_change,
    password_expired,
    record_login,
    record_login_refused,
    record_logout,
    security_settings_update,
)
from lenddesk.accounts.services.roles import ROLE_FIELDS, role_delete, role_save
from lenddesk.accounts.services.tokens import (
    token_issue,
    token_revoke,
    tokens_prune,
    tokens_revoke_own,
)
from lenddesk.accounts.services.users import (
    USER_FIELDS,
    user_activate,
    user_create,
    user_disable,
    user_second_factor_reset,
    user_update,
)

__all__ = [
    "ROLE_FIELDS",
    "SECURITY_SETTINGS",
    "USER_FIELDS",
    "department_create",
    "department_delete",
    "department_update",
    "password_change",
    "password_expired",
    "record_login",
    "record_login_refused",
    "record_logout",
    "role_delete",
    "role_save",
    "security_settings_update",
    "token_issue",
    "token_revoke",
    "tokens_prune",
    "tokens_revoke_own",
    "user_activate",
    "user_create",
    "user_disable",
    "user_second_factor_reset",
    "user_update",
]
