"""The core orders API: list and open, read and change, the moves."""

from django.urls import path

from lenddesk.orders import api

urlpatterns = [
    path("orders/", api.OrderListAPI.as_view(), name="order_list"),
    path("orders/<int:pk>/", api.OrderDetailAPI.as_view(), name="order_detail"),
    path("orders/<int:pk>/moves/", api.OrderMovesAPI.as_view(), name="order_moves"),
]
