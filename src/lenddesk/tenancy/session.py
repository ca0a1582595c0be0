"""The session key that holds a staff member's firm.

The log-in (``accounts``) writes it; the tenant middleware (``web.tenant_middleware``)
reads it on every request to set the firm for the rest of the request.
"""

SESSION_TENANT = "ld_tenant_id"
