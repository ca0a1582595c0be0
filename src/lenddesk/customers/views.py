import datetime as dt
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from lenddesk.accounts.models import User
from lenddesk.accounts.scope import sees_only_own
from lenddesk.accounts.selectors import active_colleagues, department_tree
from lenddesk.customers import bulk, listing, selectors, services
from lenddesk.customers.documents import document_read, document_upload
from lenddesk.customers.errors import CustomerNotOwned
from lenddesk.customers.exports import (
    ExportQueued,
    customers_export,
    export_decide,
    export_file,
    xlsx_response,
)
from lenddesk.customers.forms import (
    AssignForm,
    BulkActionForm,
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
from lenddesk.customers.phone_policy import customer_reveal, phone_access, phone_policy
from lenddesk.customers.selectors import int_or_none
from lenddesk.security.errors import RateLimited
from lenddesk.web.access import StaffView
from lenddesk.web.forms import apply_service_errors, report_outcome

PERSONAL = ("phone", "id_number")


def _filters(request) -> selectors.CustomerFilters:
    return selectors.filters_from(request.GET)


def _custom():
    return list(CustomField.objects.all())


class OwnedCustomerView(StaffView):
    """A page that acts on, or reads the history of, one customer. The services'
    ownership rule (a public-pool customer is read-only until claimed) answers 403
    with its message, as the API does."""

    def dispatch(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        except CustomerNotOwned as exc:
            return render(
                request,
                "web/error.html",
                {"status": 403, "detail": str(exc)},
                status=403,
            )


class CustomerListView(StaffView):
    permissions = {"GET": (P.VIEW,)}

    def get(self, request):
        filters = _filters(request)
        order = selectors.order_from(request.GET.get("sort"))
        rows, next_position = selectors.customer_list(
            actor=request.user,
            filters=filters,
            before=int_or_none(request.GET.get("before")),
            order=order,
            cursor=request.GET.get("cursor", ""),
        )
        columns = listing.chosen_columns(request.GET)
        selectable = request.user.has_code(P.CHANGE) or request.user.has_code(P.ASSIGN)
        if "tags" in columns:
            selectors.with_tags(rows)
        more = request.htmx and (request.GET.get("before") or request.GET.get("cursor"))
        context = {
            "rows": rows,
            "next_page": _next_page(request.GET, order, next_position),
            "columns": columns,
            "selectable": selectable,
            "colspan": 1 + len(columns) + selectable,
            "now": dt.datetime.now(dt.UTC),
        }
        if not more:
            context.update(_list_page_context(request, filters, order, columns))
        template = "customers/_rows.html" if more else "customers/list.html"
        return render(request, template, context)


def _next_page(params, order, position) -> str:
    if position is None:
        return ""
    name = "before" if order == selectors.NEWEST else "cursor"
    return listing.with_params(params, **{name: position})


def _list_page_context(request, filters, order, columns) -> dict:
    actor = request.user
    own_only = sees_only_own(actor)  # no colleague's customers to filter by
    return {
        "filters": filters,
        "order": order,
        "total": selectors.customer_count(actor=actor, filters=filters),
        "query": listing.with_params(request.GET),
        "headers": listing.headers(request.GET, columns, order),
        "all_columns": listing.COLUMNS,
        "sort_choices": listing.SORT_CHOICES,
        "ignored": listing.ignored_labels(filters.ignored),
        "more_filters": any(
            (
                filters.owner,
                filters.channel,
                filters.city,
                filters.tag,
                filters.created_from,
                filters.created_to,
                filters.amount_min is not None,
                filters.amount_max is not None,
            )
        ),
        "stages": FunnelStage.objects.all(),
        "ratings": Rating.choices,
        "departments": [] if own_only else department_tree(),
        "owners": [] if own_only else selectors.owner_choices(actor=actor),
        "tags": selectors.tag_choices(),
        "colleagues": active_colleagues() if actor.has_code(P.ASSIGN) else [],
        "can_change": actor.has_code(P.CHANGE),
        "saved_views": SavedView.objects.filter(user=actor),
    }


class PoolListView(StaffView):
    permissions = {"GET": (P.CLAIM, P.ASSIGN)}

    def get(self, request):
        q = request.GET.get("q", "")[:80]
        pool_id = int_or_none(request.GET.get("pool"))
        rows, next_before = selectors.pool_list(
            actor=request.user,
            q=q,
            pool_id=pool_id,
            before=int_or_none(request.GET.get("before")),
        )
        return render(
            request,
            "customers/pool.html",
            {
                "rows": rows,
                "next_page": _next_page(request.GET, selectors.NEWEST, next_before),
                "total": selectors.pool_count(actor=request.user, q=q, pool_id=pool_id),
                "q": q,
                "pool_id": pool_id,
                "pools": selectors.pools_visible_to(request.user),
                "rules": services.pool_rules(),
                "colleagues": active_colleagues()
                if request.user.has_code(P.ASSIGN)
                else [],
            },
        )


class BulkActionView(StaffView):
    """One action on the rows ticked in the list; the answer says how many were
    done and why the others were skipped."""

    permissions = {"POST": (P.CHANGE, P.ASSIGN)}
    needs = {
        "release": P.CHANGE,
        "tag": P.CHANGE,
        "stage": P.CHANGE,
        "assign": P.ASSIGN,
    }

    def post(self, request):
        back = _safe_back(request)
        form = BulkActionForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for message in errors:
                    messages.error(request, message)
            return redirect(back)
        data = form.cleaned_data
        if not request.user.has_code(self.needs[data["action"]]):
            raise PermissionDenied
        try:
            outcome = _run_bulk(request.user, data)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            _report_bulk(request, outcome)
        return redirect(back)


def _run_bulk(actor, data) -> bulk.BulkOutcome:
    ids, action = data["customers"], data["action"]
    if action == "release":
        return bulk.customers_release(
            actor=actor, customer_ids=ids, reason=data["reason"]
        )
    if action == "tag":
        return bulk.customers_tag(actor=actor, customer_ids=ids, tag_name=data["tag"])
    if action == "stage":
        return bulk.customers_set_stage(
            actor=actor, customer_ids=ids, stage_id=data["stage"]
        )
    return bulk.customers_assign(actor=actor, customer_ids=ids, owner_id=data["owner"])


def _report_bulk(request, outcome: bulk.BulkOutcome) -> None:
    if not outcome.skipped:
        messages.success(request, _("%(done)d done.") % {"done": outcome.done})
        return
    reasons = _("; ").join(
        _("%(reason)s (%(n)d)") % {"reason": reason, "n": n}
        for reason, n in outcome.skipped.most_common()
    )
    level = messages.warning if outcome.done else messages.error
    level(
        request,
        _("%(done)d done, %(skipped)d skipped: %(reasons)s.")
        % {"done": outcome.done, "skipped": outcome.skipped_count, "reasons": reasons},
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


def _detail_tabs(owned: bool) -> list[tuple[str, str]]:
    """The customer page's tabs: a pool customer shows only what the list shows."""
    if not owned:
        return [("profile", _("Profile")), ("source", _("Source"))]
    return [
        ("followups", _("Follow-ups and visits")),
        ("matching", _("Product matching")),
        ("timeline", _("Timeline")),
        ("documents", _("Documents")),
        ("profile", _("Profile")),
        ("source", _("Source")),
    ]


def _to_tab(customer_id: int, tab: str):
    """Back to the customer page, on the tab where the action happened."""
    return redirect("%s#%s" % (reverse("customers:detail", args=[customer_id]), tab))


def _phone_context(request, customer) -> dict:
    """What the header's phone fact offers this person under the firm's policy."""
    policy = phone_policy()
    return {
        "phone_policy": policy,
        "phone_access": phone_access(
            actor=request.user, customer=customer, policy=policy
        ),
    }


def _detail_context(request, customer, **extra) -> dict:
    owned = customer.owner_id is not None
    tabs = _detail_tabs(owned)
    return {
        **_phone_context(request, customer),
        "customer": customer,
        "owned": owned,
        "tabs": tabs,
        "active_tab": extra.pop("active_tab", tabs[0][0]),
        "now": timezone.now(),
        "followups": selectors.customer_followups(customer=customer) if owned else [],
        "visits": selectors.customer_visits(customer=customer) if owned else [],
        "timeline": selectors.customer_timeline(customer=customer) if owned else [],
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


class CustomerEditView(OwnedCustomerView):
    permissions = {"GET": (P.CHANGE,), "POST": (P.CHANGE,)}

    def _get(self, request, customer_id) -> Customer:
        customer = selectors.customer_get(actor=request.user, customer_id=customer_id)
        services.ensure_owned(customer)
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


class CustomerActionView(OwnedCustomerView):
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
                messages.success(
                    request,
                    _("Marked as a key customer.")
                    if action == "lock"
                    else _("No longer a key customer."),
                )
            else:
                customer = services.customer_update(
                    actor=request.user,
                    customer=customer,
                    data={},
                    stage_id=int_or_none(request.POST.get("stage")) or 0,
                )
                messages.success(
                    request,
                    _("Stage changed to %(stage)s.") % {"stage": customer.stage},
                )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            if action == "claim":
                return redirect("customers:pool")
        if action == "release":
            return redirect("customers:list")
        return redirect("customers:detail", customer_id=customer.pk)


class FollowUpCreateView(OwnedCustomerView):
    permissions = {"POST": (P.CHANGE,)}

    def post(self, request, customer_id):
        customer = selectors.customer_get(actor=request.user, customer_id=customer_id)
        services.ensure_owned(customer)
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
                return _to_tab(customer.pk, "followups")
        context = _detail_context(request, customer, followup_form=form)
        return render(request, "customers/detail.html", context, status=400)


class VisitCreateView(OwnedCustomerView):
    permissions = {"POST": (P.CHANGE,)}

    def post(self, request, customer_id):
        customer = selectors.customer_get(actor=request.user, customer_id=customer_id)
        services.ensure_owned(customer)
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
                return _to_tab(customer.pk, "followups")
        return render(
            request,
            "customers/detail.html",
            _detail_context(request, customer, visit_form=form),
            status=400,
        )


class VisitStatusView(OwnedCustomerView):
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
        else:
            messages.success(request, _("Visit updated."))
        return _to_tab(visit.customer_id, "followups")


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


def _refusal(exc: Exception) -> tuple[str, int]:
    """A refused reveal as the message to show and the status to answer with."""
    if isinstance(exc, RateLimited):
        return str(exc), 429
    if isinstance(exc, PermissionDenied):
        return str(exc) or _("You are not allowed to reveal this value."), 403
    return " ".join(exc.messages), 400


class RevealView(OwnedCustomerView):
    """Shows a phone or ID number in full. The header's one-click "show number" is
    an owner's own reveal under the firm's phone policy; the profile's panel asks
    for a purpose. The services decide who may; viewing is enough to ask."""

    permissions = {"POST": (P.VIEW, P.REVEAL_PHONE, P.REVEAL_ID)}

    def post(self, request, customer_id):
        customer = selectors.customer_get(actor=request.user, customer_id=customer_id)
        services.ensure_owned(customer)
        if request.POST.get("shown_in") == "header":
            response = self._own_phone(request, customer)
        else:
            response = self._with_purpose(request, customer)
        response["Cache-Control"] = "no-store"
        return response

    def _own_phone(self, request, customer):
        shown, status = {}, 200
        try:
            shown["revealed_phone"] = customer_reveal(
                actor=request.user, customer=customer, field="phone"
            )
        except (ValidationError, PermissionDenied, RateLimited) as exc:
            shown["phone_error"], status = _refusal(exc)
        if request.htmx:
            context = {"customer": customer, **_phone_context(request, customer)}
            return render(
                request,
                "customers/_phone_fact.html",
                {**context, **shown},
                status=status,
            )
        return render(
            request,
            "customers/detail.html",
            _detail_context(request, customer, **shown),
            status=status,
        )

    def _with_purpose(self, request, customer):
        form = RevealForm(request.POST)
        context = {"form": form, "customer": customer}
        status = 400
        if form.is_valid():
            try:
                context["value"] = customer_reveal(
                    actor=request.user,
                    customer=customer,
                    field=form.cleaned_data["field"],
                    purpose=form.cleaned_data["purpose"],
                )
                status = 200
            except ValidationError as exc:
                apply_service_errors(form, exc)
            except (PermissionDenied, RateLimited) as exc:
                message, status = _refusal(exc)
                form.add_error(None, message)
        return render(request, "customers/_reveal.html", context, status=status)


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
        "phone_policy",
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


class DocumentUploadView(OwnedCustomerView):
    permissions = {"POST": (P.CHANGE,)}

    def post(self, request, customer_id):
        customer = selectors.customer_get(actor=request.user, customer_id=customer_id)
        services.ensure_owned(customer)
        if "file" not in request.FILES:
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
        return _to_tab(customer.pk, "documents")


class DocumentDownloadView(OwnedCustomerView):
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
