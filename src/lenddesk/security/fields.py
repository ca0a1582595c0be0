"""Encrypted personal fields on a model.

A model lists its fields in ``ENCRYPTED_FIELDS`` (name → kind) and, for each name, has
the columns ``<name>_cipher`` (the AES-GCM blob), ``<name>_index`` (blind index of the
normalised value, for exact search) and, for phones, ``<name>_last4_index``. Values are
normalised before both, so ``138 0013 8000`` and ``+86 138-0013-8000`` are one number.

A ``mobile`` field is a phone field that takes only mainland China mobile numbers:
indexed, masked and searched exactly like a phone (a landline stored before the rule
is still found), refused on entry otherwise.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import ClassVar

from django.core.exceptions import (
    FieldDoesNotExist,
    ImproperlyConfigured,
    ValidationError,
)
from django.db.models import Q

from lenddesk.security.crypto import (
    blind_index,
    decrypt,
    encrypt,
    normalize_mobile,
    normalize_phone,
    validate_national_id,
)
from lenddesk.security.masking import mask
from lenddesk.tenancy.context import require_current_tenant

PHONE = "phone"
MOBILE = "mobile"
NATIONAL_ID = "national_id"
TEXT = "text"
LAST4_PURPOSE = "phone_last4"


def _as_text(raw: str) -> str:
    if not isinstance(raw, str):
        raise TypeError("Encrypted text fields take str values.")
    return raw


NORMALIZERS: dict[str, Callable[[str], str]] = {
    PHONE: normalize_phone,
    MOBILE: normalize_mobile,
    NATIONAL_ID: validate_national_id,
    TEXT: _as_text,
}


def _as_found(kind: str) -> str:
    """The kind a value is indexed, masked and searched as (a mobile is a phone)."""
    return PHONE if kind == MOBILE else kind


def _nothing() -> Q:
    """A condition no row meets (Django answers it without a query)."""
    return Q(pk__in=[])


class EncryptedFieldsMixin:
    """Adds ``set_secret`` / ``get_secret`` / ``masked`` to a tenant model.

    The AAD of every blob is (firm, table, field, ``row_key``), so a blob copied to
    another row, column or firm fails to decrypt. ``row_key`` rather than the primary
    key, because a new row has no primary key when its values are first sealed.
    """

    ENCRYPTED_FIELDS: ClassVar[dict[str, str]] = {}
    REVEAL_CODES: ClassVar[dict[str, str]] = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        unknown = sorted(
            name
            for name, kind in cls.ENCRYPTED_FIELDS.items()
            if kind not in NORMALIZERS
        )
        if unknown:
            raise ImproperlyConfigured(
                "%s.ENCRYPTED_FIELDS: unknown kind for %s; use one of %s."
                % (cls.__name__, ", ".join(unknown), ", ".join(sorted(NORMALIZERS)))
            )
        stray = sorted(set(cls.REVEAL_CODES) - set(cls.ENCRYPTED_FIELDS))
        if stray:
            raise ImproperlyConfigured(
                "%s.REVEAL_CODES names fields that are not encrypted: %s."
                % (cls.__name__, ", ".join(stray))
            )

    @classmethod
    def secret_kind(cls, name: str) -> str:
        try:
            return cls.ENCRYPTED_FIELDS[name]
        except KeyError:
            raise ValueError(
                "%s has no encrypted field %r." % (cls.__name__, name)
            ) from None

    @classmethod
    def _has_column(cls, column: str) -> bool:
        try:
            cls._meta.get_field(column)
        except FieldDoesNotExist:
            return False
        return True

    @classmethod
    def secret_columns(cls, name: str) -> list[str]:
        """The columns ``set_secret(name, …)`` writes, for ``save(update_fields=…)``."""
        kind = _as_found(cls.secret_kind(name))
        columns = ["%s_cipher" % name]
        candidates = ["%s_index" % name]
        if kind == PHONE:
            candidates.append("%s_last4_index" % name)
        return columns + [c for c in candidates if cls._has_column(c)]

    @classmethod
    def index_purpose(cls, name: str) -> str:
        """Phones and ID numbers share one index per firm across models, so a customer
        and a colleague with the same number are found as duplicates; free text is
        indexed per table and column."""
        kind = _as_found(cls.secret_kind(name))
        if kind == TEXT:
            return "text|%s|%s" % (cls._meta.db_table, name)
        return kind

    def secret_aad(self, name: str) -> str:
        return "%d|%s|%s|%s" % (self.tenant_id, self._meta.db_table, name, self.row_key)

    def _bind_tenant(self) -> None:
        tenant = require_current_tenant()
        if self.tenant_id is None:
            self.tenant = tenant
        elif self.tenant_id != tenant.pk:
            raise ValueError(
                "This %s belongs to another firm than the current one."
                % self._meta.model_name
            )

    def set_secret(self, name: str, raw: str | None) -> None:
        """Normalise, encrypt and index ``raw``; ``None`` or blank clears the field.

        Invalid input raises ``ValidationError({name: [message]})``, ready for a form.
        The caller saves the row (``secret_columns(name)`` lists what changed).
        """
        kind = self.secret_kind(name)
        self._bind_tenant()
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            self._clear_secret(name)
            return
        try:
            value = NORMALIZERS[kind](raw)
        except ValidationError as exc:
            raise ValidationError({name: exc.error_list}) from None
        setattr(self, "%s_cipher" % name, encrypt(value, aad=self.secret_aad(name)))
        purpose = self.index_purpose(name)
        if self._has_column("%s_index" % name):
            setattr(self, "%s_index" % name, blind_index(value, purpose=purpose))
        if _as_found(kind) == PHONE and self._has_column("%s_last4_index" % name):
            setattr(
                self,
                "%s_last4_index" % name,
                blind_index(value[-4:], purpose=LAST4_PURPOSE),
            )

    def _clear_secret(self, name: str) -> None:
        for column in self.secret_columns(name):
            setattr(self, column, None if column.endswith("_cipher") else "")

    def get_secret(self, name: str) -> str | None:
        """The plaintext, or ``None`` when unset. Showing it to a person is a reveal:
        go through ``security.services.reveal_field``, which checks and audits."""
        self.secret_kind(name)
        blob = getattr(self, "%s_cipher" % name)
        if not blob:
            return None
        self._bind_tenant()
        return decrypt(blob, aad=self.secret_aad(name))

    def masked(self, name: str) -> str:
        """The value as lists, exports and notifications may show it."""
        return mask(_as_found(self.secret_kind(name)), self.get_secret(name) or "")


def exact_lookup(model: type[EncryptedFieldsMixin], name: str, raw: str | None) -> Q:
    """Rows whose ``name`` equals ``raw`` after normalising, by the blind index of the
    current firm; input that cannot be a valid value matches nothing."""
    kind = _as_found(model.secret_kind(name))
    column = "%s_index" % name
    if not model._has_column(column):
        raise ValueError("%s has no %s column to search." % (model.__name__, column))
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return _nothing()
    try:
        value = NORMALIZERS[kind](raw)
    except (ValidationError, TypeError):
        return _nothing()
    return Q(**{column: blind_index(value, purpose=model.index_purpose(name))})


def last4_lookup(model: type[EncryptedFieldsMixin], name: str, digits: str) -> Q:
    """Rows whose phone ends in ``digits`` (exactly four). Only 10,000 values: combine
    it with other filters inside the actor's scope, never expose it as an oracle."""
    if _as_found(model.secret_kind(name)) != PHONE:
        raise ValueError("Only phone fields have a last-4 index.")
    column = "%s_last4_index" % name
    if not model._has_column(column):
        raise ValueError("%s has no %s column to search." % (model.__name__, column))
    text = (
        unicodedata.normalize("NFKC", digits).strip() if isinstance(digits, str) else ""
    )
    if not re.fullmatch(r"[0-9]{4}", text):
        return _nothing()
    return Q(**{column: blind_index(text, purpose=LAST4_PURPOSE)})
