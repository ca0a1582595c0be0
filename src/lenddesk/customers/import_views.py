"""Pages for imports and allocation rules."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lenddesk.accounts.selectors import department_tree
from lenddesk.audit.models import AuditAction
from lenddesk.audit.services import audit_record
from lenddesk.customers import allocation, import_start, imports
from lenddesk.customers.models import AllocationRule, DuplicatePolicy, ImportJob
from lenddesk.customers.permissions import CustomerPermission as P
from lenddesk.security.masking import mask
from lenddesk.tenancy.context import tenant_context
from lenddesk.web.access import StaffView
from lenddesk.web.forms import apply_service_errors


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Excel (.xlsx) or CSV file"))


def _job(request, job_id) -> ImportJob:
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None or (
        job.created_by_id != request.user.pk and not request.user.has_code(P.ASSIGN)
    ):
        raise Http404
    return job


def _preview(job: ImportJob) -> list[list[str]]:
    """The first rows, masked: a preview is no place to read phone numbers."""
    rows = imports.read_rows(imports.load_file(job), job.file_kind)
    next(rows)
    preview = []
    kinds = {int(k): v for k, v in job.mapping.items()}
    for _n, row in zip(range(5), rows, strict=False):
        preview.append(
            [
                mask("phone" if kinds.get(i) == "phone" else "national_id", cell)
                if kinds.get(i) in ("phone", "id_number")
                else cell
                for i, cell in enumerate(row)
            ]
        )
    return preview


class ImportListView(StaffView):
    permissions = {"GET": (P.IMPORT,), "POST": (P.IMPORT,)}

    def get(self, request):
        jobs = ImportJob.objects.select_related("created_by")[:30]
        return render(
            request, "customers/imports.html", {"jobs": jobs, "form": UploadForm()}
        )

    def post(self, request):
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                job = imports.import_upload(
                    actor=request.user, upload=form.cleaned_data["file"]
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                return redirect("customers:import_detail", job_id=job.pk)
        jobs = ImportJob.objects.select_related("created_by")[:30]
        return render(
            request, "customers/imports.html", {"jobs": jobs, "form": form}, status=400
        )


class ImportDetailView(StaffView):
    permissions = {"GET": (P.IMPORT,), "POST": (P.IMPORT,)}

    def _context(self, request, job, **extra):
        context = {
            "job": job,
            "fields": imports.FIELD_LABELS,
            "policies": DuplicatePolicy.choices,
            "departments": department_tree(),
            "columns": list(enumerate(job.headers)),
        }
        if job.status == "uploaded":
            context["preview"] = _preview(job)
        context.update(extra)
        return context

    def get(self, request, job_id):
        job = _job(request, job_id)
        template = (
            "customers/_import_progress.html"
            if request.htmx
            else "customers/import_detail.html"
        )
        return render(request, template, self._context(request, job))

    def post(self, request, job_id):
        job = _job(request, job_id)
        mapping = {
            str(i): request.POST.get("col_%d" % i, "")
            for i, _h in enumerate(job.headers)
        }
        try:
            import_start.import_configure(
                actor=request.user,
                job=job,
                mapping=mapping,
                duplicate_policy=request.POST.get("duplicate_policy", ""),
                assignment=request.POST.get("assignment", ""),
            )
        except ValidationError as exc:
            errors = (
                exc.message_dict
                if hasattr(exc, "error_dict")
                else {"mapping": exc.messages}
            )
            return render(
                request,
                "customers/import_detail.html",
                self._context(request, job, errors=errors),
                status=400,
            )
        messages.success(
            request,
            _("Import started. You can leave this page; it runs in the background."),
        )
        return redirect("customers:import_detail", job_id=job.pk)


class ImportErrorsView(StaffView):
    permissions = {"GET": (P.IMPORT,)}

    def get(self, request, job_id):
        job = _job(request, job_id)
        audit_record(
            actor=request.user,
            action=AuditAction.IMPORT_REPORT_DOWNLOADED,
            target=job,
            changes={"errors": job.error_count},
        )
        tenant = request.tenant

        def stream():
            with tenant_context(tenant):
                yield from imports.error_report(job)

        response = StreamingHttpResponse(
            stream(), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = (
            "attachment; filename*=UTF-8''import-%d-errors.csv" % job.pk
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response


class RuleForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Rule name"), max_length=60)
    department = forms.TypedChoiceField(label=gettext_lazy("Team"), coerce=int)
    channel = forms.CharField(
        label=gettext_lazy("Only this channel"), max_length=60, required=False
    )
    city = forms.CharField(
        label=gettext_lazy("Only this city"), max_length=40, required=False
    )
    priority = forms.IntegerField(
        label=gettext_lazy("Priority (lower first)"),
        min_value=0,
        max_value=1000,
        initial=100,
    )
    is_active = forms.BooleanField(
        label=gettext_lazy("Active"), required=False, initial=True
    )

    def __init__(self, *args, departments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [(d.pk, d.name) for d in departments]


def _posted_weights(request) -> dict[str, str]:
    """``weight_<user id>`` fields, by user id."""
    return {
        key.removeprefix("weight_"): value
        for key, value in request.POST.items()
        if key.startswith("weight_")
    }


def _allocation_page(request, form, status=200):
    rules = list(AllocationRule.objects.select_related("department"))
    context = {
        "form": form,
        "rules": [(r, allocation.allocation_report(rule=r)) for r in rules],
    }
    return render(request, "customers/allocation.html", context, status=status)


class AllocationListView(StaffView):
    permissions = {"GET": (P.ASSIGN,), "POST": (P.ASSIGN,)}

    def get(self, request):
        return _allocation_page(request, RuleForm(departments=department_tree()))

    def post(self, request):
        form = RuleForm(request.POST, departments=department_tree())
        if form.is_valid():
            try:
                allocation.rule_save(
                    actor=request.user,
                    values=form.cleaned_data,
                    weights=_posted_weights(request),
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("Allocation rule saved."))
                return redirect("customers:allocation")
        return _allocation_page(request, form, status=400)


class AllocationWeightsView(StaffView):
    permissions = {"POST": (P.ASSIGN,)}

    def post(self, request, rule_id):
        rule = AllocationRule.objects.filter(pk=rule_id).first()
        if rule is None:
            raise Http404
        try:
            allocation.rule_set_weights(
                actor=request.user,
                rule=rule,
                weights=_posted_weights(request),
                active=request.POST.get("is_active") == "on",
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            form = RuleForm(departments=department_tree())
            return _allocation_page(request, form, status=400)
        messages.success(request, _("Weights saved."))
        return redirect("customers:allocation")
