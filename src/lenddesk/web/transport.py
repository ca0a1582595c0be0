"""Plain HTTP to a machine endpoint where HTTPS is required: a JSON error, no redirect.

SecurityMiddleware answers plain HTTP with a 301 to HTTPS, which suits a browser. An
HTTP client follows a 301 by re-sending its POST as a GET, so a traffic platform's
delivery would be lost without an error it could see. Intake is therefore exempt from
that redirect (``SECURE_REDIRECT_EXEMPT``) and refused here with 403
``https_required`` while ``SECURE_SSL_REDIRECT`` is on (production behind TLS).
"""

from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse
from django.utils.translation import gettext as _

from lenddesk.web.errors import error_response
from lenddesk.web.machine import is_machine_path

HTTPS_REQUIRED = "https_required"


class MachineHttpsOnlyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            settings.SECURE_SSL_REDIRECT
            and is_machine_path(request.path)
            and not request.is_secure()
        ):
            return https_required()
        return self.get_response(request)


def https_required() -> JsonResponse:
    detail = _(
        "This endpoint accepts HTTPS only: send the request to the https:// address."
    )
    return error_response(HTTPS_REQUIRED, str(detail), 403)
