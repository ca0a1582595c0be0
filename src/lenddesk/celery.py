"""Celery application. Tasks set their tenant explicitly (see tenancy.tasks)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lenddesk.settings")

app = Celery("lenddesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
