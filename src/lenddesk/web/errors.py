"""The one error shape of every machine-readable answer (SPEC: the public API)."""


def error_body(code: str, detail: str, fields: dict | None = None) -> dict:
    return {"error": code, "detail": detail, "fields": fields or {}}
