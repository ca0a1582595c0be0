"""The core order pages: board, lists, the order page and its moves, opening and
editing an order, and the customer page's order slot."""

from django.urls import path

from lenddesk.orders.views import boards, detail, lists, records

urlpatterns = [
    path("", lists.OrderListView.as_view(), name="list"),
    path("board/", boards.BoardView.as_view(), name="board"),
    path("board/column/", boards.BoardColumnView.as_view(), name="board_column"),
    path("overdue/", lists.OverdueListView.as_view(), name="overdue"),
    path("new/", records.OrderCreateView.as_view(), name="create"),
    path("<int:order_id>/", detail.OrderDetailView.as_view(), name="detail"),
    path(
        "<int:order_id>/progress/",
        detail.OrderProgressView.as_view(),
        name="progress",
    ),
    path("<int:order_id>/move/", detail.OrderMoveView.as_view(), name="move"),
    path("<int:order_id>/edit/", records.OrderEditView.as_view(), name="edit"),
    path(
        "customer/<int:customer_id>/",
        detail.CustomerOrdersView.as_view(),
        name="customer_orders",
    ),
]
