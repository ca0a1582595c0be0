import datetime as dt
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from lenddesk.accounts.models import User
from lenddesk.accounts.selectors import active_colleagues, department_tree
from lenddesk.customers import selectors, services
from lenddesk.customers.documents import document_read, document_upload
from lenddesk.customers.exports import (
    ExportQueued,
    customers_export,
    export_decide,
    export_file,
    xlsx_response,
)
from lenddesk.customers.forms import (
    AssignForm,
    CustomerForm,
    FollowUpForm,
    PoolRulesForm,
    RevealForm,
    VisitForm,
)
from lenddesk.customers.models import (
    Customer,
    CustomField,
    CustomFieldType,
    DocumentKind,
    FunnelStage,
    PublicPool,
    Rating,
    SavedView,
    TagRule,
    VisitStatus,
)
from lenddesk.customers.permissions import CustomerPermission as P
from lenddesk.customers.selectors import int_or_none
from lenddesk.security.errors import RateLimited
from lenddesk.security.services import reveal_field
from lenddesk.web.access import StaffView
from lenddesk.web.forms import apply_service_errors, report_outcome

PERSONAL = ("phone", "id_number")


def _filters(request) -> selectors.CustomerFilters:
    return selectors.filters_from(request.GET)


def _custom():
    return list(CustomField.objects.all())


class CustomerListView(StaffView):
    permissions = {"GET": (P.VIEW,)}

    def get(self, request):
        filters = _filters(request)
        rows, next_before = selectors.customer_list(
            actor=request.user,
            filters=filters,
            before=int_or_none(request.GET.get("before")),
        )
        query = request.GET.copy()
        query.pop("before", None)
        context = {
            "rows": rows,
            "next_before": next_before,
            "filters": filters,
            "query": query.urlencode(),
            "stages": FunnelStage.objects.all(),
            "ratings": Rating.choices,
            "departments": department_tree(),
            "colleagues": active_colleagues()
            if request.user.has_code(P.ASSIGN)
            else [],
            "now": dt.datetime.now(dt.UTC),
            "saved_views": SavedView.objects.filter(user=request.user),
        }
        template = (
            "customers/_rows.html"
            if request.htmx and request.GET.get("before")
            else "customers/list.html"
        )
        return render(request, template, context)


class PoolListView(StaffView):
    permissions = {"GET": (P.CLAIM, P.ASSIGN)}

    def get(self, request):
        rows, next_before = selectors.pool_list(
            actor=request.user,
            q=request.GET.get("q", "")[:80],
            pool_id=int_or_none(request.GET.get("pool")),
            before=int_or_none(request.GET.get("before")),
        )
        return render(
            request,
            "customers/pool.html",
            {
                "rows": rows,
                "next_before": next_before,
                "q": request.GET.get("q", ""),
                "pools": selectors.pools_visible_to(request.user),
                "rules": services.pool_rules(),
                "colleagues": active_colleagues()
                if request.user.has_code(P.ASSIGN)
                else [],
            },
        )


