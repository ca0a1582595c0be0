"""The one way a staff page saves a form, answers privately and reveals a value.

Every app's views use these instead of writing the shapes out again:

- ``form_submit``: form valid → the service → a message and a redirect; otherwise
  the form carries its field errors (the service's too) and the view renders it
  again with 400.
- ``private_response``: an answer that holds a clear personal value or a file:
  never stored by a browser or a proxy.
- ``reveal_response``: the "show in full, with a purpose" box (``web/_reveal.html``),
  answering 200 with the value, 400 with the field errors, 403 when the actor may not
  see it (with the reason), 429 past the hourly limit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from lenddesk.security.errors import RateLimited
from lenddesk.web.forms import apply_service_errors


def form_submit(
    request,
    form: Form,
    action: Callable[[dict], Any],
    *,
    success: str | Callable[[Any], str],
    redirect_to: str | Callable[[Any], str],
) -> HttpResponse | None:
    """Run ``action(cleaned_data)`` when the form is valid. Answers the redirect after
    a success; ``None`` when the form or the service refused, with the errors on the
    form, for the view to render again (status 400)."""
    if not form.is_valid():
        return None
    try:
        result = action(form.cleaned_data)
    except ValidationError as exc:
        apply_service_errors(form, exc)
        return None
    messages.success(request, success(result) if callable(success) else success)
    return redirect(redirect_to(result) if callable(redirect_to) else redirect_to)


def private_response(response: HttpResponse) -> HttpResponse:
    """Mark an answer that carries a clear personal value or a file as never to be
    kept by a browser, a proxy or the back button."""
    response["Cache-Control"] = "no-store, private"
    return response


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"


def download_response(data: bytes, filename: str, content_type: str = XLSX):
    """A file to save (an export, a bank file): never rendered, sniffed or kept."""
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = 'attachment; filename="%s"' % filename
    response["X-Content-Type-Options"] = "nosniff"
    return private_response(response)


REVEAL_REFUSALS = (ValidationError, RateLimited, PermissionDenied)


def reveal_refusal(exc: Exception) -> tuple[str, int]:
    """A refused reveal as the words to show and the status to answer with: 429 past
    the hourly limit, 403 when the actor may not see the value, 400 otherwise."""
    if isinstance(exc, RateLimited):
        return str(exc), 429
    if isinstance(exc, PermissionDenied):
        return str(exc) or _("You are not allowed to reveal this value."), 403
    return " ".join(exc.messages), 400


def reveal_response(
    request,
    *,
    form: Form,
    reveal: Callable[[dict], str],
    context: dict,
    template: str = "web/_reveal.html",
) -> HttpResponse:
    """The reveal box after a POST: the value shown once, or the form with why not.

    ``context`` names the box for the template: ``reveal_url``, ``box_id``,
    ``fields`` (``[(name, label, masked value)]``; one field needs no picker) and
    optionally ``compact`` for the small inline form."""
    context = {**context, "form": form}
    status = 400
    if form.is_valid():
        try:
            context["value"] = reveal(form.cleaned_data)
            status = 200
        except ValidationError as exc:
            apply_service_errors(form, exc)
        except (RateLimited, PermissionDenied) as exc:  # the box says why
            message, status = reveal_refusal(exc)
            form.add_error(None, message)
    return private_response(render(request, template, context, status=status))
