import uuid

from django.http import HttpResponseBadRequest, JsonResponse

from lenddesk.audit.context import RequestFacts, reset_facts, set_facts
from lenddesk.security.net import client_ip
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
            return JsonResponse(
                {"error": "invalid", "detail": detail, "fields": {bad[0]: [detail]}},
                status=400,
            )
        return HttpResponseBadRequest(detail, content_type="text/plain")
