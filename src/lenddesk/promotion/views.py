"""Staff pages (materials, forms, share links, statistics, lead source) and the public
H5 pages (application form, material page, privacy notice)."""

from __future__ import annotations

import hashlib
import re
import secrets
from urllib.parse import quote

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from lenddesk.accounts.models import User
from lenddesk.acquisition.services import current_notice
from lenddesk.customers.permissions import CustomerPermission
from lenddesk.promotion import content, links, selectors, services
from lenddesk.promotion.captcha import captcha_check, captcha_new
from lenddesk.promotion.fields import PublicForm, field_catalogue
from lenddesk.promotion.forms import CardForm, FormSettingsForm, MaterialForm
from lenddesk.promotion.models import MaterialKind
from lenddesk.promotion.permissions import PromotionPermission as P
from lenddesk.promotion.throttle import submission_allowed
from lenddesk.security.net import client_ip
from lenddesk.tenancy.context import tenant_context
from lenddesk.web.access import StaffView
from lenddesk.web.forms import apply_service_errors

VISITOR_COOKIE = "ld_vid"
VISITOR_COOKIE_AGE = 365 * 24 * 3600
RANGE_CHUNK = 4 * 1024 * 1024


def _png(data: bytes, filename: str | None = None) -> HttpResponse:
    response = HttpResponse(data, content_type="image/png")
    response["X-Content-Type-Options"] = "nosniff"
    if filename:
        response["Content-Disposition"] = "attachment; filename*=UTF-8''%s" % quote(
            filename
        )
    return response


# --- staff: materials ---------------------------------------------------------------


class MaterialListView(StaffView):
    permissions = {"GET": (P.MATERIALS,)}

    def get(self, request):
        return render(
            request,
            "promotion/material_list.html",
            {"rows": selectors.material_list()},
        )


class MaterialCreateView(StaffView):
    permissions = {"GET": (P.MATERIALS,), "POST": (P.MATERIALS,)}
    material = None

    def _form(self, request):
        editing = self.material is not None
        if request.method == "POST":
            return MaterialForm(request.POST, request.FILES, editing=editing)
        initial = {"kind": request.GET.get("kind", MaterialKind.ARTICLE)}
        if editing:
            m = self.material
            initial = {
                "kind": m.kind,
                "title": m.title,
                "summary": m.summary,
                "body_html": m.body_html,
                "video_url": m.video_url,
                "form": m.form_id,
                "published": m.published,
            }
        return MaterialForm(initial=initial, editing=editing)

    def _render(self, request, form):
        return render(
            request,
            "promotion/material_form.html",
            {"form": form, "material": self.material},
        )

    def get(self, request, **kwargs):
        return self._render(request, self._form(request))

    def post(self, request, **kwargs):
        form = self._form(request)
        if form.is_valid():
            values = dict(form.cleaned_data)
            if self.material is not None:
                values["kind"] = self.material.kind
            try:
                material = services.material_save(
                    actor=request.user,
                    material=self.material,
                    values=values,
                    image=form.cleaned_data.get("image"),
                    video=form.cleaned_data.get("video"),
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("Material saved."))
                return redirect("promotion:material_edit", material_id=material.pk)
        return self._render(request, form)


class MaterialEditView(MaterialCreateView):
    def get(self, request, material_id: int):
        self.material = selectors.material_get(material_id=material_id)
        return super().get(request)

    def post(self, request, material_id: int):
        self.material = selectors.material_get(material_id=material_id)
        return super().post(request)


class MaterialImageView(StaffView):
    """The stored picture of a material, for staff previews."""

    permissions = {"GET": (P.SHARE, P.MATERIALS)}

    def get(self, request, material_id: int):
        material = selectors.material_get(material_id=material_id)
        return _stored_file(material.image_name, material.image_type)


