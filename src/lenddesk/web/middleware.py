import uuid

from django.http import HttpResponseBadRequest, JsonResponse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from lenddesk.audit.context import RequestFacts, reset_facts, set_facts
from lenddesk.security.net import client_ip
from lenddesk.web.errors import error_response
from lenddesk.web.logging import set_request_id


def client_kind(request) -> str:
    if request.path.startswith("/api/"):
        return "api"
    return "web"


class RequestIdMiddleware:
    """Gives every request an id (echoed as X-Request-ID) and the facts audit rows need."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if 8 <= len(incoming) <= 40 and incoming.isalnum() else ""
        request_id = request_id or uuid.uuid4().hex
        request.request_id = request_id
        token = set_facts(
            RequestFacts(
                request_id=request_id,
                ip=client_ip(request),
                client=client_kind(request),
            )
        )
        set_request_id(request_id)
        try:
            response = self.get_response(request)
        finally:
            reset_facts(token)
        response["X-Request-ID"] = request_id
        user = getattr(request, "user", None)
        if request.path.startswith("/api/") or (
            user is not None and user.is_authenticated
        ):
            # Pages and API answers may carry personal data: never into shared caches.
            response.setdefault("Cache-Control", "no-store, private")
        if response.get("Content-Type", "").startswith("text/html"):
            # A page answers an htmx request with a fragment and a plain one with the
            # whole page: a cache must keep the two apart.
            patch_vary_headers(response, ("HX-Request",))
        return response


class RefuseNulMiddleware:
    """A NUL character in the query string is refused with 400 naming the parameter:
    PostgreSQL cannot store or compare it, and no real input contains one. (Form and
    JSON fields are already checked by Django's and DRF's character fields.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = request.META.get("QUERY_STRING", "")
        if "%00" not in query and "\x00" not in query:
            return self.get_response(request)  # no NUL anywhere: nothing to parse
        bad = [
            key
            for key, values in request.GET.lists()
            if "\x00" in key or any("\x00" in value for value in values)
        ]
        if not bad:
            return self.get_response(request)
        detail = "%s: contains a NUL character." % bad[0].replace("\x00", "")
        if request.path.startswith("/api/"):
            return _refusal(400, "invalid", detail, bad[0])
        return HttpResponseBadRequest(detail, content_type="text/plain")


# What a request to the API may carry. The server in front (gunicorn, configured in
# lenddesk.cli) allows about twice as much, so that past these the answer comes from
# here, in the API's error shape, rather than as the server's own plain page.
MAX_API_URL_LENGTH = 4096
MAX_API_HEADER_LENGTH = 8190
MAX_API_HEADERS = 100


class RequestLimitsMiddleware:
    """An over-long URL (414) or header (431), or too many headers (431), on an API
    path is answered in the error shape naming what is too long."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/"):
            refusal = _limits_refusal(request.META)
            if refusal is not None:
                return refusal
        return self.get_response(request)


def _limits_refusal(meta) -> JsonResponse | None:
    url = len(meta.get("PATH_INFO", "")) + len(meta.get("QUERY_STRING", ""))
    if url > MAX_API_URL_LENGTH:
        detail = _("The URL is longer than %d characters.") % MAX_API_URL_LENGTH
        return _refusal(414, "uri_too_long", detail, "url")
    headers = [key for key in meta if key.startswith("HTTP_")]
    if len(headers) > MAX_API_HEADERS:
        detail = _("The request has more than %d headers.") % MAX_API_HEADERS
        return _refusal(431, "headers_too_large", detail, "headers")
    for key in headers:
        if len(str(meta[key])) > MAX_API_HEADER_LENGTH:
            name = key.removeprefix("HTTP_").replace("_", "-").title()
            detail = _("The %(header)s header is longer than %(n)d characters.") % {
                "header": name,
                "n": MAX_API_HEADER_LENGTH,
            }
            return _refusal(431, "headers_too_large", detail, name)
    return None


def _refusal(status: int, code: str, detail: str, field: str) -> JsonResponse:
    return error_response(code, detail, status, fields={field: [detail]})
