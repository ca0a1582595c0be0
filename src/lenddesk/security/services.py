"""Reveals of encrypted values and rotation of data keys (SECURITY.md §2.3, §2.4)."""

from __future__ import annotations

import logging
import re
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from lenddesk.audit.models import AuditAction
from lenddesk.audit.services import audit_record
from lenddesk.security import crypto
from lenddesk.security.errors import RateLimited, SecurityError
from lenddesk.security.fields import EncryptedFieldsMixin
from lenddesk.security.models import DataKeyStatus, TenantDataKey
from lenddesk.tenancy.context import require_current_tenant, tenant_context
from lenddesk.tenancy.models import TenantModel
from lenddesk.web.cache import count_hit, give_back, hit_counts

if TYPE_CHECKING:
    from lenddesk.accounts.models import User

logger = logging.getLogger(__name__)

REVEAL_LIMIT = 20
REVEAL_WINDOW_MINUTES = 60
PURPOSE_MIN_LENGTH = 2
PURPOSE_MAX_LENGTH = 200
# Six or more digits (spaces or dashes between them allowed): a phone or ID number
# typed into the purpose must not end up in the audit log.
_NUMBER_RUN = re.compile(r"[0-9](?:[\s-]?[0-9]){5,}[Xx]?")


# --- Reveal --------------------------------------------------------------------------


def reveal_field(
    *,
    actor: User,
    instance: EncryptedFieldsMixin,
    field: str,
    purpose: str,
    granted: bool = False,
) -> str:
    """One encrypted value in clear, for a stated purpose, audited either way.

    Checks, in order: the field can be revealed, a purpose is given, the actor holds
    the field's reveal code, and the actor has not revealed more than ``REVEAL_LIMIT``
    values in the last hour. A refusal writes its audit row in its own atomic block
    and raises only after that block, so raising cannot roll the row back; inside a
    caller's transaction the row commits with it (the request middleware commits 4xx
    responses). The success row is written in the same transaction as the read.

    ``granted``: the caller's own rule already allows this reveal without the field's
    reveal code (an owner showing their own customer's phone under the firm's phone
    policy); the purpose, the hourly limit and the audit row still apply.
    """
    tenant = require_current_tenant()
    if getattr(instance, "tenant_id", None) != tenant.pk:
        raise Http404
    if getattr(actor, "tenant_id", None) != tenant.pk:
        raise PermissionDenied(_("You are not allowed to reveal this value."))
    code = _reveal_code(instance, field)
    purpose = _clean_purpose(purpose)
    if not granted and not actor.has_code(code):
        _record_refusal(
            actor=actor,
            instance=instance,
            field=field,
            purpose=purpose,
            reason=SecurityError.REVEAL_NOT_ALLOWED,
        )
        raise PermissionDenied(_("You are not allowed to reveal this value."))
    retry_after = _take_reveal_quota(tenant_id=tenant.pk, user_id=actor.pk)
    if retry_after is not None:
        _record_refusal(
            actor=actor,
            instance=instance,
            field=field,
            purpose=purpose,
            reason=SecurityError.RATE_LIMITED,
        )
        logger.warning(
            "Reveal limit reached: tenant %s, user %s, %s reveals in %s minutes",
            tenant.pk,
            actor.pk,
            REVEAL_LIMIT,
            REVEAL_WINDOW_MINUTES,
        )
        raise RateLimited(retry_after=retry_after)
    return _reveal(actor=actor, instance=instance, field=field, purpose=purpose)


@transaction.atomic
def _reveal(
    *, actor: User, instance: EncryptedFieldsMixin, field: str, purpose: str
) -> str:
    value = instance.get_secret(field)
    audit_record(
        actor=actor,
        action=AuditAction.FIELD_REVEALED,
        target=instance,
        changes={"field": field},
        purpose=purpose,
    )
    return value or ""


def _reveal_code(instance: object, field: str) -> str:
    codes = getattr(type(instance), "REVEAL_CODES", {})
    if not isinstance(instance, EncryptedFieldsMixin) or field not in codes:
        raise ValidationError(
            {
                "field": ValidationError(
                    _("This value cannot be revealed."),
                    code=SecurityError.UNKNOWN_FIELD,
                )
            }
        )
    return codes[field]