def _stored_file(name: str, mime: str, range_header: str = ""):
    """A stored upload, inline, with ``Range`` support (iPhone and WeChat browsers
    only play videos served in byte ranges)."""
    if not name:
        raise Http404
    try:
        path = content.stored_path(name)
        size = path.stat().st_size
    except (FileNotFoundError, OSError) as exc:
        raise Http404 from exc
    match = re.fullmatch(r"bytes=(\d*)-(\d*)", range_header.strip())
    if match and (match[1] or match[2]):
        if match[1]:
            start = int(match[1])
            end = min(int(match[2]), size - 1) if match[2] else size - 1
        else:
            start, end = max(0, size - int(match[2])), size - 1
        if start > end or start >= size:
            response = HttpResponse(status=416)
            response["Content-Range"] = "bytes */%d" % size
            return response
        with path.open("rb") as handle:
            handle.seek(start)
            data = handle.read(min(end - start + 1, RANGE_CHUNK))
        response = HttpResponse(data, status=206, content_type=mime)
        response["Content-Range"] = "bytes %d-%d/%d" % (
            start,
            start + len(data) - 1,
            size,
        )
    else:
        response = FileResponse(path.open("rb"), content_type=mime)
    response["Accept-Ranges"] = "bytes"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- staff: share links, business card ----------------------------------------------


class LinksView(StaffView):
    permissions = {"GET": (P.SHARE,)}

    def get(self, request):
        tenant = request.tenant
        materials = [
            {
                "material": m,
                "url": request.build_absolute_uri(
                    links.material_path(
                        tenant=tenant, material_id=m.pk, user_id=request.user.pk
                    )
                ),
            }
            for m in selectors.material_list(published_only=True)
        ]
        forms_ = [
            {
                "form": f,
                "url": request.build_absolute_uri(
                    links.form_path(tenant=tenant, form=f, user_id=request.user.pk)
                ),
            }
            for f in selectors.form_list().filter(active=True)
        ]
        return render(
            request,
            "promotion/links.html",
            {
                "materials": materials,
                "forms": forms_,
                "card": selectors.card_of(request.user),
            },
        )


class MaterialQRView(StaffView):
    permissions = {"GET": (P.SHARE,)}

    def get(self, request, material_id: int):
        material = selectors.material_get(material_id=material_id, published_only=True)
        url = request.build_absolute_uri(
            links.material_path(
                tenant=request.tenant, material_id=material.pk, user_id=request.user.pk
            )
        )
        return _png(content.qr_png(url), "qr-%d.png" % material.pk)


class MaterialPosterView(StaffView):
    permissions = {"GET": (P.SHARE,)}

    def get(self, request, material_id: int):
        material = selectors.material_get(material_id=material_id, published_only=True)
        url = request.build_absolute_uri(
            links.material_path(
                tenant=request.tenant, material_id=material.pk, user_id=request.user.pk
            )
        )
        return _png(_poster(material, url, request.user), "poster-%d.png" % material.pk)


def _poster(material, url: str, sharer: User) -> bytes:
    """The composed poster, kept in the shared cache for an hour: composing a large
    picture costs a fraction of a second of CPU."""
    key = (
        "promotion:poster:%s"
        % hashlib.sha256(
            (
                "%d|%s|%s|%s|%s"
                % (
                    material.tenant_id,
                    material.pk,
                    material.updated_at,
                    url,
                    sharer.display_name,
                )
            ).encode()
        ).hexdigest()
    )
    data = cache.get(key)
    if data is None:
        data = _compose(material, url, sharer)
        cache.set(key, data, timeout=3600)
    return data


def _compose(material, url: str, sharer: User) -> bytes:
    background = None
    if material.image_name:
        try:
            background = content.stored_path(material.image_name).read_bytes()
        except FileNotFoundError:
            background = None
    return content.compose_poster(
        background=background,
        url=url,
        name=sharer.display_name,
        line=_("Scan to learn more"),
    )


