"""The orders API's shapes. Input serializers only shape and bound the input; the
services check the rules (the pages share them)."""

from __future__ import annotations

from decimal import Decimal

from rest_framework import serializers

from lenddesk.orders.models import FeeKind, Order, OrderMove
from lenddesk.orders.services.moves import MOVES
from lenddesk.orders.services.orders import MAX_PRODUCTS
from lenddesk.orders.services.terms import AMOUNT_MAX, TERM_MAX, TERM_MIN, TIERS_MAX
from lenddesk.web.params import IdField


class NodeSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()


class OrderSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.shown_name")
    workflow = serializers.IntegerField(source="version.workflow_id")
    workflow_version = serializers.IntegerField(source="version_id")
    node = NodeSerializer()
    products = serializers.SerializerMethodField()
    version = serializers.IntegerField(source="lock_version")

    class Meta:
        model = Order
        fields = [
            "id",
            "number",
            "customer",
            "customer_name",
            "owner",
            "processor",
            "workflow",
            "workflow_version",
            "node",
            "status",
            "amount",
            "term_months",
            "fee_kind",
            "fee_rate",
            "fee_fixed",
            "fee_tiers",
            "products",
            "channel",
            "partner",
            "note",
            "version",
            "node_entered_at",
            "node_due_at",
            "is_overdue",
            "cancel_reason",
            "created_at",
            "updated_at",
            "closed_at",
        ]
        read_only_fields = fields

    def get_products(self, order) -> list[int]:
        lines = getattr(order, "_prefetched_objects_cache", {}).get("lines")
        if lines is None:
            lines = order.lines.all()
        return [line.product_id for line in sorted(lines, key=lambda x: x.position)]


class TierSerializer(serializers.Serializer):
    up_to = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=AMOUNT_MAX,
        allow_null=True,
        required=False,
    )
    rate = serializers.DecimalField(
        max_digits=7, decimal_places=4, min_value=Decimal("0"), max_value=100
    )


class _TermsInput(serializers.Serializer):
    products = serializers.ListField(
        child=IdField(), min_length=1, max_length=MAX_PRODUCTS
    )
    amount = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=AMOUNT_MAX,
    )
    term_months = serializers.IntegerField(min_value=TERM_MIN, max_value=TERM_MAX)
    fee_kind = serializers.ChoiceField(choices=FeeKind.choices)
    fee_rate = serializers.DecimalField(
        max_digits=7,
        decimal_places=4,
        min_value=Decimal("0"),
        max_value=100,
        required=False,
        allow_null=True,
    )
    fee_fixed = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=AMOUNT_MAX,
        required=False,
        allow_null=True,
    )
    fee_tiers = serializers.ListField(
        child=TierSerializer(), max_length=TIERS_MAX, required=False
    )
    processor = IdField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class OrderCreateSerializer(_TermsInput):
    customer = IdField()
    workflow = IdField(
        required=False,
        allow_null=True,
        help_text="a workflow id; by default the main product's type decides",
    )


class OrderPatchSerializer(_TermsInput):
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**31,
        help_text="the order's version you saw; a stale one answers 409",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)


class MoveInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[(k, k) for k in MOVES])
    to_node = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, max_length=40
    )
    comment = serializers.CharField(required=False, allow_blank=True, max_length=500)
    version = serializers.IntegerField(min_value=1, max_value=2**31)


class MoveSerializer(serializers.ModelSerializer):
    from_node = NodeSerializer(allow_null=True)
    to_node = NodeSerializer(allow_null=True)
    actor_name = serializers.SerializerMethodField()
    version = serializers.IntegerField(source="lock_version")

    class Meta:
        model = OrderMove
        fields = [
            "id",
            "kind",
            "from_node",
            "to_node",
            "comment",
            "actor",
            "actor_name",
            "version",
            "created_at",
        ]
        read_only_fields = fields

    def get_actor_name(self, move) -> str:
        return str(move.actor) if move.actor_id else ""


class MoveResultSerializer(serializers.Serializer):
    move = MoveSerializer()
    order = OrderSerializer()
