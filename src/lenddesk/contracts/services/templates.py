"""Uploading contract templates and setting the numbering of each contract type."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from lenddesk.audit.services import audit_record
from lenddesk.contracts import files
from lenddesk.contracts.docx_files import check_docx, placeholders_of
from lenddesk.contracts.errors import ContractError, refusal
from lenddesk.contracts.models import (
    DEFAULT_PREFIX,
    ContractKind,
    ContractSetting,
    ContractTemplate,
)
from lenddesk.contracts.placeholders import refused_for
from lenddesk.contracts.services.common import ContractAudit
from lenddesk.customers.documents import safe_filename
from lenddesk.tenancy.context import require_current_tenant

PREFIX = re.compile(r"^[A-Z][A-Z0-9]{0,7}$")
NAME_MAX = 80


def clean_kind(kind, field: str = "kind") -> str:
    if kind not in ContractKind.values:
        raise ValidationError({field: _("Choose a contract type.")})
    return kind


@transaction.atomic
def template_upload(*, actor, kind: str, name: str, upload) -> ContractTemplate:
    """Store a new version of the firm's template of ``kind`` after checking it: a
    plain .docx whose placeholders are all in the catalogue for that type. Unknown
    ones are refused by name, so a typo never leaves a blank in a signed contract."""
    clean_kind(kind)
    name = " ".join((name or "").split())[:NAME_MAX] or str(ContractKind(kind).label)
    if upload is None:
        raise refusal(
            "file", _("Choose the .docx file of the template."), ContractError.NOT_DOCX
        )
    filename = safe_filename(upload.name)
    data = upload.read()
    check_docx(data, filename)
    names = placeholders_of(data)
    _refuse_unknown(kind, names)
    version = (
        ContractTemplate.objects.filter(kind=kind).aggregate(v=Max("version"))["v"] or 0
    ) + 1
    stored = files.store(require_current_tenant().pk, data)
    template = ContractTemplate.objects.create(
        kind=kind,
        version=version,
        name=name,
        filename=filename,
        stored_name=stored.name,
        sha256=stored.sha256,
        size=stored.size,
        placeholders=names,
        uploaded_by=actor,
    )
    audit_record(
        actor=actor,
        action=ContractAudit.TEMPLATE_UPLOADED,
        target=template,
        changes={"kind": kind, "version": version, "sha256": stored.sha256},
    )
    return template


def _refuse_unknown(kind: str, names: list[str]) -> None:
    unknown, misplaced = refused_for(kind, names)
    if unknown:
        raise refusal(
            "file",
            _(
                "Unknown placeholders: %(names)s. Use only the placeholders listed on this page (check the spelling)."
            )
            % {"names": ", ".join(unknown)},
            ContractError.UNKNOWN_PLACEHOLDERS,
        )
    if misplaced:
        raise refusal(
            "file",
            _("Not allowed in this contract type: %(names)s.")
            % {"names": ", ".join(misplaced)},
            ContractError.UNKNOWN_PLACEHOLDERS,
        )


def template_data(template: ContractTemplate) -> bytes:
    return files.load(template.tenant_id, template.stored_name)


def current_template(kind: str) -> ContractTemplate | None:
    return ContractTemplate.objects.filter(kind=kind).order_by("-version").first()


@transaction.atomic
def setting_update(
    *, actor, kind: str, prefix: str, valid_months: int
) -> ContractSetting:
    clean_kind(kind)
    prefix = (prefix or "").strip().upper()
    if not PREFIX.match(prefix):
        raise ValidationError(
            {"prefix": _("1 to 8 capital letters or digits, starting with a letter.")}
        )
    if not isinstance(valid_months, int) or not 1 <= valid_months <= 60:
        raise ValidationError({"valid_months": _("From 1 to 60 months.")})
    taken = {
        k: (
            ContractSetting.objects.filter(kind=k)
            .values_list("prefix", flat=True)
            .first()
            or DEFAULT_PREFIX[k]
        )
        for k in ContractKind.values
        if k != kind
    }
    if prefix in taken.values():
        raise ValidationError({"prefix": _("Another contract type uses this prefix.")})
    setting, _created = ContractSetting.objects.update_or_create(
        kind=kind, defaults={"prefix": prefix, "valid_months": valid_months}
    )
    audit_record(
        actor=actor,
        action=ContractAudit.SETTINGS_CHANGED,
        target=setting,
        changes={"kind": kind, "prefix": prefix, "valid_months": valid_months},
    )
    return setting


def settings_rows() -> list[dict]:
    saved = {s.kind: s for s in ContractSetting.objects.all()}
    rows = []
    for kind, label in ContractKind.choices:
        setting = saved.get(kind)
        rows.append(
            {
                "kind": kind,
                "label": label,
                "prefix": setting.prefix if setting else DEFAULT_PREFIX[kind],
                "valid_months": setting.valid_months if setting else 12,
            }
        )
    return rows
