"""Old import path of ``SESSION_TENANT``.

The tenant and plan middleware moved to ``lenddesk.web.tenant_middleware`` (they need
the API tokens and the audit trail, which sit above the kernel); the session key is
the kernel's, in ``lenddesk.tenancy.session``. Kept for ``accounts/views.py`` and
``bench/context.py`` until they import it from there.
"""

from lenddesk.tenancy.session import SESSION_TENANT

__all__ = ["SESSION_TENANT"]
