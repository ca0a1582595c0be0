from django import template

register = template.Library()


@register.filter
def masked(instance, field: str) -> str:
    """``{{ customer|masked:"phone" }}``: the one masking component, for templates."""
    method = getattr(instance, "masked", None)
    return method(field) if method else ""


@register.filter
def indent(depth: int) -> str:
    return "\u3000" * max(0, (depth or 1) - 1)


@register.filter
def can(user, code: str) -> bool:
    """``{% if user|can:"customer.claim" %}``: the one permission check of templates
    (the same ``has_code`` the views and the API use)."""
    has_code = getattr(user, "has_code", None)
    return bool(has_code and has_code(code))
