"""Old import path of the suspended-firm message, now with the other plan messages in
``lenddesk.tenancy.plan``. Kept for ``accounts/authflow.py`` and
``partners/portal.py`` until they import it from there."""

from lenddesk.tenancy.plan import SUSPENDED_MESSAGE

__all__ = ["SUSPENDED_MESSAGE"]
