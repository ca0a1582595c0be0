"""API shapes of statements and payout batches (amounts as strings, 2 decimals)."""

from __future__ import annotations

from rest_framework import serializers

from lenddesk.commissions.models import (
    PartnerLine,
    PartnerStatement,
    PayoutBatch,
    PayoutItem,
    StaffLine,
    StaffStatement,
)

STATEMENT_FIELDS = [
    "id",
    "month",
    "status",
    "line_count",
    "approved_at",
    "locked_at",
]


class StaffLineSerializer(serializers.ModelSerializer):
    receipt_date = serializers.DateField(source="receipt.occurred_on")
    order_number = serializers.CharField(source="order.number")

    class Meta:
        model = StaffLine
        fields = [
            "id",
            "receipt",
            "receipt_date",
            "order",
            "order_number",
            "role",
            "share",
            "fee",
            "base",
            "amount",
            "clawback_of",
        ]


class StaffStatementSerializer(serializers.ModelSerializer):
    user_name = serializers.CharField(source="user.display_name")

    class Meta:
        model = StaffStatement
        fields = [*STATEMENT_FIELDS, "user", "user_name", "base_total", "amount_total"]


class StaffStatementDetailSerializer(StaffStatementSerializer):
    lines = StaffLineSerializer(many=True, read_only=True)

    class Meta(StaffStatementSerializer.Meta):
        fields = [*StaffStatementSerializer.Meta.fields, "lines"]


class PartnerLineSerializer(serializers.ModelSerializer):
    receipt_date = serializers.DateField(source="receipt.occurred_on")
    order_number = serializers.CharField(source="order.number")

    class Meta:
        model = PartnerLine
        fields = [
            "id",
            "receipt",
            "receipt_date",
            "order",
            "order_number",
            "referrer",
            "level",
            "rate",
            "fee",
            "amount",
            "clawback_of",
        ]


class PartnerStatementSerializer(serializers.ModelSerializer):
    partner_name = serializers.CharField(source="partner.name")
    paying_entity_name = serializers.CharField(source="paying_entity.name")

    class Meta:
        model = PartnerStatement
        fields = [
            *STATEMENT_FIELDS,
            "partner",
            "partner_name",
            "paying_entity",
            "paying_entity_name",
            "method",
            "gross",
            "taxable",
            "tax",
            "net",
        ]


class PartnerStatementDetailSerializer(PartnerStatementSerializer):
    lines = PartnerLineSerializer(many=True, read_only=True)

    class Meta(PartnerStatementSerializer.Meta):
        fields = [*PartnerStatementSerializer.Meta.fields, "lines"]


class PayoutItemSerializer(serializers.ModelSerializer):
    partner_name = serializers.CharField(source="partner.name")
    month = serializers.DateField(source="statement.month")

    class Meta:
        model = PayoutItem
        fields = ["id", "statement", "partner", "partner_name", "month", "amount"]


class PayoutBatchSerializer(serializers.ModelSerializer):
    class Meta:
        model = PayoutBatch
        fields = [
            "id",
            "number",
            "paying_entity",
            "status",
            "total",
            "item_count",
            "reference",
            "created_at",
            "paid_at",
        ]


class PayoutBatchDetailSerializer(PayoutBatchSerializer):
    items = PayoutItemSerializer(many=True, read_only=True)

    class Meta(PayoutBatchSerializer.Meta):
        fields = [*PayoutBatchSerializer.Meta.fields, "items"]


class PayoutCreateSerializer(serializers.Serializer):
    paying_entity = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    month = serializers.RegexField(r"^\d{4}-\d{2}$", required=False)
    statements = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**31 - 1),
        required=False,
        max_length=5000,
    )


class PayoutPaidSerializer(serializers.Serializer):
    reference = serializers.CharField(max_length=80)
