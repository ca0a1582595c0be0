from django.apps import AppConfig


class PlatformConfig(AppConfig):
    """The operator console (平台运营): firms, their plans and the operators' log-in.
    Its data (``Tenant``, ``PlatformOperator``, ``TenantEvent``) is the kernel's."""

    name = "lenddesk.platform"
    label = "platform"
    verbose_name = "Platform console"
