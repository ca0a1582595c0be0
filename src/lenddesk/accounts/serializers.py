from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from lenddesk.accounts.models import Role, User

MAX_ID = 2_147_483_647  # the largest id or number a 32-bit integer column holds


def id_field(**kwargs) -> serializers.IntegerField:
    """A row id: bounded, so an absurd number is a 400 naming the field, not a 500."""
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


class TokenRequestSerializer(serializers.Serializer):
    tenant = serializers.SlugField(max_length=40, help_text=_("The firm code (slug)."))
    username = serializers.CharField(max_length=80)
    password = serializers.CharField(
        max_length=256, trim_whitespace=False, write_only=True
    )
    otp = serializers.CharField(
        max_length=20,
        required=False,
        write_only=True,
        help_text=_(
            "Current authenticator code, when the role requires two-factor log-in."
        ),
    )


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()
    expires_at = serializers.DateTimeField()
    token_type = serializers.CharField()


class RoleSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Role
        fields = ["id", "key", "name", "data_scope"]
        read_only_fields = fields


class TenantSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    slug = serializers.CharField(read_only=True)
    modules = serializers.ListField(child=serializers.CharField(), read_only=True)
    expires_on = serializers.DateField(read_only=True, allow_null=True)
    read_only = serializers.BooleanField(read_only=True)


class MeSerializer(serializers.ModelSerializer):
    roles = RoleSummarySerializer(many=True, read_only=True)
    email = serializers.CharField(read_only=True)  # may be empty
    permissions = serializers.SerializerMethodField()
    tenant = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "display_name",
            "email",
            "status",
            "roles",
            "permissions",
            "tenant",
        ]
        read_only_fields = fields

    def get_permissions(self, user) -> list[str]:
        return sorted(user.permission_codes())

    def get_tenant(self, user) -> dict:
        tenant = self.context["request"]._request.tenant
        return TenantSummarySerializer(
            {
                "id": tenant.pk,
                "name": tenant.name,
                "slug": tenant.slug,
                "modules": sorted(tenant.modules),
                "expires_on": tenant.expires_on,
                "read_only": tenant.is_expired(),
            }
        ).data


class DepartmentSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=80)
    parent = id_field(source="parent_id", allow_null=True, required=False)
    leader = id_field(source="leader_id", allow_null=True, required=False)
    sort = serializers.IntegerField(
        min_value=0, max_value=MAX_ID, required=False, default=0
    )
    path = serializers.CharField(read_only=True)
    depth = serializers.IntegerField(read_only=True)


class RoleSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    key = serializers.SlugField(max_length=40, required=False)
    name = serializers.CharField(max_length=60)
    description = serializers.CharField(
        max_length=200, required=False, allow_blank=True
    )
    codes = serializers.ListField(
        child=serializers.CharField(max_length=60), required=False, max_length=500
    )
    data_scope = serializers.CharField(max_length=20)
    custom_departments = serializers.ListField(
        child=id_field(), required=False, max_length=1000
    )
    allowed_clients = serializers.ListField(
        child=serializers.CharField(max_length=10), required=False
    )
    login_weekdays = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6), required=False
    )
    login_start = serializers.TimeField(allow_null=True, required=False)
    login_end = serializers.TimeField(allow_null=True, required=False)
    allowed_networks = serializers.CharField(required=False, allow_blank=True)
    require_totp = serializers.BooleanField(required=False)
    is_system = serializers.BooleanField(read_only=True)

    def to_representation(self, role):
        return {
            "id": role.pk,
            "key": role.key,
            "name": role.name,
            "description": role.description,
            "codes": list(role.codes),
            "data_scope": role.data_scope,
            "custom_departments": sorted(
                role.custom_departments.values_list("pk", flat=True)
            ),
            "allowed_clients": list(role.allowed_clients),
            "login_weekdays": list(role.login_weekdays),
            "login_start": role.login_start.strftime("%H:%M")
            if role.login_start
            else None,
            "login_end": role.login_end.strftime("%H:%M") if role.login_end else None,
            "allowed_networks": role.allowed_networks,
            "require_totp": role.require_totp,
            "is_system": role.is_system,
        }


class UserSerializer(serializers.Serializer):
    """Staff as integrators see them: phone and ID masked unless revealed."""

    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(max_length=80)
    display_name = serializers.CharField(max_length=80)
    email = serializers.EmailField(required=False, allow_blank=True)
    status = serializers.CharField(read_only=True)
    department = id_field(source="department_id", allow_null=True, required=False)
    superior = id_field(source="superior_id", allow_null=True, required=False)
    roles = serializers.ListField(child=id_field(), required=False, max_length=100)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    id_number = serializers.CharField(max_length=32, required=False, allow_blank=True)
    password = serializers.CharField(
        max_length=256, write_only=True, required=False, trim_whitespace=False
    )
    active = serializers.BooleanField(write_only=True, required=False, default=True)

    def to_representation(self, user):
        return {
            "id": user.pk,
            "username": user.username,
            "display_name": user.display_name,
            "email": user.email,
            "status": user.status,
            "department": user.department_id,
            "superior": user.superior_id,
            "roles": sorted(r.pk for r in user.roles.all()),
            "phone": user.masked("phone"),
            "id_number": user.masked("id_number"),
        }


class RevealSerializer(serializers.Serializer):
    field = serializers.ChoiceField(choices=["phone", "id_number"])
    purpose = serializers.CharField(max_length=200)


class RevealResponseSerializer(serializers.Serializer):
    field = serializers.CharField()
    value = serializers.CharField()


class ApiTokenSerializer(serializers.Serializer):
    """A token as its owner sees it: never the secret, only its first characters."""

    id = serializers.IntegerField(read_only=True)
    prefix = serializers.CharField(read_only=True)
    client = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    expires_at = serializers.DateTimeField(read_only=True)
    last_used_at = serializers.DateTimeField(read_only=True, allow_null=True)
    current = serializers.SerializerMethodField(
        help_text=_("True for the token that made this request.")
    )

    def get_current(self, token) -> bool:
        used = getattr(self.context.get("request"), "auth", None)
        return used is not None and getattr(used, "pk", None) == token.pk
