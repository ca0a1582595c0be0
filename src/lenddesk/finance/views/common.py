"""What the finance pages share: a form answer that works with and without htmx, and
query strings that keep the filters."""

from __future__ import annotations

from django.http import HttpResponse, QueryDict
from django.shortcuts import render

from lenddesk.web.pages import form_submit


def with_params(params, **changes) -> str:
    """The query string without its page, with ``changes`` applied."""
    query = params.copy() if isinstance(params, QueryDict) else QueryDict(mutable=True)
    query.pop("page", None)
    for name, value in changes.items():
        if value in (None, ""):
            query.pop(name, None)
        else:
            query[name] = value
    return query.urlencode()


def form_answer(
    request, form, action, *, success, redirect_to, fragment, page, context
) -> HttpResponse:
    """Run the form through ``form_submit``. Success: the redirect (for htmx an
    ``HX-Redirect``, so the page reloads with the message). Refused: 400 with the
    form's box (htmx) or the whole page (``page()``) showing the errors."""
    done = form_submit(request, form, action, success=success, redirect_to=redirect_to)
    if done is not None:
        if request.htmx:
            return HttpResponse(status=204, headers={"HX-Redirect": done["Location"]})
        return done
    if request.htmx:
        return render(request, fragment, {**context, "form": form}, status=400)
    return page(status=400)
