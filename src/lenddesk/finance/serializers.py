"""The finance API's shapes. Money is a string with two places."""

from __future__ import annotations

from django.utils import timezone
from rest_framework import serializers

from lenddesk.finance.models import Receipt, ReceiptKind, Receivable
from lenddesk.finance.selectors import AGING
from lenddesk.web.params import IdField

MONEY = {"max_digits": 14, "decimal_places": 2}


def aging_of(receivable: Receivable, today=None) -> str | None:
    """The aging bucket of an open fee (days since it fell due), else None."""
    if receivable.status != "open":
        return None
    days = ((today or timezone.localdate()) - receivable.due_on).days
    for key, _label, low, high in AGING:
        if days >= low and (high is None or days <= high):
            return key
    return None


class ReceivableSerializer(serializers.ModelSerializer):
    order_number = serializers.CharField(source="order.number")
    customer_name = serializers.CharField(source="order.customer.shown_name")
    owner = serializers.IntegerField(source="order.owner_id")
    aging = serializers.SerializerMethodField()
    amount = serializers.DecimalField(**MONEY)
    received = serializers.DecimalField(**MONEY)
    written_off = serializers.DecimalField(**MONEY)
    outstanding = serializers.DecimalField(**MONEY)

    class Meta:
        model = Receivable
        fields = [
            "id",
            "order",
            "order_number",
            "customer_name",
            "owner",
            "amount",
            "basis",
            "received",
            "written_off",
            "outstanding",
            "status",
            "due_on",
            "period",
            "aging",
            "created_at",
        ]

    def get_aging(self, obj) -> str | None:
        return aging_of(obj)


class ReceiptSerializer(serializers.ModelSerializer):
    order_number = serializers.CharField(source="order.number")
    account_name = serializers.SerializerMethodField()
    amount = serializers.DecimalField(**MONEY)

    class Meta:
        model = Receipt
        fields = [
            "id",
            "receivable",
            "order",
            "order_number",
            "kind",
            "amount",
            "occurred_on",
            "period",
            "account",
            "account_name",
            "invoice_no",
            "reference",
            "note",
            "refund_of",
            "recorded_by",
            "created_at",
        ]

    def get_account_name(self, obj) -> str | None:
        return str(obj.account) if obj.account_id else None


class ReceiptCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ReceiptKind.choices)
    receivable = IdField(required=False)
    order = IdField(required=False)
    amount = serializers.CharField(
        max_length=24,
        required=False,
        allow_blank=True,
        help_text='yuan, e.g. "1500.00"; a write-off without one takes all that is owed',
    )
    occurred_on = serializers.DateField()
    account = IdField(
        required=False, help_text="a registered account; not for write-offs"
    )
    invoice_no = serializers.CharField(max_length=40, required=False, allow_blank=True)
    reference = serializers.CharField(max_length=80, required=False, allow_blank=True)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)
    refund_of = IdField(required=False, help_text="refunds: the receipt paid back")

    def validate(self, data):
        if not data.get("receivable") and not data.get("order"):
            raise serializers.ValidationError(
                {"order": ["Give the order (or the receivable)."]}
            )
        return data
