"""The visitor's pages behind a share link: the material page (with the Open Graph
card WeChat shows), its picture, poster and video, and the firm's privacy notice.
The firm comes from the slug in the URL; nothing here needs a log-in."""

from __future__ import annotations

import secrets

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.views import View

from lenddesk.acquisition.services import current_notice
from lenddesk.promotion import links, selectors, services
from lenddesk.promotion.models import MaterialKind
from lenddesk.promotion.views.media import png_response, poster_png, stored_file
from lenddesk.tenancy.context import tenant_context

VISITOR_COOKIE = "ld_vid"
VISITOR_COOKIE_AGE = 365 * 24 * 3600
POSTER_MAX_AGE = 3600


def visitor_key(request) -> tuple[str, bool]:
    """The visitor id from the first-party cookie; a new one when missing or odd."""
    key = request.COOKIES.get(VISITOR_COOKIE, "")
    if len(key) == 32 and all(c in "0123456789abcdef" for c in key):
        return key, False
    return secrets.token_hex(16), True


def remember_visitor(request, response, key: str, new: bool):
    if new:
        response.set_cookie(
            VISITOR_COOKIE,
            key,
            max_age=VISITOR_COOKIE_AGE,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
    return response


def _is_staff_of(request, tenant) -> bool:
    return bool(
        request.user.is_authenticated
        and getattr(request, "tenant", None) is not None
        and request.tenant.pk == tenant.pk
    )


def _media_path(slug: str, token: str, part: str) -> str:
    return reverse(
        "promotion:material_media",
        kwargs={"slug": slug, "token": token, "part": part},
    )


def _image_url(request, material, slug: str, token: str) -> str:
    if material.kind == MaterialKind.POSTER:
        return request.build_absolute_uri(_media_path(slug, token, "poster"))
    if material.image_name:
        return request.build_absolute_uri(_media_path(slug, token, "image"))
    return ""


def _form_url(material, slug: str, token: str) -> str:
    """The material's application form, crediting this share (``?via=``)."""
    if not (material.form and material.form.active):
        return ""
    path = reverse(
        "promotion:form_public", kwargs={"slug": slug, "key": material.form.key}
    )
    return "%s?via=%s" % (path, token)


def _material_context(request, *, tenant, slug, material, origin, token) -> dict:
    share_path = reverse(
        "promotion:material_public", kwargs={"slug": slug, "token": token}
    )
    return {
        "tenant": tenant,
        "material": material,
        "sharer": origin,
        "card": selectors.card_of(origin),
        "share_url": request.build_absolute_uri(share_path),
        "image_url": _image_url(request, material, slug, token),
        "video_src": _media_path(slug, token, "video") if material.video_name else "",
        "form_url": _form_url(material, slug, token),
    }


class MaterialPublicView(View):
    """A material as a visitor sees it. A visitor's open is recorded as a share
    node, and the page offers them their own onward link; staff of the firm are
    not counted."""

    tenant_from_url = True

    def get(self, request, slug: str, token: str):
        tenant = selectors.public_tenant(slug)
        key, new = visitor_key(request)
        with tenant_context(tenant):
            material, sharer, parent = selectors.link_resolve(
                token=token, tenant_id=tenant.pk
            )
            node = None
            if not _is_staff_of(request, tenant):
                node = services.material_open(
                    material=material,
                    visitor_key=key,
                    user_agent=request.META.get("HTTP_USER_AGENT", ""),
                    sharer=sharer,
                    parent=parent,
                ).node
            origin = node.sharer if node else (parent.sharer if parent else sharer)
            share_token = token
            if node:
                share_token = links.onward_token(
                    tenant_id=tenant.pk, material_id=material.pk, node_id=node.pk
                )
            context = _material_context(
                request,
                tenant=tenant,
                slug=slug,
                material=material,
                origin=origin,
                token=share_token,
            )
            response = render(request, "promotion/public_material.html", context)
        return remember_visitor(request, response, key, new)


class MaterialMediaView(View):
    """The picture, the composed poster or the video behind a valid link."""

    tenant_from_url = True

    def get(self, request, slug: str, token: str, part: str):
        tenant = selectors.public_tenant(slug)
        with tenant_context(tenant):
            material, sharer, parent = selectors.link_resolve(
                token=token, tenant_id=tenant.pk
            )
            if part == "image":
                return stored_file(material.image_name, material.image_type)
            if part == "video":
                return stored_file(
                    material.video_name,
                    material.video_type,
                    request.META.get("HTTP_RANGE", ""),
                )
            if part != "poster" or material.kind != MaterialKind.POSTER:
                raise Http404
            origin = parent.sharer if parent else sharer
            url = request.build_absolute_uri(
                reverse(
                    "promotion:material_public", kwargs={"slug": slug, "token": token}
                )
            )
            response = png_response(poster_png(material, url, origin))
            response["Cache-Control"] = "public, max-age=%d" % POSTER_MAX_AGE
            return response


class NoticeView(View):
    tenant_from_url = True

    def get(self, request, slug: str):
        tenant = selectors.public_tenant(slug)
        with tenant_context(tenant):
            notice = current_notice()
            if notice is None:
                raise Http404
            return render(
                request,
                "promotion/public_notice.html",
                {"tenant": tenant, "notice": notice},
            )
