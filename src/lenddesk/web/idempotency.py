"""``Idempotency-Key`` for API commands (claim, assign, release, create, follow-up).

The first request with a key runs and its answer is stored in the same transaction.
A retry with the same key and the same request gets the stored answer (header
``Idempotent-Replayed: true``); a concurrent retry waits on the unique index until the
first commits, then replays. The same key with a different request is refused (422).
Failed requests store nothing, so they may be retried.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from functools import wraps

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.response import Response

from lenddesk.web.errors import error_body
from lenddesk.web.models import IdempotencyRecord

HEADER = "Idempotency-Key"
KEEP_FOR = dt.timedelta(hours=24)


def _fingerprint(request, args, kwargs) -> str:
    digest = hashlib.sha256()
    digest.update(request.method.encode())
    digest.update(request.path.encode())
    digest.update(repr(sorted(kwargs.items())).encode())
    digest.update(request.body or b"")
    return digest.hexdigest()


def _error(code: str, detail: str, status: int) -> Response:
    return Response(error_body(code, detail, {HEADER: [detail]}), status=status)


def _replay(record: IdempotencyRecord, fingerprint: str) -> Response:
    if record.fingerprint != fingerprint:
        return _error(
            "idempotency_key_reused",
            "This Idempotency-Key was already used for a different request.",
            422,
        )
    response = Response(record.body, status=record.status_code)
    response["Idempotent-Replayed"] = "true"
    return response


def _twin_answer(request, key: str, fingerprint: str) -> Response:
    twin = IdempotencyRecord.objects.filter(actor=request.user, key=key).first()
    if twin is None or twin.status_code == 0:
        return _error("conflict", "The same request is still running; retry.", 409)
    return _replay(twin, fingerprint)


def idempotent(handler):
    """Decorate an API view's POST/PATCH handler."""

    @wraps(handler)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(HEADER, "").strip()
        if not key:
            return handler(view, request, *args, **kwargs)
        if len(key) > 100 or not key.isprintable():
            return _error(
                "invalid", "Idempotency-Key must be 1–100 printable characters.", 400
            )
        fingerprint = _fingerprint(request, args, kwargs)
        existing = IdempotencyRecord.objects.filter(actor=request.user, key=key).first()
        if existing is not None:
            return _replay(existing, fingerprint)
        with transaction.atomic():
            try:
                # Taking the key first makes a concurrent twin wait here until this
                # request commits (or rolls back and frees the key).
                with transaction.atomic():
                    record = IdempotencyRecord.objects.create(
                        actor=request.user,
                        key=key,
                        fingerprint=fingerprint,
                        status_code=0,
                    )
            except IntegrityError:
                return _twin_answer(request, key, fingerprint)
            response = handler(view, request, *args, **kwargs)
            if response.status_code >= 400 or not hasattr(response, "data"):
                transaction.set_rollback(True)
                return response
            IdempotencyRecord.objects.filter(pk=record.pk).update(
                status_code=response.status_code, body=response.data
            )
            return response

    return wrapper


def prune_idempotency_records() -> int:
    cutoff = timezone.now() - KEEP_FOR
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
