"""The dashboards' numbers as JSON (``/api/v1/analytics/<dashboard>/``) for the mobile
app: the same selectors as the pages, so the same numbers. Amounts and rates are
decimal strings; no customer's name, phone or ID is ever part of an answer."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import override
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.response import Response

from lenddesk.analytics.facts import freshness
from lenddesk.analytics.selectors import (
    DASHBOARDS,
    Column,
    Dashboard,
    DashboardSpec,
    Table,
    Tile,
    filters_from,
)
from lenddesk.analytics.selectors.common import INT, TEXT
from lenddesk.web.api import ERROR_SCHEMA, TenantAPIView

TAGS = ["analytics"]
ERRORS = {code: ERROR_SCHEMA for code in (400, 403)}
PARAMETERS = [
    OpenApiParameter(
        "from",
        str,
        description="First day, YYYY-MM-DD (default: the 1st of this month)",
    ),
    OpenApiParameter("to", str, description="Last day, YYYY-MM-DD (default: today)"),
    OpenApiParameter(
        "department",
        int,
        description="A department within your data scope (and everything below it)",
    ),
]


def _value(value, kind: str):
    if value is None:
        return None
    if kind == TEXT:
        return str(value)
    if isinstance(value, Decimal) or kind != INT:
        return str(value)
    return value


def _row(table: Table, values: dict) -> dict:
    return {c.key: _value(values.get(c.key), c.kind) for c in table.columns}


def _tile(tile: Tile) -> dict:
    return {
        "key": tile.key,
        "label": str(tile.label),
        "value": _value(tile.value, tile.kind),
        "previous": _value(tile.previous, tile.kind),
        "change": _value(tile.change, "percent"),
        "live": tile.group == "todo",
    }


def dashboard_json(spec: DashboardSpec, board: Dashboard) -> dict:
    f = board.filters
    refreshed = freshness()
    return {
        "dashboard": spec.key,
        "title": str(spec.title),
        "date_from": f.date_from.isoformat(),
        "date_to": f.date_to.isoformat(),
        "department": f.department_id,
        "updated_at": refreshed.isoformat() if refreshed else None,
        "tiles": [_tile(t) for t in board.tiles],
        "tables": {
            t.key: {
                "title": str(t.title),
                "rows": [_row(t, values) for values in t.rows],
                "total": _row(t, t.total) if t.total else None,
            }
            for t in board.tables
        },
    }


# --- the OpenAPI description, from the same column lists the selectors fill ---------


def _field(column: Column) -> serializers.Field:
    with override("en"):  # the contract is written in English
        help_text = str(column.label)
    if column.kind == TEXT:
        return serializers.CharField(help_text=help_text)
    if column.kind == INT:
        return CountOrAmount(allow_null=True, help_text=help_text)
    return serializers.DecimalField(
        max_digits=20, decimal_places=2, allow_null=True, help_text=help_text
    )


@extend_schema_field(
    {
        "oneOf": [
            {"type": "integer"},
            {"type": "string", "format": "decimal", "pattern": r"^-?\d+(\.\d+)?$"},
        ],
        "nullable": True,
        "description": "A count (integer) or an amount in yuan (decimal string); "
        "null where there is nothing to compare",
    }
)
class CountOrAmount(serializers.Field):
    """Counts are integers; a row of amounts in a column of counts (the funnel's
    fees) and money tiles are decimal strings, exact to the cent."""


TILE = inline_serializer(
    "AnalyticsTile",
    {
        "key": serializers.CharField(),
        "label": serializers.CharField(),
        "value": CountOrAmount(),
        "previous": CountOrAmount(allow_null=True),
        "change": serializers.DecimalField(
            max_digits=9,
            decimal_places=1,
            allow_null=True,
            help_text="Month-on-month change in percent",
        ),
        "live": serializers.BooleanField(help_text="Counted now, not rolled up"),
    },
)


def _schema(spec: DashboardSpec):
    name = "Analytics%s" % spec.key.title()
    tables = {}
    for key, columns in spec.tables:
        row = inline_serializer(
            "%s%sRow" % (name, key.title()), {c.key: _field(c) for c in columns}
        )
        tables[key] = inline_serializer(
            "%s%sTable" % (name, key.title()),
            {
                "title": serializers.CharField(),
                "rows": row.__class__(many=True),
                "total": row.__class__(allow_null=True),
            },
        )
    return inline_serializer(
        name,
        {
            "dashboard": serializers.CharField(),
            "title": serializers.CharField(),
            "date_from": serializers.DateField(),
            "date_to": serializers.DateField(),
            "department": serializers.IntegerField(allow_null=True),
            "updated_at": serializers.DateTimeField(
                allow_null=True, help_text="When the rollups were last rebuilt"
            ),
            "tiles": TILE.__class__(many=True),
            "tables": inline_serializer("%sTables" % name, tables),
        },
    )


class DashboardAPI(TenantAPIView):
    module = "analytics"
    dashboard = ""

    def get(self, request):
        spec = DASHBOARDS[self.dashboard]
        f = filters_from(request.user, request.query_params)
        board = spec.read(
            request.user,
            date_from=f.date_from,
            date_to=f.date_to,
            department_id=f.department_id,
        )
        return Response(dashboard_json(spec, board))


def api_view(key: str):
    """The API view of one dashboard, with its permission codes and schema."""
    spec = DASHBOARDS[key]

    def get(self, request):
        return DashboardAPI.get(self, request)

    get = extend_schema(
        parameters=PARAMETERS,
        responses={200: _schema(spec), **ERRORS},
        operation_id="analytics_%s" % key,
        tags=TAGS,
        description="The numbers of the page /analytics/%s, within your data scope. "
        "A bad date or department answers 400 naming the parameter."
        % ("" if key == "overview" else key + "/"),
    )(get)
    view = type(
        "%sDashboardAPI" % key.title(),
        (DashboardAPI,),
        {"dashboard": key, "permissions": {"GET": spec.codes}, "get": get},
    )
    return view.as_view()