def _clean_purpose(purpose: str) -> str:
    text = unicodedata.normalize("NFKC", purpose) if isinstance(purpose, str) else ""
    text = " ".join(text.split())
    if len(text) < PURPOSE_MIN_LENGTH:
        raise ValidationError(
            {
                "purpose": ValidationError(
                    _("Say why you need to see this value (at least %(n)d characters).")
                    % {"n": PURPOSE_MIN_LENGTH},
                    code=SecurityError.PURPOSE_REQUIRED,
                )
            }
        )
    if len(text) > PURPOSE_MAX_LENGTH:
        raise ValidationError(
            {
                "purpose": ValidationError(
                    _("Keep the purpose to %(n)d characters or fewer.")
                    % {"n": PURPOSE_MAX_LENGTH},
                    code=SecurityError.PURPOSE_TOO_LONG,
                )
            }
        )
    return _NUMBER_RUN.sub("***", text)


def _record_refusal(
    *,
    actor: User,
    instance: EncryptedFieldsMixin,
    field: str,
    purpose: str,
    reason: str,
) -> None:
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditAction.REVEAL_REFUSED,
            target=instance,
            changes={"field": field},
            purpose=purpose,
            result="refused",
            reason=str(reason),
        )


def _bucket_key(tenant_id: int, user_id: int, minute: int) -> str:
    return "security:reveal:%d:%d:%d" % (tenant_id, user_id, minute)


