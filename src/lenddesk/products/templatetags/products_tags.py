from django import template

register = template.Library()


@register.filter
def has_module(tenant, code: str) -> bool:
    return bool(tenant) and tenant.has_module(code)


@register.filter
def shown_value(field) -> str:
    """A read-only form field as a reader should see it: a choice by its label."""
    value = field.value()
    choices = getattr(field.field, "choices", None)
    if choices is not None:
        return str(dict(choices).get(value, value))
    return value
