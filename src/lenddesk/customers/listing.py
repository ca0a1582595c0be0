"""The customer list page's columns, sort links and filter labels: what the person
chose to see, carried in the address so a saved view (我的视图) keeps it."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from lenddesk.customers.list_filters import ListOrder

# (key, header, the sort it offers, that sort's first direction: descending?)
COLUMNS = (
    ("phone", _("Mobile phone"), None, False),
    ("city", _("City"), None, False),
    ("stage", _("Stage"), None, False),
    ("rating", _("Rating"), None, False),
    ("amount", _("Amount wanted"), "amount", True),
    ("owner", _("Owner"), None, False),
    ("channel", _("Channel"), None, False),
    ("tags", _("Tags"), None, False),
    ("created", _("Created at"), "created", True),
    ("last_followup", _("Last follow-up"), "last_followup", False),
    ("next_followup", _("Next follow-up"), "next_followup", False),
)
DEFAULT_COLUMNS = ("phone", "stage", "rating", "amount", "owner", "next_followup")
SORT_CHOICES = (
    ("-created", _("Newest first")),
    ("created", _("Oldest first")),
    ("-amount", _("Largest amount first")),
    ("amount", _("Smallest amount first")),
    ("next_followup", _("Next follow-up soonest")),
    ("-next_followup", _("Next follow-up latest")),
    ("last_followup", _("Longest without follow-up")),
    ("-last_followup", _("Most recently followed up")),
)
# The parameters a filter box sends, for the notice naming what was ignored.
FILTER_LABELS = {
    "stage": _("Stage"),
    "owner": _("Owner"),
    "department": _("Department"),
    "from": _("Created from"),
    "to": _("Created to"),
    "amount_min": _("Amount from"),
    "amount_max": _("Amount to"),
}
PAGING = ("before", "cursor")


def chosen_columns(params) -> tuple[str, ...]:
    """The columns ticked in the chooser (``cols=1`` marks that it was sent, so
    unticking everything is kept), else the defaults."""
    if params.get("cols") != "1":
        return DEFAULT_COLUMNS
    wanted = set(params.getlist("col"))
    return tuple(key for key, *_rest in COLUMNS if key in wanted)


@dataclass(frozen=True)
class Header:
    key: str
    label: str
    href: str  # empty when the column does not sort
    sorted: str  # "asc", "desc" or ""


def headers(params, columns: tuple[str, ...], order: ListOrder) -> list[Header]:
    """Column headers; a sortable one links to its sort, and a second click turns
    the direction round."""
    shown = []
    for key, label, sort_key, descending_first in COLUMNS:
        if key not in columns:
            continue
        href, state = "", ""
        if sort_key is not None:
            descending = descending_first
            if order.key == sort_key:
                state = "desc" if order.descending else "asc"
                descending = not order.descending
            href = "?" + with_params(
                params, sort=("-" if descending else "") + sort_key
            )
        shown.append(Header(key, str(label), href, state))
    return shown


def with_params(params, **changes) -> str:
    """The page's query string without its page cursor, with ``changes`` applied."""
    query = params.copy() if isinstance(params, QueryDict) else QueryDict(mutable=True)
    for name in PAGING:
        query.pop(name, None)
    for name, value in changes.items():
        query[name] = value
    return query.urlencode()


def ignored_labels(names: tuple[str, ...]) -> list[str]:
    return [str(FILTER_LABELS.get(name, name)) for name in names]
