"""Notifications for the API (the mobile app's inbox)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from lenddesk.notifications import selectors, services
from lenddesk.notifications.models import Notification
from lenddesk.web.api import TenantAPIView, cursor_page
from lenddesk.web.params import int_or_none


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "created_at", "read_at"]
        read_only_fields = fields


class NotificationListAPI(TenantAPIView):
    permissions = {"GET": ()}

    @extend_schema(
        parameters=[
            OpenApiParameter("unread", bool),
            OpenApiParameter("before", int, description="cursor: last id seen"),
        ],
        responses=cursor_page(
            "NotificationPage",
            NotificationSerializer,
            unread=serializers.IntegerField(),
        ),
        tags=["notifications"],
    )
    def get(self, request):
        rows, next_before = selectors.inbox(
            actor=request.user,
            unread_only=request.query_params.get("unread") in ("1", "true"),
            before=int_or_none(request.query_params.get("before")),
        )
        return Response(
            {
                "results": NotificationSerializer(rows, many=True).data,
                "next_before": next_before,
                "unread": selectors.unread_count(actor=request.user),
            }
        )


class NotificationReadAPI(TenantAPIView):
    permissions = {"POST": ()}

    @extend_schema(
        request=None, responses=NotificationSerializer, tags=["notifications"]
    )
    def post(self, request, pk: int):
        notification = selectors.notification_get(actor=request.user, pk=pk)
        services.notification_mark_read(actor=request.user, notification=notification)
        notification.refresh_from_db()
        return Response(NotificationSerializer(notification).data)
