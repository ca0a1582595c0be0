"""The lists behind the dashboards' numbers (included by analytics/urls.py)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
