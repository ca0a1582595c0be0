"""Celery application. Tasks set their tenant explicitly (see tenancy.tasks)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lenddesk.settings")

app = Celery("lenddesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _schedule_platform_chores(sender: Celery, **kwargs) -> None:
    """Periodic tasks beside ``CELERY_BEAT_SCHEDULE`` in the settings."""
    sender.add_periodic_task(
        3600, sender.signature("web.purge_counters"), name="purge-expired-counters"
    )
