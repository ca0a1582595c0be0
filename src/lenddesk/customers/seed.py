"""Defaults every firm gets: funnel stages, the main public pool, pool rules. Idempotent."""

from django.utils import translation
from django.utils.translation import gettext, gettext_noop

from lenddesk.customers.models import FunnelStage, PoolRules, PublicPool

DEFAULT_STAGES = (
    ("new", gettext_noop("New"), False, False),
    ("contacted", gettext_noop("Contacted"), False, False),
    ("invited", gettext_noop("Invited"), False, False),
    ("visited", gettext_noop("Visited"), False, False),
    ("signed", gettext_noop("Signed"), False, False),
    ("processing", gettext_noop("Processing"), False, False),
    ("disbursed", gettext_noop("Disbursed"), True, False),
    ("lost", gettext_noop("Lost"), False, True),
)


def seed_customers() -> None:
    with translation.override("zh-hans"):
        for order, (key, name, won, lost) in enumerate(DEFAULT_STAGES):
            FunnelStage.objects.get_or_create(
                key=key,
                defaults={
                    "name": gettext(name),
                    "order": order,
                    "is_won": won,
                    "is_lost": lost,
                },
            )
        if not PublicPool.objects.filter(is_default=True).exists():
            PublicPool.objects.create(name=gettext("Public pool"), is_default=True)
    PoolRules.objects.get_or_create()
