import json

from django import template

from lenddesk.audit import labels
from lenddesk.audit.models import AuditAction

register = template.Library()
register.filter("result_label", labels.result_label)
register.filter("client_label", labels.client_label)
register.filter("object_type_label", labels.object_type_label)


@register.filter
def action_label(value: str) -> str:
    """The translated label of a known action, else the stored code."""
    try:
        return str(AuditAction(value).label)
    except ValueError:
        return value


@register.filter
def pretty_json(value) -> str:
    """Indented JSON as plain text; the template's autoescaping escapes it."""
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True, default=str)
