"""The performance API under /api/v1/ (names in the ``api`` namespace)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
