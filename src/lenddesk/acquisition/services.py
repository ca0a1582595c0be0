"""Every write to acquisition, by subject (other apps import the public names from
here; inside the app each module imports from the module itself):

- ``channels``: channels, ad accounts and spend;
- ``consent``: privacy notices and consent records;
- ``attribution``: a customer's first touch;
- ``integrations``: traffic-platform integrations and their secrets;
- the intake path, each step in the module its name says: ``receiving`` (a delivery
  arrives) → ``screening`` (mapped and checked) → ``store`` (kept once per key) →
  ``worker`` (the queue drained, ``tasks`` sends it) → ``drain`` (deliveries become
  customers through ``customers.leads``; a staff replay is a batch of one).
"""

from lenddesk.acquisition.attribution import attribution_record
from lenddesk.acquisition.channels import (
    ad_account_save,
    channel_for,
    channel_save,
    spend_save,
)
from lenddesk.acquisition.consent import (
    consent_record,
    consent_records,
    current_notice,
    notice_publish,
)
from lenddesk.acquisition.drain import REPLAYABLE, delivery_replay
from lenddesk.acquisition.integrations import (
    IntegrationSecret,
    integration_create,
    integration_rotate_secret,
    integration_update,
)
from lenddesk.acquisition.worker import PROCESSING_FAILED, process_queued_deliveries

__all__ = [
    "PROCESSING_FAILED",
    "REPLAYABLE",
    "IntegrationSecret",
    "ad_account_save",
    "attribution_record",
    "channel_for",
    "channel_save",
    "consent_record",
    "consent_records",
    "current_notice",
    "delivery_replay",
    "integration_create",
    "integration_rotate_secret",
    "integration_update",
    "notice_publish",
    "process_queued_deliveries",
    "spend_save",
]
