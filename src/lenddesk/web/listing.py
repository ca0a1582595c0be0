"""The shape the staff lists share with ``web/_pagination.html``: a search box
(``q``), a status filter (``status``) and numbered pages."""

from __future__ import annotations

from collections.abc import Collection

from django.core.paginator import Page, Paginator

SEARCH_MAX = 80
PAGE_SIZE = 25


def list_filters(request, statuses: Collection[str]) -> tuple[str, str]:
    """The search text (trimmed, at most ``SEARCH_MAX`` characters) and the status
    asked for: empty unless it is one of ``statuses``."""
    q = request.GET.get("q", "").strip()[:SEARCH_MAX]
    status = request.GET.get("status", "")
    return q, status if status in statuses else ""


def list_page(request, rows, per_page: int = PAGE_SIZE) -> Page:
    """The page of ``rows`` the query string asks for (the last one past the end,
    the first one when it is not a number)."""
    return Paginator(rows, per_page).get_page(request.GET.get("page"))
