"""The pages that list customers: the list (with its bulk actions and saved views),
the public pool, the to-do list and the funnel."""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from lenddesk.accounts.models import User
from lenddesk.accounts.scope import sees_only_own
from lenddesk.accounts.selectors import active_colleagues, department_tree
from lenddesk.customers import bulk, listing, selectors
from lenddesk.customers.forms import AssignForm, BulkActionForm
from lenddesk.customers.models import FunnelStage, Rating, SavedView
from lenddesk.customers.permissions import CustomerPermission as P
from lenddesk.customers.pool_ages import POOL_AGE_KEYS, POOL_AGES
from lenddesk.customers.services.pool import customer_assign, pool_rules
from lenddesk.customers.services.saved_views import saved_view_save
from lenddesk.web.access import StaffView
from lenddesk.web.forms import report_outcome
from lenddesk.web.params import int_or_none


class CustomerListView(StaffView):
    permissions = {"GET": (P.VIEW,)}

    def get(self, request):
        filters = selectors.filters_from(request.GET)
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


def _more_filters(filters: selectors.CustomerFilters) -> bool:
    """Whether a filter behind "more filters" is in use (the panel opens)."""
    return any(
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
    )


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
        "more_filters": _more_filters(filters),
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
        age = request.GET.get("age", "")
        age = age if age in POOL_AGE_KEYS else ""
        rows, next_before = selectors.pool_list(
            actor=request.user,
            q=q,
            pool_id=pool_id,
            age=age,
            before=int_or_none(request.GET.get("before")),
        )
        return render(
            request,
            "customers/pool.html",
            {
                "rows": rows,
                "next_page": _next_page(request.GET, selectors.NEWEST, next_before),
                "total": selectors.pool_count(
                    actor=request.user, q=q, pool_id=pool_id, age=age
                ),
                "q": q,
                "pool_id": pool_id,
                "age": age,
                "ages": POOL_AGES,
                "pools": selectors.pools_visible_to(request.user),
                "rules": pool_rules(),
                "colleagues": active_colleagues()
                if request.user.has_code(P.ASSIGN)
                else [],
            },
        )


def _safe_back(request) -> str:
    """Where to return after a bulk action: only a path on this site."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}
    ):
        return target
    return "customers:list"


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
            moved = customer_assign(
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


class SavedViewCreateView(StaffView):
    permissions = {"POST": (P.VIEW,)}

    def post(self, request):
        query = request.POST.get("query", "")
        report_outcome(
            request,
            lambda: saved_view_save(
                actor=request.user, name=request.POST.get("name", ""), query=query
            ),
            _("View saved."),
        )
        return redirect("%s?%s" % (request.path.rsplit("views/", 1)[0], query))


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
