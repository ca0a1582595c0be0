import json

from django import template

from lenddesk.audit import labels

register = template.Library()
register.filter("result_label", labels.result_label)
register.filter("client_label", labels.client_label)
register.filter("object_type_label", labels.object_type_label)
register.filter("action_label", labels.action_label)


@register.filter
def pretty_json(value) -> str:
    """Indented JSON as plain text; the template's autoescaping escapes it."""
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True, default=str)
