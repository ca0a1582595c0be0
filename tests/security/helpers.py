from lenddesk.accounts.models import User
from lenddesk.tenancy.context import tenant_context


def save_secret(user: User, name: str, raw: str | None) -> User:
    with tenant_context(user.tenant):
        user.set_secret(name, raw)
        user.save(update_fields=user.secret_columns(name))
    return user


def reload(user: User) -> User:
    with tenant_context(user.tenant):
        return User.objects.get(pk=user.pk)
