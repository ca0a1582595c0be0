"""Staff pages of application forms: the list and the builder (settings plus the
table of asked fields)."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from lenddesk.acquisition.services import current_notice
from lenddesk.promotion import links, selectors, services
from lenddesk.promotion.fields import field_catalogue
from lenddesk.promotion.forms import FormSettingsForm
from lenddesk.promotion.permissions import PromotionPermission as P
from lenddesk.web.access import StaffView
from lenddesk.web.pages import form_submit

NEW_FORM_INITIAL = {"active": True, "hourly_limit": 300}
NEW_FORM_FIELDS = [{"name": "city", "required": False}]


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


def _int(value, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _builder_rows(saved: list[dict], data=None) -> list[dict]:
    """One row per available field: asked?, required?, order — from the POST when
    re-showing a form with errors, else from the saved list."""
    position = {e["name"]: i for i, e in enumerate(saved)}
    rows = []
    for index, info in enumerate(field_catalogue().values()):
        if data is not None:
            asked = data.get("ask_%s" % info.name) == "on"
            required = data.get("req_%s" % info.name) == "on"
            order = data.get("order_%s" % info.name, "")
        else:
            entry = next((e for e in saved if e["name"] == info.name), None)
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


def _fields_from_post(data) -> list[dict]:
    """The builder table as the ordered ``[{"name", "required"}]`` a form stores."""
    chosen = []
    for index, info in enumerate(field_catalogue().values()):
        if data.get("ask_%s" % info.name) == "on" or info.forced:
            required = data.get("req_%s" % info.name) == "on" or info.forced
            order = _int(data.get("order_%s" % info.name), 1000 + index)
            chosen.append((order, index, {"name": info.name, "required": required}))
    return [entry for _o, _i, entry in sorted(chosen, key=lambda c: (c[0], c[1]))]


def _settings_initial(form) -> dict:
    if form is None:
        return dict(NEW_FORM_INITIAL)
    return {
        "title": form.title,
        "intro": form.intro,
        "thanks": form.thanks,
        "channel_name": form.channel.name if form.channel else "",
        "assignment": form.assignment,
        "assign_to": form.assign_to_id,
        "hourly_limit": form.hourly_limit,
        "active": form.active,
    }


class FormCreateView(StaffView):
    permissions = {"GET": (P.FORMS,), "POST": (P.FORMS,)}
    application_form = None

    def _render(self, request, settings_form, rows):
        public_url = ""
        if self.application_form:
            public_url = request.build_absolute_uri(
                links.form_path(tenant=request.tenant, form=self.application_form)
            )
        return render(
            request,
            "promotion/form_builder.html",
            {
                "form": settings_form,
                "rows": rows,
                "application_form": self.application_form,
                "public_url": public_url,
            },
        )

    def get(self, request, **kwargs):
        f = self.application_form
        saved = f.fields if f else NEW_FORM_FIELDS
        return self._render(
            request,
            FormSettingsForm(initial=_settings_initial(f)),
            _builder_rows(saved),
        )

    def post(self, request, **kwargs):
        settings_form = FormSettingsForm(request.POST)
        response = form_submit(
            request,
            settings_form,
            lambda data: services.form_save(
                actor=request.user,
                form=self.application_form,
                values={**data, "fields": _fields_from_post(request.POST)},
            ),
            success=_("Application form saved."),
            redirect_to=lambda saved: reverse(
                "promotion:form_edit", kwargs={"form_id": saved.pk}
            ),
        )
        if response is not None:
            return response
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
