"""Contract template pages (合同模板): the types with their current template and
earlier versions, the upload form, the numbering of each type, and the placeholder
catalogue."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from lenddesk.contracts import selectors
from lenddesk.contracts.forms import SettingForm, TemplateUploadForm
from lenddesk.contracts.models import ContractKind, ContractTemplate
from lenddesk.contracts.pdf import pdf_available
from lenddesk.contracts.permissions import ContractPermission as P
from lenddesk.contracts.placeholders import CATALOGUE
from lenddesk.contracts.sample_templates import sample_docx
from lenddesk.contracts.services import setting_update, template_upload
from lenddesk.contracts.services.templates import settings_rows, template_data
from lenddesk.contracts.views import CONTENT_TYPES
from lenddesk.web.access import StaffView
from lenddesk.web.pages import form_submit, private_response


def _page(request, *, upload_form=None, setting_forms=None, status=200):
    setting_forms = setting_forms or {}
    settings = []
    for row in settings_rows():
        form = setting_forms.get(row["kind"]) or SettingForm(
            initial={"prefix": row["prefix"], "valid_months": row["valid_months"]}
        )
        settings.append({**row, "form": form})
    return render(
        request,
        "contracts/templates.html",
        {
            "kinds": selectors.templates_by_kind(),
            "form": upload_form or TemplateUploadForm(),
            "settings": settings,
            "pdf_available": pdf_available(),
            "credit_kind": ContractKind.CREDIT_AUTHORISATION,
        },
        status=status,
    )


class TemplateListView(StaffView):
    permissions = {"GET": (P.TEMPLATE,), "POST": (P.TEMPLATE,)}

    def get(self, request):
        return _page(request)

    def post(self, request):
        form = TemplateUploadForm(request.POST, request.FILES)
        done = form_submit(
            request,
            form,
            lambda data: template_upload(
                actor=request.user,
                kind=data["kind"],
                name=data["name"],
                upload=data["file"],
            ),
            success=lambda template: (
                _("Template uploaded: %(name)s, version %(version)d.")
                % {"name": template.name, "version": template.version}
            ),
            redirect_to=reverse("contracts:templates"),
        )
        return done or _page(request, upload_form=form, status=400)


class SettingView(StaffView):
    permissions = {"POST": (P.TEMPLATE,)}

    def post(self, request):
        kind = request.POST.get("kind", "")
        form = SettingForm(request.POST)
        done = form_submit(
            request,
            form,
            lambda data: setting_update(actor=request.user, kind=kind, **data),
            success=_("Numbering saved."),
            redirect_to=reverse("contracts:templates"),
        )
        if done:
            return done
        if kind not in ContractKind.values:
            messages.error(request, _("Choose a contract type."))
            return _page(request, status=400)
        return _page(request, setting_forms={kind: form}, status=400)


class PlaceholderView(StaffView):
    permissions = {"GET": (P.TEMPLATE, P.GENERATE)}

    def get(self, request):
        groups: dict[str, list] = {}
        for placeholder in CATALOGUE:
            groups.setdefault(placeholder.group, []).append(placeholder)
        return render(
            request,
            "contracts/placeholders.html",
            {
                "groups": list(groups.values()),
                "count": len(CATALOGUE),
                "example": "{{ customer.name }}",
                "kinds": dict(ContractKind.choices),
            },
        )


class SampleDownloadView(StaffView):
    """The sample template of a type (``?kind=``), to start a firm's own from."""

    permissions = {"GET": (P.TEMPLATE,)}

    def get(self, request):
        kind = request.GET.get("kind", "")
        if kind not in ContractKind.values:
            raise Http404
        response = HttpResponse(sample_docx(kind), content_type=CONTENT_TYPES["docx"])
        response["Content-Disposition"] = 'attachment; filename="sample-%s.docx"' % kind
        return response


class TemplateDownloadView(StaffView):
    permissions = {"GET": (P.TEMPLATE,)}

    def get(self, request, template_id):
        template = ContractTemplate.objects.filter(pk=template_id).first()
        if template is None:
            raise Http404
        response = HttpResponse(
            template_data(template), content_type=CONTENT_TYPES["docx"]
        )
        response["Content-Disposition"] = (
            'attachment; filename="template-%s-v%d.docx"'
            % (
                template.kind,
                template.version,
            )
        )
        return private_response(response)
