"""The staff pages of accounts, one module per subject: log-in (``login``), staff
(``users``), the department tree (``departments``), roles (``roles``) and the firm's
and one's own log-in security (``security``: password, settings, API tokens)."""
