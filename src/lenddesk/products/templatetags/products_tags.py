from django import template

register = template.Library()


@register.filter
def has_module(tenant, code: str) -> bool:
    return bool(tenant) and tenant.has_module(code)