class FormQRView(StaffView):
    permissions = {"GET": (P.SHARE,)}

    def get(self, request, form_id: int):
        form = selectors.form_get(form_id=form_id)
        url = request.build_absolute_uri(
            links.form_path(tenant=request.tenant, form=form, user_id=request.user.pk)
        )
        return _png(content.qr_png(url), "form-%d.png" % form.pk)


class CardView(StaffView):
    permissions = {"GET": (P.SHARE,), "POST": (P.SHARE,)}

    def get(self, request):
        card = selectors.card_of(request.user)
        initial = (
            {
                "job_title": card.job_title,
                "phone": card.phone,
                "wechat": card.wechat,
                "intro": card.intro,
            }
            if card
            else {}
        )
        return render(
            request, "promotion/card.html", {"form": CardForm(initial=initial)}
        )

    def post(self, request):
        form = CardForm(request.POST)
        if form.is_valid():
            services.card_save(actor=request.user, values=form.cleaned_data)
            messages.success(request, _("Business card saved."))
            return redirect("promotion:links")
        return render(request, "promotion/card.html", {"form": form})


# --- staff: application forms -------------------------------------------------------


class FormListView(StaffView):
    permissions = {"GET": (P.FORMS,)}

    def get(self, request):
        rows = [
            {
                "form": f,
                "url": request.build_absolute_uri(
                    links.form_path(tenant=request.tenant, form=f)
                ),
            }
            for f in selectors.form_list()
        ]
        return render(
            request,
            "promotion/form_list.html",
            {"rows": rows, "notice": current_notice()},
        )


def _builder_rows(saved: list[dict], data=None) -> list[dict]:
    """One row per available field: asked?, required?, order — from the POST when
    re-showing a form with errors, else from the saved list."""
    catalogue = field_catalogue()
    position = {e["name"]: i for i, e in enumerate(saved)}
    rows = []
    for index, info in enumerate(catalogue.values()):
        entry = next((e for e in saved if e["name"] == info.name), None)
        if data is not None:
            asked = data.get("ask_%s" % info.name) == "on"
            required = data.get("req_%s" % info.name) == "on"
            order = data.get("order_%s" % info.name, "")
        else:
            asked, required = entry is not None, bool(entry and entry["required"])
            order = position.get(info.name, len(saved) + index) + 1
        rows.append(
            {
                "info": info,
                "asked": asked or info.forced,
                "required": required or info.forced,
                "order": order,
            }
        )
    rows.sort(key=lambda r: (not r["asked"], _int(r["order"], 999)))
    return rows


