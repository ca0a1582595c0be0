"""The telephony API under /api/v1/ (names in the ``api`` namespace)."""

urlpatterns: list = []