def _take_reveal_quota(*, tenant_id: int, user_id: int) -> int | None:
    """Count one reveal in per-minute counters (a sliding hour to the minute; atomic
    on every backend: ``web.cache.count_hit``). ``None`` when allowed; otherwise the seconds until the oldest counted
    minute leaves the window. The increment comes first, so two concurrent requests
    cannot both take the last slot; a refused attempt gives its count back."""
    now = time.time()
    minute = int(now // 60)
    minutes = range(minute - REVEAL_WINDOW_MINUTES + 1, minute + 1)
    keys = [_bucket_key(tenant_id, user_id, m) for m in minutes]
    current = keys[-1]
    timeout = (REVEAL_WINDOW_MINUTES + 1) * 60
    taken = count_hit(current, timeout)
    earlier = {key: n for key, n in hit_counts(keys[:-1]).items() if n}
    if taken + sum(earlier.values()) <= REVEAL_LIMIT:
        return None
    give_back(current, timeout, None)
    oldest = min(
        (m for m, key in zip(minutes, keys, strict=True) if earlier.get(key)),
        default=minute,
    )
    return max(1, int((oldest + REVEAL_WINDOW_MINUTES) * 60 - now))


# --- Key rotation --------------------------------------------------------------------


@dataclass(frozen=True)
class RotationProgress:
    """Handed to ``progress`` after each committed batch."""

    tenant_id: int
    model: str
    batch: int
    rows: int
    total: int


@dataclass
class RotationReport:
    tenant_id: int
    kek_id: str
    active_key_id: int | None = None
    started: bool = False
    rewrapped: int = 0
    reencrypted: int = 0
    failed: int = 0
    batches: int = 0
    retired: list[int] = field(default_factory=list)
    in_use: dict[int, int] = field(default_factory=dict)


def encrypted_models() -> list[type[models.Model]]:
    """Every concrete model with encrypted fields; rotation re-encrypts these."""
    return [
        model
        for model in apps.get_models()
        if issubclass(model, EncryptedFieldsMixin)
        and issubclass(model, TenantModel)
        and not model._meta.proxy
    ]


def _cipher_columns() -> list[tuple[type[models.Model], str]]:
    """Every ``*_cipher`` binary column of a tenant model, with or without the mixin:
    a key is retired only when none of them uses it, even values rotation cannot
    re-encrypt because their model does not declare them."""
    found = []
    for model in apps.get_models():
        if not issubclass(model, TenantModel) or model._meta.proxy:
            continue
        for model_field in model._meta.concrete_fields:
            if isinstance(
                model_field, models.BinaryField
            ) and model_field.name.endswith("_cipher"):
                found.append((model, model_field.name))
    return found


def _key_range_q(column: str, key_id: int) -> Q:
    lower = crypto.ciphertext_prefix(key_id)
    upper = (
        crypto.ciphertext_prefix(key_id + 1)
        if key_id < crypto.MAX_KEY_ID
        else bytes([crypto.VERSION_AES_GCM[0] + 1])
    )
    return Q(**{"%s__gte" % column: lower, "%s__lt" % column: upper})


def _uses_keys_q(columns: list[str], key_ids: list[int]) -> Q:
    """Rows with a blob under any of ``key_ids``: the key id is the blob's prefix, so
    a byte-range comparison finds them on SQLite and PostgreSQL alike."""
    condition = Q(pk__in=[])
    for column in columns:
        for key_id in key_ids:
            condition |= _key_range_q(column, key_id)
    return condition


def data_key_usage(*, key_id: int) -> dict[str, int]:
    """``{"app.model.column": rows}`` of the current firm's values under ``key_id``."""
    usage = {}
    for model, column in _cipher_columns():
        count = model._default_manager.filter(_key_range_q(column, key_id)).count()
        if count:
            usage["%s.%s" % (model._meta.label_lower, column)] = count
    return usage


@transaction.atomic
def data_key_retire(*, key_id: int) -> TenantDataKey:
    """Mark a retiring key retired, refused while any value still uses it.

    A retired key still decrypts; destroying it (crypto-shredding) is a separate act.
    """
    key = TenantDataKey.objects.select_for_update().filter(key_id=key_id).first()
    if key is None:
        raise ValidationError(
            _("There is no data key %(key)d.") % {"key": key_id},
            code=SecurityError.KEY_NOT_FOUND,
        )
    if key.status == DataKeyStatus.RETIRED:
        return key
    if key.status == DataKeyStatus.ACTIVE:
        raise ValidationError(
            _("Data key %(key)d is active; rotate the keys before retiring it.")
            % {"key": key_id},
            code=SecurityError.KEY_ACTIVE,
        )
    rows = sum(data_key_usage(key_id=key_id).values())
    if rows:
        raise ValidationError(
            _("Data key %(key)d still encrypts %(rows)d values; re-encrypt them first.")
            % {"key": key_id, "rows": rows},
            code=SecurityError.KEY_IN_USE,
        )
    TenantDataKey.objects.filter(pk=key.pk, status=DataKeyStatus.RETIRING).update(
        status=DataKeyStatus.RETIRED, retired_at=timezone.now()
    )
    key.refresh_from_db()
    return key


def data_keys_rotate(
    *,
    batch_size: int = 500,
    progress: Callable[[RotationProgress], None] | None = None,
) -> RotationReport:
    """Rotate the current firm's data keys; resumable and safe to repeat.

    1. Re-wrap every data key under the newest KEK, so older KEKs can leave the ring.
    2. Unless a rotation is already in progress (a key is still retiring), make a new
       active key; the old active key becomes retiring and still decrypts.
    3. Re-encrypt, ``batch_size`` rows at a time, every encrypted value under another
       key. Each batch commits on its own (when no outer transaction is open), so an
       interrupted run keeps its work and the next run picks up the rest: values are
       decrypted then sealed afresh, never sealed twice, and a row that changed
       meanwhile is left for the next batch by a conditional update.
    4. Retire each retiring key that no value uses any more.

    Not one transaction on purpose: a firm's whole data set in one transaction would
    hold locks for minutes. Run it with the firm bound (``bind_tenant``) and no open
    transaction; every step opens its own ``tenant_context``.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1.")
    tenant = require_current_tenant()
    report = RotationReport(tenant_id=tenant.pk, kek_id=crypto.newest_kek_id())
    with tenant_context(tenant):
        _rotation_begin(report)
    if report.active_key_id is None:
        return report
    for model in encrypted_models():
        _reencrypt_model(model, report, batch_size=batch_size, progress=progress)
    with tenant_context(tenant):
        for key in TenantDataKey.objects.filter(status=DataKeyStatus.RETIRING):
            rows = sum(data_key_usage(key_id=key.key_id).values())
            if rows:
                report.in_use[key.key_id] = rows
            else:
                data_key_retire(key_id=key.key_id)
                report.retired.append(key.key_id)
        audit_record(
            action=AuditAction.KEYS_ROTATED,
            object_type=TenantDataKey._meta.label_lower,
            object_id=str(report.active_key_id),
            changes={
                "step": "finished",
                "active_key_id": report.active_key_id,
                "kek_id": report.kek_id,
                "rewrapped": report.rewrapped,
                "reencrypted": report.reencrypted,
                "failed": report.failed,
                "retired": report.retired,
                "still_in_use": {str(k): v for k, v in report.in_use.items()},
            },
        )
    return report


def _rotation_begin(report: RotationReport) -> None:
    keys = list(TenantDataKey.objects.select_for_update().order_by("key_id"))
    if not keys:
        return
    report.rewrapped = sum(crypto.data_key_rewrap(key) for key in keys)
    active = next((k for k in keys if k.status == DataKeyStatus.ACTIVE), None)
    in_progress = any(k.status == DataKeyStatus.RETIRING for k in keys)
    if active is not None and in_progress:
        report.active_key_id = active.key_id
        return
    TenantDataKey.objects.filter(status=DataKeyStatus.ACTIVE).update(
        status=DataKeyStatus.RETIRING
    )
    new_key = crypto.data_key_create(key_id=max(k.key_id for k in keys) + 1)
    report.active_key_id = new_key.key_id
    report.started = True
    audit_record(
        action=AuditAction.KEYS_ROTATED,
        object_type=TenantDataKey._meta.label_lower,
        object_id=str(new_key.key_id),
        changes={
            "step": "started",
            "active_key_id": new_key.key_id,
            "retiring": [k.key_id for k in keys if k.status != DataKeyStatus.RETIRED],
            "kek_id": report.kek_id,
            "rewrapped": report.rewrapped,
        },
    )


def _reencrypt_model(
    model: type[models.Model],
    report: RotationReport,
    *,
    batch_size: int,
    progress: Callable[[RotationProgress], None] | None,
) -> None:
    tenant = require_current_tenant()
    names = list(model.ENCRYPTED_FIELDS)
    columns = ["%s_cipher" % name for name in names]
    pk_name = model._meta.pk.name
    last_pk = None
    while True:
        with tenant_context(tenant):
            key = crypto.active_data_key()
            old_ids = list(
                TenantDataKey.objects.exclude(key_id=key.key_id).values_list(
                    "key_id", flat=True
                )
            )
            if not old_ids:
                return
            rows = model._default_manager.filter(_uses_keys_q(columns, old_ids))
            if last_pk is not None:
                rows = rows.filter(pk__gt=last_pk)
            batch = list(
                rows.order_by("pk").only(pk_name, "tenant", "row_key", *columns)[
                    :batch_size
                ]
            )
            if not batch:
                return
            done = sum(
                _reencrypt_row(model, row, names, key, set(old_ids), report)
                for row in batch
            )
            last_pk = batch[-1].pk
        report.batches += 1
        report.reencrypted += done
        if progress is not None:
            progress(
                RotationProgress(
                    tenant_id=tenant.pk,
                    model=model._meta.label_lower,
                    batch=report.batches,
                    rows=done,
                    total=report.reencrypted,
                )
            )


def _reencrypt_row(
    model: type[models.Model],
    row: EncryptedFieldsMixin,
    names: list[str],
    key: crypto.DataKey,
    old_ids: set[int],
    report: RotationReport,
) -> int:
    updates: dict[str, bytes] = {}
    expected: dict[str, bytes] = {}
    for name in names:
        column = "%s_cipher" % name
        blob = getattr(row, column)
        if not blob:
            continue
        blob = bytes(blob)
        aad = row.secret_aad(name)
        try:
            if crypto.blob_key_id(blob) not in old_ids:
                continue
            plaintext = crypto.decrypt(blob, aad=aad)
        except crypto.DecryptionError:
            report.failed += 1
            logger.warning(
                "Cannot re-encrypt %s %s field %s: it does not decrypt",
                model._meta.label_lower,
                row.pk,
                name,
            )
            continue
        updates[column] = crypto.encrypt(plaintext, aad=aad, key=key)
        expected[column] = blob
    if not updates:
        return 0
    won = model._default_manager.filter(pk=row.pk, **expected).update(**updates)
    return 1 if won else 0