class CustomerCreateView(StaffView):
    permissions = {"GET": (P.CREATE,), "POST": (P.CREATE,)}

    def get(self, request):
        return render(
            request,
            "customers/form.html",
            {"form": CustomerForm(custom_fields=_custom()), "creating": True},
        )

    def post(self, request):
        form = CustomerForm(request.POST, custom_fields=_custom())
        if form.is_valid():
            data = form.cleaned_data
            try:
                result = services.customer_create(
                    custom_fields=form.custom_values(),
                    actor=request.user,
                    data=data,
                    phone=data["phone"],
                    id_number=data["id_number"],
                    owner=request.user,
                    to_pool=request.POST.get("to_pool") == "1",
                    source=_("manual entry"),
                    tag_names=form.tag_names(),
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                if not result.created:
                    messages.warning(
                        request,
                        _(
                            "This customer already existed; a follow-up noting the new contact was added."
                        ),
                    )
                    try:
                        selectors.customer_get(
                            actor=request.user, customer_id=result.customer.pk
                        )
                    except Exception:
                        return redirect("customers:list")
                else:
                    messages.success(request, _("Customer created."))
                return redirect("customers:detail", customer_id=result.customer.pk)
        return render(
            request, "customers/form.html", {"form": form, "creating": True}, status=400
        )


class CustomerDetailView(StaffView):
    permissions = {"GET": (P.VIEW, P.CLAIM)}

    def get(self, request, customer_id):
        customer = selectors.customer_get(actor=request.user, customer_id=customer_id)
        return render(
            request, "customers/detail.html", _detail_context(request, customer)
        )


def _detail_context(request, customer, **extra) -> dict:
    owned = customer.owner_id is not None
    return {
        "customer": customer,
        "owned": owned,
        "followups": selectors.customer_followups(customer=customer) if owned else [],
        "visits": selectors.customer_visits(customer=customer) if owned else [],
        "timeline": selectors.customer_timeline(customer=customer),
        "followup_form": extra.pop("followup_form", FollowUpForm()),
        "visit_form": extra.pop("visit_form", VisitForm()),
        "reveal_form": extra.pop("reveal_form", RevealForm()),
        "stages": FunnelStage.objects.all(),
        "visit_statuses": VisitStatus.choices,
        "can_change": owned and request.user.has_code(P.CHANGE),
        "documents": customer.documents.select_related("uploaded_by") if owned else [],
        "document_kinds": DocumentKind.choices,
        **extra,
    }


class CustomerEditView(StaffView):
    permissions = {"GET": (P.CHANGE,), "POST": (P.CHANGE,)}

    def _get(self, request, customer_id) -> Customer:
        customer = selectors.customer_get(actor=request.user, customer_id=customer_id)
        if customer.owner_id is None:
            raise Http404
        return customer

    def get(self, request, customer_id):
        customer = self._get(request, customer_id)
        initial = {f: getattr(customer, f) for f in services.EDITABLE}
        initial["tags"] = ", ".join(customer.tags.values_list("name", flat=True))
        initial.update(
            {"custom_%s" % k: v for k, v in (customer.custom_fields or {}).items()}
        )
        form = CustomerForm(initial=initial, custom_fields=_custom())
        for name in PERSONAL:
            form.fields[name].help_text = _(
                "Stored: %(masked)s. Leave empty to keep it."
            ) % {"masked": customer.masked(name) or "—"}
        return render(
            request, "customers/form.html", {"form": form, "customer": customer}
        )

    def post(self, request, customer_id):
        customer = self._get(request, customer_id)
        form = CustomerForm(request.POST, custom_fields=_custom())
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.customer_update(
                    custom_fields=form.custom_values(),
                    actor=request.user,
                    customer=customer,
                    data=data,
                    phone=data["phone"] or None,
                    id_number=data["id_number"] or None,
                    tag_names=form.tag_names(),
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("Changes saved."))
                return redirect("customers:detail", customer_id=customer.pk)
        return render(
            request,
            "customers/form.html",
            {"form": form, "customer": customer},
            status=400,
        )


class CustomerActionView(StaffView):
    """claim / release / lock / unlock / stage, each a POST with a clear answer."""

    permissions = {"POST": (P.CLAIM, P.CHANGE, P.ASSIGN)}
    needs = {
        "claim": P.CLAIM,
        "release": P.CHANGE,
        "lock": P.CHANGE,
        "unlock": P.CHANGE,
        "stage": P.CHANGE,
        "merge": P.ASSIGN,
    }

    def post(self, request, customer_id, action):
        customer = selectors.customer_get(actor=request.user, customer_id=customer_id)
        code = self.needs.get(action)
        if code is None or not request.user.has_code(code):
            raise PermissionDenied
        try:
            if action == "claim":
                services.customer_claim(actor=request.user, customer=customer)
                messages.success(
                    request,
                    _("%(name)s is now in your private pool.") % {"name": customer},
                )
            elif action == "release":
                services.customer_release(
                    actor=request.user,
                    customer=customer,
                    reason=request.POST.get("reason", "")[:200],
                )
                messages.success(request, _("Returned to the public pool."))
            elif action == "merge":
                survivor = selectors.customer_get(
                    actor=request.user, customer_id=customer.duplicate_of_id or 0
                )
                survivor = services.customer_merge(
                    actor=request.user, survivor=survivor, duplicate=customer
                )
                messages.success(
                    request, _("Merged into %(name)s.") % {"name": survivor}
                )
                return redirect("customers:detail", customer_id=survivor.pk)
            elif action in ("lock", "unlock"):
                services.customer_set_locked(
                    actor=request.user, customer=customer, locked=action == "lock"
                )
            else:
                services.customer_update(
                    actor=request.user,
                    customer=customer,
                    data={},
                    stage_id=int_or_none(request.POST.get("stage")) or 0,
                )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            if action == "claim":
                return redirect("customers:pool")
        if action == "release":
            return redirect("customers:list")
        return redirect("customers:detail", customer_id=customer.pk)


class FollowUpCreateView(StaffView):
    permissions = {"POST": (P.CHANGE,)}

    def post(self, request, customer_id):
        customer = selectors.customer_get(actor=request.user, customer_id=customer_id)
        form = FollowUpForm(request.POST)
        if form.is_valid():
            try:
                services.followup_create(
                    actor=request.user, customer=customer, **form.cleaned_data
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("Follow-up saved."))
                return redirect("customers:detail", customer_id=customer.pk)
        context = _detail_context(request, customer, followup_form=form)
        return render(request, "customers/detail.html", context, status=400)


class VisitCreateView(StaffView):
    permissions = {"POST": (P.CHANGE,)}

    def post(self, request, customer_id):
        customer = selectors.customer_get(actor=request.user, customer_id=customer_id)
        form = VisitForm(request.POST)
        if form.is_valid():
            try:
                services.visit_book(
                    actor=request.user, customer=customer, **form.cleaned_data
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("Visit booked."))
                return redirect("customers:detail", customer_id=customer.pk)
        return render(
            request,
            "customers/detail.html",
            _detail_context(request, customer, visit_form=form),
            status=400,
        )


class VisitStatusView(StaffView):
    permissions = {"POST": (P.CHANGE,)}

    def post(self, request, visit_id):
        visit = selectors.visit_get(actor=request.user, visit_id=visit_id)
        try:
            services.visit_set_status(
                actor=request.user, visit=visit, status=request.POST.get("status", "")
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        return redirect("customers:detail", customer_id=visit.customer_id)


def _safe_back(request) -> str:
    """Where to return after a bulk action: only a path on this site."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}
    ):
        return target
    return "customers:list"


class AssignView(StaffView):
    permissions = {"POST": (P.ASSIGN,)}

    def post(self, request):
        form = AssignForm(request.POST, colleagues=active_colleagues())
        back = _safe_back(request)
        if not form.is_valid():
            messages.error(request, _("Choose customers and a colleague."))
            return redirect(back)
        customers = list(
            selectors.customers_reachable(request.user).filter(
                pk__in=form.cleaned_data["customers"]
            )
        )
        owner = User.objects.get(pk=form.cleaned_data["owner"])
        try:
            moved = services.customer_assign(
                actor=request.user, customers=customers, owner=owner
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(
                request,
                _("%(n)d customers assigned to %(owner)s.")
                % {"n": moved, "owner": owner},
            )
        return redirect(back)


class RevealView(StaffView):
    permissions = {"POST": (P.REVEAL_PHONE, P.REVEAL_ID)}

    def post(self, request, customer_id):
        customer = selectors.customer_get(actor=request.user, customer_id=customer_id)
        form = RevealForm(request.POST)
        context = {"form": form, "customer": customer}
        status = 200
        if form.is_valid():
            try:
                context["value"] = reveal_field(
                    actor=request.user,
                    instance=customer,
                    field=form.cleaned_data["field"],
                    purpose=form.cleaned_data["purpose"],
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
                status = 400
            except RateLimited as exc:
                form.add_error(None, str(exc))
                status = 429
        else:
            status = 400
        response = render(request, "customers/_reveal.html", context, status=status)
        response["Cache-Control"] = "no-store"
        return response


class TodoView(StaffView):
    permissions = {"GET": (P.VIEW,)}

    def get(self, request):
        team = request.GET.get("team") == "1"
        return render(
            request,
            "customers/todo.html",
            {
                "items": selectors.todo_for(actor=request.user, team=team),
                "team": team,
                "returning": selectors.returning_soon(actor=request.user),
                "visits": selectors.visits_upcoming(actor=request.user),
                "now": dt.datetime.now(dt.UTC),
            },
        )


class FunnelView(StaffView):
    permissions = {"GET": (P.VIEW,)}

    def get(self, request):
        return render(
            request,
            "customers/funnel.html",
            {"rows": selectors.funnel(actor=request.user)},
        )


def _rules_context(form) -> dict:
    return {
        "tag_rules": TagRule.objects.select_related("tag"),
        "tag_fields": TagRule.FIELDS,
        "tag_operators": TagRule.OPERATORS,
        "form": form,
        "pools": PublicPool.objects.select_related("department"),
        "fields": CustomField.objects.all(),
        "field_kinds": CustomFieldType.choices,
        "departments": department_tree(),
    }


class PoolRulesView(StaffView):
    permissions = {"GET": (P.POOL_RULES,), "POST": (P.POOL_RULES,)}
    fields = (
        "private_cap",
        "daily_claim_limit",
        "protection_days",
        "return_days_a",
        "return_days_b",
        "return_days_c",
        "return_days_d",
        "return_days_without_order",
        "warn_days_before_return",
        "cooldown_days",
        "locked_per_person",
        "duplicate_policy",
    )

    def get(self, request):
        rules = services.pool_rules()
        form = PoolRulesForm(initial={f: getattr(rules, f) for f in self.fields})
        return render(request, "customers/rules.html", _rules_context(form))

    def post(self, request):
        form = PoolRulesForm(request.POST)
        if form.is_valid():
            services.pool_rules_update(actor=request.user, values=form.cleaned_data)
            messages.success(request, _("Pool rules saved."))
            return redirect("customers:rules")
        return render(request, "customers/rules.html", _rules_context(form), status=400)


class ExportView(StaffView):
    """GET with the list's filters downloads the workbook (masked); POST asks for full
    numbers with a purpose."""

    permissions = {"GET": (P.EXPORT,), "POST": (P.EXPORT,)}

    def get(self, request):
        return self._export(request, full=False, purpose="")

    def post(self, request):
        return self._export(
            request,
            full=request.POST.get("full_numbers") == "1",
            purpose=request.POST.get("purpose", ""),
        )

    def _export(self, request, *, full, purpose):
        query = request.GET.urlencode()
        try:
            handle, filename, _rows = customers_export(
                actor=request.user,
                filters=_filters(request),
                full_numbers=full,
                purpose=purpose,
                query=query,
            )
        except ExportQueued as queued:
            messages.info(
                request,
                _(
                    "This export has %d rows: it needs a manager's approval first. "
                    "You will be notified, then download it from My exports."
                )
                % queued.job.estimated_rows,
            )
            return render(
                request,
                "customers/exports.html",
                {"jobs": selectors.exports_of(actor=request.user)},
                status=202,
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect("customers:list")
        stream = open(handle.name, "rb")  # noqa: SIM115 - FileResponse closes it
        response = FileResponse(stream, as_attachment=True, filename=filename)
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "no-store"
        handle.close()
        return response


class ExportListView(StaffView):
    permissions = {"GET": (P.EXPORT,)}

    def get(self, request):
        return render(
            request,
            "customers/exports.html",
            {"jobs": selectors.exports_of(actor=request.user)},
        )


class ExportDownloadView(StaffView):
    permissions = {"GET": (P.EXPORT,)}

    def get(self, request, job_id):
        job = selectors.export_get(actor=request.user, job_id=job_id, completed=True)
        return xlsx_response(
            export_file(actor=request.user, job=job), "customers-%d.xlsx" % job.pk
        )


class ExportApprovalListView(StaffView):
    permissions = {"GET": (P.EXPORT_APPROVE,)}

    def get(self, request):
        return render(
            request,
            "customers/export_approvals.html",
            {"jobs": selectors.exports_awaiting_approval(actor=request.user)},
        )


class ExportDecideView(StaffView):
    permissions = {"POST": (P.EXPORT_APPROVE,)}

    def post(self, request, job_id):
        job = selectors.export_pending_get(actor=request.user, job_id=job_id)
        approve = request.POST.get("decision") == "approve"
        report_outcome(
            request,
            lambda: export_decide(
                actor=request.user,
                job=job,
                approve=approve,
                note=request.POST.get("note", ""),
            ),
            _("Export approved: it is being prepared.")
            if approve
            else _("Export rejected."),
        )
        return redirect("customers:export_approvals")


class DocumentUploadView(StaffView):
    permissions = {"POST": (P.CHANGE,)}

    def post(self, request, customer_id):
        customer = selectors.customer_get(actor=request.user, customer_id=customer_id)
        if customer.owner_id is None or "file" not in request.FILES:
            messages.error(request, _("Choose a file to upload."))
            return redirect("customers:detail", customer_id=customer.pk)
        try:
            document_upload(
                actor=request.user,
                customer=customer,
                kind=request.POST.get("kind", ""),
                upload=request.FILES["file"],
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Document saved."))
        return redirect("customers:detail", customer_id=customer.pk)


class DocumentDownloadView(StaffView):
    permissions = {"GET": (P.VIEW,)}

    def get(self, request, document_id):
        document = selectors.document_get(actor=request.user, document_id=document_id)
        response = HttpResponse(
            document_read(actor=request.user, document=document),
            content_type=document.content_type,
        )
        response["Content-Disposition"] = "attachment; filename*=UTF-8''%s" % quote(
            document.filename
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "no-store"
        return response


class PoolCreateView(StaffView):
    permissions = {"POST": (P.POOL_RULES,)}

    def post(self, request):
        report_outcome(
            request,
            lambda: services.pool_create(
                actor=request.user,
                name=request.POST.get("name", ""),
                department_id=int_or_none(request.POST.get("department")),
            ),
            _("Pool created."),
        )
        return redirect("customers:rules")


class CustomFieldCreateView(StaffView):
    permissions = {"POST": (P.POOL_RULES,)}

    def post(self, request):
        report_outcome(
            request,
            lambda: services.custom_field_create(
                actor=request.user,
                key=request.POST.get("key", ""),
                label=request.POST.get("label", ""),
                kind=request.POST.get("kind", ""),
                choices=request.POST.get("choices", ""),
                required=request.POST.get("required") == "on",
            ),
            _("Custom field added."),
        )
        return redirect("customers:rules")


class SavedViewCreateView(StaffView):
    permissions = {"POST": (P.VIEW,)}

    def post(self, request):
        query = request.POST.get("query", "")
        report_outcome(
            request,
            lambda: services.saved_view_save(
                actor=request.user, name=request.POST.get("name", ""), query=query
            ),
            _("View saved."),
        )
        return redirect("%s?%s" % (request.path.rsplit("views/", 1)[0], query))


class TagRuleCreateView(StaffView):
    permissions = {"POST": (P.POOL_RULES,)}

    def post(self, request):
        report_outcome(
            request,
            lambda: services.tag_rule_create(
                actor=request.user,
                tag_name=request.POST.get("tag", ""),
                field=request.POST.get("field", ""),
                operator=request.POST.get("operator", ""),
                value=request.POST.get("value", ""),
            ),
            _("Tag rule added; existing customers are tagged in the background."),
        )
        return redirect("customers:rules")
