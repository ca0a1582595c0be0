"""The monthly report pages (included by performance/urls.py)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
