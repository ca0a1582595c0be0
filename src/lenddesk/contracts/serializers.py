"""API shapes of contracts."""

from __future__ import annotations

from django.urls import reverse
from rest_framework import serializers

from lenddesk.contracts.models import ContractKind, ContractStatus, PdfState
from lenddesk.contracts.services.contracts import REASON_MAX
from lenddesk.web.params import IdField


class VersionSerializer(serializers.Serializer):
    number = serializers.IntegerField(read_only=True)
    template = serializers.IntegerField(read_only=True, source="template_id")
    pdf_state = serializers.ChoiceField(choices=PdfState.choices, read_only=True)
    full_id = serializers.BooleanField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    docx_url = serializers.SerializerMethodField()
    pdf_url = serializers.SerializerMethodField()

    def _url(self, version, fmt: str) -> str:
        return reverse(
            "api:contract_download_%s" % fmt,
            args=[version.contract_id, version.number],
        )

    def get_docx_url(self, version) -> str:
        return self._url(version, "docx")

    def get_pdf_url(self, version) -> str | None:
        return (
            self._url(version, "pdf") if version.pdf_state == PdfState.READY else None
        )


class ContractSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    number = serializers.CharField(read_only=True)
    kind = serializers.ChoiceField(choices=ContractKind.choices, read_only=True)
    status = serializers.ChoiceField(choices=ContractStatus.choices, read_only=True)
    order = serializers.IntegerField(read_only=True, source="order_id")
    order_number = serializers.CharField(read_only=True, source="order.number")
    customer = serializers.IntegerField(read_only=True, source="order.customer_id")
    customer_name = serializers.CharField(read_only=True, source="order.customer.name")
    version = serializers.IntegerField(read_only=True)
    signed_scan = serializers.IntegerField(
        read_only=True, source="signed_scan_id", allow_null=True
    )
    created_at = serializers.DateTimeField(read_only=True)
    sent_at = serializers.DateTimeField(read_only=True, allow_null=True)
    signed_at = serializers.DateTimeField(read_only=True, allow_null=True)
    voided_at = serializers.DateTimeField(read_only=True, allow_null=True)
    void_reason = serializers.CharField(read_only=True)


class ContractDetailSerializer(ContractSerializer):
    versions = VersionSerializer(many=True, read_only=True, source="version_rows")


class GenerateSerializer(serializers.Serializer):
    order = IdField()
    kind = serializers.ChoiceField(choices=ContractKind.choices)


class VoidSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=REASON_MAX)


class SignSerializer(serializers.Serializer):
    scan = serializers.FileField()
