from lenddesk.notifications.selectors import unread_count
from lenddesk.web.menu import menu_for


def shell(request):
    tenant = getattr(request, "tenant", None)
    user = getattr(request, "user", None)
    if tenant is None or user is None or not user.is_authenticated:
        return {"tenant": tenant}
    return {
        "tenant": tenant,
        "menu": menu_for(user, tenant, request.path),
        "tenant_expired": tenant.is_expired(),
        "tenant_days_left": tenant.days_to_expiry(),
        "unread_notifications": unread_count(actor=user),
    }
