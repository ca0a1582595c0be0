"""Signed tokens in public links: a staff member's link to a material, a visitor's
onward share, and the ``?s=`` sharer of a form link. A token names its firm, so a
token of one firm never opens anything in another."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core import signing
from django.urls import reverse

_STAFF = signing.Signer(salt="lenddesk.promotion.staff-link")
_ONWARD = signing.Signer(salt="lenddesk.promotion.onward-link")
_SHARER = signing.Signer(salt="lenddesk.promotion.form-sharer")


@dataclass(frozen=True)
class LinkTarget:
    """What a material link points at: a staff sharer (first hop) or a share node."""

    material_id: int
    user_id: int | None = None
    node_id: int | None = None


def staff_token(*, tenant_id: int, material_id: int, user_id: int) -> str:
    return _STAFF.sign("%dm%du%d" % (tenant_id, material_id, user_id))


def onward_token(*, tenant_id: int, material_id: int, node_id: int) -> str:
    return _ONWARD.sign("%dm%dn%d" % (tenant_id, material_id, node_id))


def sharer_token(*, tenant_id: int, user_id: int) -> str:
    return _SHARER.sign("%du%d" % (tenant_id, user_id))


def _unsign(signer: signing.Signer, token: str) -> str | None:
    try:
        return signer.unsign(token or "")
    except signing.BadSignature:
        return None


def read_material_token(token: str, *, tenant_id: int) -> LinkTarget | None:
    """The target of a material link, or None when forged or of another firm."""
    value = _unsign(_STAFF, token)
    if value is not None:
        match = re.fullmatch(r"(\d+)m(\d+)u(\d+)", value)
        if match and int(match[1]) == tenant_id:
            return LinkTarget(material_id=int(match[2]), user_id=int(match[3]))
        return None
    value = _unsign(_ONWARD, token)
    if value is not None:
        match = re.fullmatch(r"(\d+)m(\d+)n(\d+)", value)
        if match and int(match[1]) == tenant_id:
            return LinkTarget(material_id=int(match[2]), node_id=int(match[3]))
    return None


def read_sharer_token(token: str, *, tenant_id: int) -> int | None:
    value = _unsign(_SHARER, token)
    match = re.fullmatch(r"(\d+)u(\d+)", value or "")
    if match and int(match[1]) == tenant_id:
        return int(match[2])
    return None


def material_path(*, tenant, material_id: int, user_id: int) -> str:
    token = staff_token(tenant_id=tenant.pk, material_id=material_id, user_id=user_id)
    return reverse(
        "promotion:material_public", kwargs={"slug": tenant.slug, "token": token}
    )


def onward_path(*, tenant, material_id: int, node_id: int) -> str:
    token = onward_token(tenant_id=tenant.pk, material_id=material_id, node_id=node_id)
    return reverse(
        "promotion:material_public", kwargs={"slug": tenant.slug, "token": token}
    )


def form_path(*, tenant, form, user_id: int | None = None) -> str:
    path = reverse(
        "promotion:form_public", kwargs={"slug": tenant.slug, "key": form.key}
    )
    if user_id:
        path += "?s=" + sharer_token(tenant_id=tenant.pk, user_id=user_id)
    return path
