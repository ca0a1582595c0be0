"""Log-in of staff users within one firm (the tenant must already be set)."""

from django.contrib.auth.backends import BaseBackend

from lenddesk.accounts.models import User
from lenddesk.tenancy.context import get_current_tenant


class TenantUserBackend(BaseBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if get_current_tenant() is None or not username or password is None:
            return None
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist:
            # Hash anyway so an unknown user costs the same time as a wrong password.
            User().set_password(password)
            return None
        if user.check_password(password) and user.is_active:
            return user
        return None

    def get_user(self, user_id):
        if get_current_tenant() is None:
            return None
        user = User.objects.filter(pk=user_id).first()
        return user if user is not None and user.is_active else None
