from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from lenddesk.accounts.models import Role, User


class TokenRequestSerializer(serializers.Serializer):
    tenant = serializers.SlugField(max_length=40, help_text=_("The firm code (slug)."))
    username = serializers.CharField(max_length=80)
    password = serializers.CharField(
        max_length=256, trim_whitespace=False, write_only=True
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
