"""API shapes of warrant tasks and the custody register."""

from __future__ import annotations

from rest_framework import serializers

from lenddesk.warrants.forms import LOCK_MAX
from lenddesk.warrants.models import OriginalKind, WarrantKind, WarrantStatus
from lenddesk.warrants.services.custody import MAX_ITEMS
from lenddesk.web.params import IdField


class WarrantTaskSerializer(serializers.Serializer):
    """A warrant task; on create: ``kind`` and optionally handler, appointment,
    place and note."""

    id = serializers.IntegerField(read_only=True)
    order = serializers.IntegerField(read_only=True, source="order_id")
    kind = serializers.ChoiceField(choices=WarrantKind.choices)
    status = serializers.ChoiceField(choices=WarrantStatus.choices, read_only=True)
    handler = IdField(required=False, allow_null=True, source="handler_id")
    appointment_at = serializers.DateTimeField(required=False, allow_null=True)
    place = serializers.CharField(max_length=120, required=False, allow_blank=True)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)
    certificate_number = serializers.CharField(read_only=True)
    lock_version = serializers.IntegerField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)
    done_at = serializers.DateTimeField(read_only=True, allow_null=True)


class WarrantTaskPatchSerializer(serializers.Serializer):
    """A change to a task, made against the ``lock_version`` the caller read: a
    stale one answers 409 ``warrant_conflict``. ``status: done`` needs
    ``certificate_number``; ``status: cancelled`` needs ``reason``."""

    lock_version = serializers.IntegerField(min_value=1, max_value=LOCK_MAX)
    status = serializers.ChoiceField(choices=WarrantStatus.choices, required=False)
    handler = IdField(required=False, allow_null=True)
    appointment_at = serializers.DateTimeField(required=False, allow_null=True)
    place = serializers.CharField(max_length=120, required=False, allow_blank=True)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)
    certificate_number = serializers.CharField(
        max_length=60, required=False, allow_blank=True
    )
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True)


class CustodyEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    action = serializers.CharField(read_only=True)
    location = serializers.CharField(read_only=True)
    custodian = serializers.IntegerField(read_only=True, source="custodian_id")
    reason = serializers.CharField(read_only=True)
    due_back_at = serializers.DateTimeField(read_only=True, allow_null=True)
    receipt_scan = serializers.IntegerField(
        read_only=True, source="receipt_scan_id", allow_null=True
    )
    actor = serializers.IntegerField(read_only=True, source="actor_id")
    created_at = serializers.DateTimeField(read_only=True)


class CustodyItemSerializer(serializers.Serializer):
    """An original with its current state (its latest entry)."""

    id = serializers.IntegerField(read_only=True)
    order = serializers.IntegerField(read_only=True, source="order_id")
    kind = serializers.CharField(read_only=True)
    number = serializers.CharField(read_only=True)
    holder = serializers.CharField(read_only=True)
    received_from = serializers.CharField(read_only=True)
    receipt_number = serializers.CharField(read_only=True)
    received_by = serializers.IntegerField(read_only=True, source="received_by_id")
    received_at = serializers.DateTimeField(read_only=True)
    current = CustodyEntrySerializer(read_only=True, allow_null=True)
    is_overdue = serializers.BooleanField(read_only=True)


class OriginalSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=OriginalKind.choices)
    number = serializers.CharField(max_length=60, required=False, allow_blank=True)
    holder = serializers.CharField(max_length=80)


class ReceiveSerializer(serializers.Serializer):
    """Originals received against one receipt; ``receipt_number`` empty or left out
    takes the firm's next number."""

    received_from = serializers.CharField(max_length=80)
    location = serializers.CharField(max_length=80)
    receipt_number = serializers.CharField(
        max_length=32, required=False, allow_blank=True
    )
    items = OriginalSerializer(many=True, allow_empty=False, max_length=MAX_ITEMS)


ENTRY_ACTIONS = ("check_out", "check_in", "moved", "returned")


class EntrySerializer(serializers.Serializer):
    """One step after receiving. ``check_out``: ``to`` (a colleague's id),
    ``reason``, ``due_back_at``. ``check_in``: optional ``location``, ``reason``.
    ``moved``: ``location``, optional ``reason``. ``returned``: ``returned_to`` and
    the signed return receipt, as a file ``receipt_scan`` (multipart) or the id of
    a document already in the customer's file (``receipt_document``); without one
    it answers ``return_receipt_required``."""

    action = serializers.ChoiceField(choices=[(a, a) for a in ENTRY_ACTIONS])
    to = IdField(required=False)
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True)
    due_back_at = serializers.DateTimeField(required=False)
    location = serializers.CharField(max_length=80, required=False, allow_blank=True)
    returned_to = serializers.CharField(max_length=80, required=False, allow_blank=True)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)
    receipt_document = IdField(required=False)
    receipt_scan = serializers.FileField(required=False)
