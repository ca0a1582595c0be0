"""The rollups' writer: which rows make each metric (``sources``) and the rebuild of
some days' facts from them (``build``). Drill lists read the same ``sources``."""

from lenddesk.analytics.refresh.build import refresh_facts
from lenddesk.analytics.refresh.sources import SOURCES, Source, in_days, spend_days

__all__ = ["SOURCES", "Source", "in_days", "refresh_facts", "spend_days"]
