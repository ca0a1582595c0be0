"""The applicant's H5 application form and its thank-you page. The firm comes from
the slug in the URL; the sharer and share node from signed link parameters."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from lenddesk.acquisition.services import current_notice
from lenddesk.promotion import selectors, services
from lenddesk.promotion.captcha import captcha_check, captcha_new
from lenddesk.promotion.fields import PublicForm
from lenddesk.promotion.throttle import submission_allowed
from lenddesk.promotion.views.public import visitor_key
from lenddesk.security.net import client_ip
from lenddesk.tenancy.context import tenant_context
from lenddesk.web.forms import apply_service_errors

# Past the form's hourly limit from one address: 429, and when to come back.
RETRY_AFTER_SECONDS = 600


def _link_param(request, name: str) -> str:
    return request.POST.get(name) or request.GET.get(name, "")


def _submit_context(request, tenant) -> services.SubmitContext:
    """Sharer, share node and visitor behind a submission, from signed parameters."""
    key, _new = visitor_key(request)
    visitor = selectors.visitor_by_key(key)
    node, sharer = selectors.submission_origin(
        via=_link_param(request, "via"),
        sharer_token=_link_param(request, "s"),
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


def _too_many_attempts(request, tenant):
    response = render(
        request,
        "promotion/public_message.html",
        {
            "tenant": tenant,
            "title": _("Too many attempts"),
            "message": _("Too many applications from here. Please try again later."),
        },
        status=429,
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class FormPublicView(View):
    """The applicant's H5 form."""

    tenant_from_url = True

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
            "via": _link_param(request, "via"),
            "s": _link_param(request, "s"),
            "closed": tenant.is_expired(),
        }
        if form is not None and request.method == "GET":
            form.initial["captcha_id"] = captcha_id
        return render(request, "promotion/public_form.html", context, status=status)

    def get(self, request, slug: str, key: str):
        tenant = selectors.public_tenant(slug)
        with tenant_context(tenant):
            application_form = selectors.public_form(key=key)
            notice = current_notice()
            form = None
            if notice:
                form = PublicForm(application_form=application_form, notice=notice)
            return self._render(request, tenant, application_form, notice, form)

    def post(self, request, slug: str, key: str):
        tenant = selectors.public_tenant(slug)
        with tenant_context(tenant):
            application_form = selectors.public_form(key=key)
            notice = current_notice()
            if notice is None or tenant.is_expired():
                return self._render(
                    request, tenant, application_form, notice, None, status=403
                )
            if not submission_allowed(
                tenant_id=tenant.pk, form=application_form, ip=client_ip(request)
            ):
                return _too_many_attempts(request, tenant)
            form = PublicForm(
                request.POST, application_form=application_form, notice=notice
            )
            if self._submit(request, tenant, application_form, form):
                return redirect(
                    "promotion:form_thanks", slug=slug, key=application_form.key
                )
            return self._render(
                request, tenant, application_form, notice, form, status=400
            )

    def _submit(self, request, tenant, application_form, form) -> bool:
        """The check code, then the application; False with the errors on the form."""
        if not form.is_valid():
            return False
        try:
            captcha_check(form.cleaned_data["captcha_id"], form.cleaned_data["captcha"])
            services.form_submit(
                form=application_form,
                data=form.submission_data(),
                context=_submit_context(request, tenant),
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
            return False
        return True


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
