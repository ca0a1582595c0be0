"""LendDesk: the operating system of a loan-brokerage firm."""

from lenddesk.celery import app as celery_app

__all__ = ["celery_app"]
