"""API shapes of funder submissions, disbursements and repayment schedules. Money and
rates are decimal strings; the receiving account is always masked."""

from __future__ import annotations

from rest_framework import serializers

from lenddesk.orders.models import SubmissionStatus
from lenddesk.products.models import RepaymentMethod
from lenddesk.web.params import IdField

MONEY = {"max_digits": 14, "decimal_places": 2}
RATE = {"max_digits": 7, "decimal_places": 4}


class SubmissionDocumentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    version = serializers.IntegerField()
    filename = serializers.CharField()
    required = serializers.BooleanField()


class SubmissionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    order = serializers.IntegerField(source="order_id")
    funder = serializers.IntegerField(source="funder_id")
    funder_name = serializers.CharField(source="funder.name")
    product = serializers.IntegerField(source="product_id", allow_null=True)
    product_name = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=SubmissionStatus.choices)
    documents = SubmissionDocumentSerializer(many=True)
    submitted_by = serializers.IntegerField(source="submitted_by_id", allow_null=True)
    submitted_at = serializers.DateTimeField()
    approved_amount = serializers.DecimalField(allow_null=True, **MONEY)
    approved_rate = serializers.DecimalField(allow_null=True, **RATE)
    approved_term = serializers.IntegerField(allow_null=True)
    rejection_reason = serializers.CharField()
    withdraw_reason = serializers.CharField()
    decided_by = serializers.IntegerField(source="decided_by_id", allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)

    def get_product_name(self, submission) -> str:
        return submission.product.name if submission.product_id else ""


class SubmissionCreateSerializer(serializers.Serializer):
    product = IdField()


class DecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(
        choices=[SubmissionStatus.APPROVED, SubmissionStatus.REJECTED]
    )
    amount = serializers.DecimalField(required=False, allow_null=True, **MONEY)
    rate = serializers.DecimalField(required=False, allow_null=True, **RATE)
    term = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=480
    )
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=300, default=""
    )


class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class DisbursementInSerializer(serializers.Serializer):
    amount = serializers.DecimalField(**MONEY)
    disbursed_on = serializers.DateField()
    first_due_on = serializers.DateField()
    annual_rate = serializers.DecimalField(**RATE)
    term_months = serializers.IntegerField(min_value=1, max_value=480)
    method = serializers.ChoiceField(choices=RepaymentMethod.choices)
    account_bank = serializers.CharField(max_length=80)
    account_number = serializers.CharField(max_length=40)


class DisbursementSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    order = serializers.IntegerField(source="order_id")
    submission = serializers.IntegerField(source="submission_id", allow_null=True)
    amount = serializers.DecimalField(**MONEY)
    disbursed_on = serializers.DateField()
    first_due_on = serializers.DateField()
    annual_rate = serializers.DecimalField(**RATE)
    term_months = serializers.IntegerField()
    method = serializers.ChoiceField(choices=RepaymentMethod.choices)
    account_bank = serializers.CharField()
    account_number = serializers.SerializerMethodField(
        help_text="Masked; reveal on the order page with a purpose."
    )
    recorded_by = serializers.IntegerField(source="recorded_by_id", allow_null=True)
    created_at = serializers.DateTimeField()

    def get_account_number(self, disbursement) -> str:
        return disbursement.masked("account_number")


class InstalmentSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    due_on = serializers.DateField()
    principal = serializers.DecimalField(**MONEY)
    interest = serializers.DecimalField(**MONEY)
    total = serializers.DecimalField(**MONEY)
    balance = serializers.DecimalField(**MONEY)
    paid_on = serializers.DateField(allow_null=True)
    is_overdue = serializers.BooleanField()


class ScheduleTotalsSerializer(serializers.Serializer):
    principal = serializers.DecimalField(**MONEY)
    interest = serializers.DecimalField(**MONEY)
    total = serializers.DecimalField(**MONEY)
    paid = serializers.IntegerField()
    overdue = serializers.IntegerField()


class ScheduleSerializer(serializers.Serializer):
    disbursement = DisbursementSerializer()
    instalments = InstalmentSerializer(many=True)
    totals = ScheduleTotalsSerializer()