def _int(value, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _fields_from_post(data) -> list[dict]:
    chosen = []
    for index, info in enumerate(field_catalogue().values()):
        if data.get("ask_%s" % info.name) == "on" or info.forced:
            chosen.append(
                (
                    _int(data.get("order_%s" % info.name), 1000 + index),
                    index,
                    {
                        "name": info.name,
                        "required": data.get("req_%s" % info.name) == "on"
                        or info.forced,
                    },
                )
            )
    return [entry for _o, _i, entry in sorted(chosen, key=lambda c: (c[0], c[1]))]


class FormCreateView(StaffView):
    permissions = {"GET": (P.FORMS,), "POST": (P.FORMS,)}
    application_form = None

    def _render(self, request, settings_form, rows):
        return render(
            request,
            "promotion/form_builder.html",
            {
                "form": settings_form,
                "rows": rows,
                "application_form": self.application_form,
                "public_url": request.build_absolute_uri(
                    links.form_path(tenant=request.tenant, form=self.application_form)
                )
                if self.application_form
                else "",
            },
        )

    def get(self, request, **kwargs):
        f = self.application_form
        initial = (
            {
                "title": f.title,
                "intro": f.intro,
                "thanks": f.thanks,
                "channel_name": f.channel.name if f.channel else "",
                "assignment": f.assignment,
                "assign_to": f.assign_to_id,
                "hourly_limit": f.hourly_limit,
                "active": f.active,
            }
            if f
            else {"active": True, "hourly_limit": 300}
        )
        saved = f.fields if f else [{"name": "city", "required": False}]
        return self._render(
            request, FormSettingsForm(initial=initial), _builder_rows(saved)
        )

    def post(self, request, **kwargs):
        settings_form = FormSettingsForm(request.POST)
        if settings_form.is_valid():
            values = {
                **settings_form.cleaned_data,
                "fields": _fields_from_post(request.POST),
            }
            try:
                saved = services.form_save(
                    actor=request.user, form=self.application_form, values=values
                )
            except ValidationError as exc:
                apply_service_errors(settings_form, exc)
            else:
                messages.success(request, _("Application form saved."))
                return redirect("promotion:form_edit", form_id=saved.pk)
        saved = self.application_form.fields if self.application_form else []
        return self._render(
            request, settings_form, _builder_rows(saved, data=request.POST)
        )


class FormEditView(FormCreateView):
    def get(self, request, form_id: int):
        self.application_form = selectors.form_get(form_id=form_id)
        return super().get(request)

    def post(self, request, form_id: int):
        self.application_form = selectors.form_get(form_id=form_id)
        return super().post(request)


# --- staff: statistics and lead source ----------------------------------------------


class StatsView(StaffView):
    permissions = {"GET": (P.STATS,)}

    def get(self, request):
        return render(
            request,
            "promotion/stats.html",
            {
                "materials": selectors.material_stats(actor=request.user),
                "staff": selectors.staff_stats(actor=request.user),
            },
        )


class LeadSourceView(StaffView):
    permissions = {"GET": (CustomerPermission.VIEW,)}

    def get(self, request, customer_id: int):
        customer, submissions = selectors.lead_source(
            actor=request.user, customer_id=customer_id
        )
        template = (
            "promotion/_source_card.html"
            if request.htmx
            else "promotion/lead_source.html"
        )
        return render(
            request, template, {"customer": customer, "submissions": submissions}
        )


# --- public pages -------------------------------------------------------------------


def _visitor_key(request) -> tuple[str, bool]:
    """The visitor id from the first-party cookie; a new one when missing or odd."""
    key = request.COOKIES.get(VISITOR_COOKIE, "")
    if len(key) == 32 and all(c in "0123456789abcdef" for c in key):
        return key, False
    return secrets.token_hex(16), True


def _remember_visitor(request, response, key: str, new: bool):
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


class MaterialPublicView(View):
    """A material as a visitor sees it, with the Open Graph card WeChat shows."""

    tenant_from_url = True

    def get(self, request, slug: str, token: str):
        tenant = selectors.public_tenant(slug)
        key, new = _visitor_key(request)
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
            share_token = (
                links.onward_token(
                    tenant_id=tenant.pk, material_id=material.pk, node_id=node.pk
                )
                if node
                else token
            )
            share_path = reverse(
                "promotion:material_public", kwargs={"slug": slug, "token": share_token}
            )
            form_url = ""
            if material.form and material.form.active:
                form_url = "%s?via=%s" % (
                    reverse(
                        "promotion:form_public",
                        kwargs={"slug": slug, "key": material.form.key},
                    ),
                    share_token,
                )
            context = {
                "tenant": tenant,
                "material": material,
                "sharer": origin,
                "card": selectors.card_of(origin),
                "share_url": request.build_absolute_uri(share_path),
                "image_url": request.build_absolute_uri(
                    reverse(
                        "promotion:material_media",
                        kwargs={"slug": slug, "token": share_token, "part": "poster"},
                    )
                    if material.kind == MaterialKind.POSTER
                    else reverse(
                        "promotion:material_media",
                        kwargs={"slug": slug, "token": share_token, "part": "image"},
                    )
                )
                if material.image_name or material.kind == MaterialKind.POSTER
                else "",
                "video_src": reverse(
                    "promotion:material_media",
                    kwargs={"slug": slug, "token": share_token, "part": "video"},
                )
                if material.video_name
                else "",
                "form_url": form_url,
            }
            response = render(request, "promotion/public_material.html", context)
        return _remember_visitor(request, response, key, new)


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
                return _stored_file(material.image_name, material.image_type)
            if part == "video":
                return _stored_file(
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
            response = _png(_poster(material, url, origin))
            response["Cache-Control"] = "public, max-age=3600"
            return response


def _submit_context(request, tenant) -> services.SubmitContext:
    """Sharer, share node and visitor behind a submission, from signed parameters."""

    def param(name: str) -> str:
        return request.POST.get(name) or request.GET.get(name, "")

    key, _new = _visitor_key(request)
    visitor = selectors.visitor_by_key(key)
    node, sharer = selectors.submission_origin(
        via=param("via"),
        sharer_token=param("s"),
        tenant_id=tenant.pk,
        visitor=visitor,
    )
    return services.SubmitContext(
        node=node,
        sharer=sharer,
        visitor=visitor,
        ip_address=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
    )


class FormPublicView(View):
    """The applicant's H5 form."""

    tenant_from_url = True

    def _form_or_404(self, key: str):
        return selectors.public_form(key=key)

    def _render(self, request, tenant, application_form, notice, form, status=200):
        captcha_id, captcha_image = captcha_new()
        if form is not None:
            data = form.data.copy()
            data["captcha_id"], data["captcha"] = captcha_id, ""
            form.data = data
        context = {
            "tenant": tenant,
            "application_form": application_form,
            "notice": notice,
            "form": form,
            "captcha_image": captcha_image,
            "captcha_id": captcha_id,
            "via": request.POST.get("via") or request.GET.get("via", ""),
            "s": request.POST.get("s") or request.GET.get("s", ""),
            "closed": tenant.is_expired(),
        }
        if form is not None and request.method == "GET":
            form.initial["captcha_id"] = captcha_id
        return render(request, "promotion/public_form.html", context, status=status)

    def get(self, request, slug: str, key: str):
        tenant = selectors.public_tenant(slug)
        with tenant_context(tenant):
            application_form = self._form_or_404(key)
            notice = current_notice()
            form = (
                PublicForm(application_form=application_form, notice=notice)
                if notice
                else None
            )
            return self._render(request, tenant, application_form, notice, form)

    def post(self, request, slug: str, key: str):
        tenant = selectors.public_tenant(slug)
        with tenant_context(tenant):
            application_form = self._form_or_404(key)
            notice = current_notice()
            if notice is None or tenant.is_expired():
                return self._render(
                    request, tenant, application_form, notice, None, status=403
                )
            if not submission_allowed(
                tenant_id=tenant.pk, form=application_form, ip=client_ip(request)
            ):
                response = render(
                    request,
                    "promotion/public_message.html",
                    {
                        "tenant": tenant,
                        "title": _("Too many attempts"),
                        "message": _(
                            "Too many applications from here. Please try again later."
                        ),
                    },
                    status=429,
                )
                response["Retry-After"] = "600"
                return response
            form = PublicForm(
                request.POST, application_form=application_form, notice=notice
            )
            if form.is_valid():
                try:
                    captcha_check(
                        form.cleaned_data["captcha_id"], form.cleaned_data["captcha"]
                    )
                    services.form_submit(
                        form=application_form,
                        data=form.submission_data(),
                        context=_submit_context(request, tenant),
                    )
                except ValidationError as exc:
                    apply_service_errors(form, exc)
                else:
                    return redirect(
                        "promotion:form_thanks", slug=slug, key=application_form.key
                    )
            return self._render(
                request, tenant, application_form, notice, form, status=400
            )


class FormThanksView(View):
    tenant_from_url = True

    def get(self, request, slug: str, key: str):
        tenant = selectors.public_tenant(slug)
        with tenant_context(tenant):
            form = selectors.public_form(key=key, active_only=False)
            return render(
                request,
                "promotion/public_message.html",
                {
                    "tenant": tenant,
                    "title": _("Thank you"),
                    "message": form.thanks
                    or _("We have received your application and will call you soon."),
                },
            )


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
