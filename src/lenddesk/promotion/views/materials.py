"""Staff pages of the material library: list, editor, picture preview."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from lenddesk.promotion import selectors, services
from lenddesk.promotion.forms import MaterialForm
from lenddesk.promotion.models import MaterialKind
from lenddesk.promotion.permissions import PromotionPermission as P
from lenddesk.promotion.views.media import stored_file
from lenddesk.web.access import StaffView
from lenddesk.web.pages import form_submit


class MaterialListView(StaffView):
    permissions = {"GET": (P.MATERIALS,)}

    def get(self, request):
        return render(
            request,
            "promotion/material_list.html",
            {"rows": selectors.material_list()},
        )


def _initial(material) -> dict:
    return {
        "kind": material.kind,
        "title": material.title,
        "summary": material.summary,
        "body_html": material.body_html,
        "video_url": material.video_url,
        "form": material.form_id,
        "published": material.published,
    }


class MaterialCreateView(StaffView):
    permissions = {"GET": (P.MATERIALS,), "POST": (P.MATERIALS,)}
    material = None

    def _form(self, request):
        editing = self.material is not None
        if request.method == "POST":
            return MaterialForm(request.POST, request.FILES, editing=editing)
        if editing:
            initial = _initial(self.material)
        else:
            initial = {"kind": request.GET.get("kind", MaterialKind.ARTICLE)}
        return MaterialForm(initial=initial, editing=editing)

    def _render(self, request, form):
        return render(
            request,
            "promotion/material_form.html",
            {"form": form, "material": self.material},
        )

    def _save(self, request, data: dict):
        values = dict(data)
        if self.material is not None:
            values["kind"] = self.material.kind
        return services.material_save(
            actor=request.user,
            material=self.material,
            values=values,
            image=data.get("image"),
            video=data.get("video"),
        )

    def get(self, request, **kwargs):
        return self._render(request, self._form(request))

    def post(self, request, **kwargs):
        form = self._form(request)
        response = form_submit(
            request,
            form,
            lambda data: self._save(request, data),
            success=_("Material saved."),
            redirect_to=lambda material: reverse(
                "promotion:material_edit", kwargs={"material_id": material.pk}
            ),
        )
        if response is not None:
            return response
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
        return stored_file(material.image_name, material.image_type)
