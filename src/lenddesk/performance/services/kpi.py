"""Saving the firm's KPI weights (administrator or general manager)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from lenddesk.accounts.models import User
from lenddesk.audit.services import audit_record
from lenddesk.performance.audit import PerformanceAudit as A
from lenddesk.performance.catalogue import TARGET_METRICS
from lenddesk.performance.errors import PerformanceError, refusal, refusals
from lenddesk.performance.kpi import CAP_MAX, CAP_MIN
from lenddesk.performance.models import KpiScheme
from lenddesk.web.params import int_or_none


def _weight(raw) -> int | None:
    """A blank weight is 0; otherwise a whole percent 0…100 (None when not)."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return 0
    return int_or_none(raw, low=0, high=100)


@transaction.atomic
def kpi_save(*, actor: User, weights: dict, cap_percent) -> KpiScheme:
    """Weights are whole percents 0…100 per target metric adding up to 100; the cap
    is 100…300 %. Every refusal names its field (the metric, ``weights`` for the
    sum, ``cap_percent``)."""
    clean: dict[str, int] = {}
    errors = {}
    for metric in TARGET_METRICS:
        value = _weight(weights.get(metric))
        if value is None:
            errors[metric] = _("A whole number from 0 to 100.")
        else:
            clean[metric] = value
    unknown = [k for k in weights if k not in TARGET_METRICS]
    for key in unknown[:5]:
        errors[str(key)[:40]] = _("Not a target metric.")
    cap = int_or_none(cap_percent, low=CAP_MIN, high=CAP_MAX)
    if cap is None:
        errors["cap_percent"] = _("A whole percent from %(low)d to %(high)d.") % {
            "low": CAP_MIN,
            "high": CAP_MAX,
        }
    if errors:
        raise refusals(errors, PerformanceError.WEIGHTS_INVALID)
    if sum(clean.values()) != 100:
        raise refusal(
            "weights",
            _("The weights add up to %(sum)d; they must add up to 100.")
            % {"sum": sum(clean.values())},
            PerformanceError.WEIGHTS_INVALID,
        )
    scheme, _created = KpiScheme.objects.update_or_create(
        defaults={"weights": clean, "cap_percent": cap, "updated_by": actor}
    )
    audit_record(
        actor=actor,
        action=A.KPI_SAVED,
        target=scheme,
        changes={"weights": clean, "cap_percent": cap},
    )
    return scheme
