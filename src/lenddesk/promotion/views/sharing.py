"""Staff pages for sharing: my share links, QR codes, my poster, my business card.
Every link carries the staff member, so visitors and leads are credited to them."""

from __future__ import annotations

from django.shortcuts import render
from django.utils.translation import gettext as _

from lenddesk.promotion import content, links, selectors, services
from lenddesk.promotion.forms import CardForm
from lenddesk.promotion.permissions import PromotionPermission as P
from lenddesk.promotion.views.media import png_response, poster_png
from lenddesk.web.access import StaffView
from lenddesk.web.pages import form_submit


def _material_url(request, material) -> str:
    """The requesting staff member's own link to a published material."""
    return request.build_absolute_uri(
        links.material_path(
            tenant=request.tenant, material_id=material.pk, user_id=request.user.pk
        )
    )


def _form_url(request, form) -> str:
    return request.build_absolute_uri(
        links.form_path(tenant=request.tenant, form=form, user_id=request.user.pk)
    )


class LinksView(StaffView):
    permissions = {"GET": (P.SHARE,)}

    def get(self, request):
        materials = [
            {"material": m, "url": _material_url(request, m)}
            for m in selectors.material_list(published_only=True)
        ]
        forms_ = [
            {"form": f, "url": _form_url(request, f)}
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
        return png_response(
            content.qr_png(_material_url(request, material)),
            "qr-%d.png" % material.pk,
        )


class MaterialPosterView(StaffView):
    permissions = {"GET": (P.SHARE,)}

    def get(self, request, material_id: int):
        material = selectors.material_get(material_id=material_id, published_only=True)
        return png_response(
            poster_png(material, _material_url(request, material), request.user),
            "poster-%d.png" % material.pk,
        )


class FormQRView(StaffView):
    permissions = {"GET": (P.SHARE,)}

    def get(self, request, form_id: int):
        form = selectors.form_get(form_id=form_id)
        return png_response(
            content.qr_png(_form_url(request, form)), "form-%d.png" % form.pk
        )


class CardView(StaffView):
    permissions = {"GET": (P.SHARE,), "POST": (P.SHARE,)}

    def get(self, request):
        card = selectors.card_of(request.user)
        initial = {}
        if card:
            initial = {
                "job_title": card.job_title,
                "phone": card.phone,
                "wechat": card.wechat,
                "intro": card.intro,
            }
        return render(
            request, "promotion/card.html", {"form": CardForm(initial=initial)}
        )

    def post(self, request):
        form = CardForm(request.POST)
        response = form_submit(
            request,
            form,
            lambda data: services.card_save(actor=request.user, values=data),
            success=_("Business card saved."),
            redirect_to="promotion:links",
        )
        if response is not None:
            return response
        return render(request, "promotion/card.html", {"form": form})
