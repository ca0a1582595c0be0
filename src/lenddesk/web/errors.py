"""The one error vocabulary of every machine-readable answer (SPEC: the public API).

Every refusal is ``{"error": code, "detail": text, "fields": {field: [messages]}}``;
``error_body`` builds it and ``error_response`` sends it. A service raises a
``ValidationError`` with a code; the HTTP status that code answers with lives in one
table, ``ERROR_STATUS``, so no view compares code strings to pick a status.
"""

from __future__ import annotations

from django.http import JsonResponse

# A service's error code → the HTTP status the API answers with. Codes not listed
# answer 400 (the input was refused); only conflicts and limits differ.
ERROR_STATUS: dict[str, int] = {
    "already_claimed": 409,
    "conflict": 409,
    "order_conflict": 409,
    "warrant_conflict": 409,
    "already_decided": 409,
    "already_disbursed": 409,
    "already_revoked": 409,
    "bad_signature": 401,
    "customer_call_cap": 429,
    "user_call_cap": 429,
    "no_caller_number": 429,
    "provider_failed": 502,
    "call_already_noted": 409,
    "already_approved": 409,
    "already_paid": 409,
    "month_closed": 409,
    "credit_report_guarded": 403,
    "no_authorisation": 403,
    "authorisation_expired": 403,
    "authorisation_revoked": 403,
    "partner_locked_out": 429,
    "rate_limited": 429,
    "throttled": 429,
    "task_already_done": 409,
}


def status_for(code: str | None, default: int = 400) -> int:
    return ERROR_STATUS.get(str(code or ""), default)


def error_body(code: str, detail: str, fields: dict | None = None) -> dict:
    return {"error": code, "detail": detail, "fields": fields or {}}


def error_response(
    code: str,
    detail: str,
    status: int | None = None,
    *,
    fields: dict | None = None,
    headers: dict | None = None,
) -> JsonResponse:
    """The error shape as a plain Django answer (middleware, machine endpoints); DRF
    views raise and let ``web.api.exception_handler`` answer."""
    return JsonResponse(
        error_body(code, detail, fields),
        status=status or status_for(code),
        headers=headers,
    )
