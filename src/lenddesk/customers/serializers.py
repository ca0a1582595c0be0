from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from lenddesk.customers.models import CustomerKind, FollowUpKind, Rating, Urgency
from lenddesk.customers.phone_policy import PhoneAccess
from lenddesk.customers.services.tagging import MAX_TAGS
from lenddesk.web.params import IdField


class CustomerSerializer(serializers.Serializer):
    """Customers as integrators and the app see them: phone and ID masked."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=80)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    id_number = serializers.CharField(max_length=32, required=False, allow_blank=True)
    kind = serializers.ChoiceField(choices=CustomerKind.choices, required=False)
    company_name = serializers.CharField(
        max_length=120, required=False, allow_blank=True
    )
    city = serializers.CharField(max_length=40, required=False, allow_blank=True)
    demand_amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    demand_term_months = serializers.IntegerField(
        min_value=1, max_value=480, required=False, allow_null=True
    )
    demand_purpose = serializers.CharField(
        max_length=120, required=False, allow_blank=True
    )
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False)
    monthly_income = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    has_house = serializers.BooleanField(required=False)
    has_car = serializers.BooleanField(required=False)
    has_life_policy = serializers.BooleanField(required=False)
    has_business_licence = serializers.BooleanField(required=False)
    provident_fund_months = serializers.IntegerField(
        min_value=0, max_value=600, required=False
    )
    social_security_months = serializers.IntegerField(
        min_value=0, max_value=600, required=False
    )
    credit_notes = serializers.CharField(
        max_length=2000, required=False, allow_blank=True
    )
    channel = serializers.CharField(max_length=60, required=False, allow_blank=True)
    campaign = serializers.CharField(max_length=80, required=False, allow_blank=True)
    rating = serializers.ChoiceField(
        choices=[("", ""), *Rating.choices], required=False, allow_blank=True
    )
    tags = serializers.ListField(
        child=serializers.CharField(max_length=30), max_length=MAX_TAGS, required=False
    )
    stage = IdField(required=False, allow_null=True)
    owner = serializers.IntegerField(read_only=True, allow_null=True)
    pool = serializers.IntegerField(read_only=True, allow_null=True)
    is_locked = serializers.BooleanField(read_only=True)
    next_followup_at = serializers.DateTimeField(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)

    def to_representation(self, customer):
        owned = customer.owner_id is not None
        return {
            "id": customer.pk,
            "name": customer.shown_name,
            "phone": customer.masked("phone") if owned else "",
            "id_number": customer.masked("id_number") if owned else "",
            "kind": customer.kind,
            "city": customer.city,
            "demand_amount": str(customer.demand_amount)
            if customer.demand_amount is not None
            else None,
            "demand_term_months": customer.demand_term_months,
            "demand_purpose": customer.demand_purpose,
            "rating": customer.rating,
            "stage": customer.stage_id,
            "channel": customer.channel,
            "owner": customer.owner_id,
            "pool": customer.pool_id,
            "is_locked": customer.is_locked,
            "next_followup_at": customer.next_followup_at,
            "created_at": customer.created_at,
        }


class CustomerDetailSerializer(CustomerSerializer):
    """One customer, with what the caller may do with its phone under the firm's phone
    policy, so an app knows which action to offer."""

    phone_access = serializers.ChoiceField(
        choices=PhoneAccess.choices,
        read_only=True,
        help_text="claim_first: claim the customer first; show_own: POST reveal "
        "without a purpose; with_purpose: POST reveal with a purpose; hidden: the "
        "firm keeps owners' numbers hidden (calls go through the system); masked: "
        "no reveal.",
    )

    def to_representation(self, customer):
        data = super().to_representation(customer)
        data["phone_access"] = self.context["phone_access"]
        return data


class FollowUpSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.ChoiceField(choices=FollowUpKind.choices)
    content = serializers.CharField(max_length=2000)
    next_at = serializers.DateTimeField(required=False, allow_null=True)
    author = serializers.IntegerField(source="author_id", read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class AssignSerializer(serializers.Serializer):
    owner = IdField()


@extend_schema_serializer(component_name="CustomerReveal")
class RevealSerializer(serializers.Serializer):
    field = serializers.ChoiceField(choices=["phone", "id_number"])
    purpose = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )


class ExportRequestSerializer(serializers.Serializer):
    q = serializers.CharField(max_length=100, required=False, allow_blank=True)
    stage = IdField(required=False, allow_null=True)
    rating = serializers.ChoiceField(choices=Rating.choices, required=False)
    full_numbers = serializers.BooleanField(required=False, default=False)
    purpose = serializers.CharField(max_length=200, required=False, allow_blank=True)


class ExportJobSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    approval = serializers.CharField()
    rows = serializers.IntegerField()
    estimated_rows = serializers.IntegerField()
    full_numbers = serializers.BooleanField()
    sha256 = serializers.CharField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    download = serializers.SerializerMethodField()

    def get_download(self, job) -> str | None:
        if job.status != "completed":
            return None
        return "/api/v1/customers/exports/%d/file/" % job.pk
