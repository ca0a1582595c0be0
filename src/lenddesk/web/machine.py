"""A lean entry point for signed machine-to-machine endpoints (traffic-platform intake).

A traffic platform's delivery carries no session, cookie, CSRF token or user: it proves
itself with a signature, and the view reads the firm from its key and checks the plan
itself. Most of the staff middleware (sessions, CSRF, authentication, messages, the
session guard, tenant and plan resolution, htmx, static files) has nothing to do for
it, yet cost a third of each request. This handler runs the same Django request,
URLconf, views and error handling with only ``settings.MACHINE_MIDDLEWARE``: host
validation, security headers, the request id and audit facts, NUL refusal and the
language of the error messages.
"""

from __future__ import annotations

from django.conf import settings
from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler
from django.urls import URLResolver
from django.urls.resolvers import RegexPattern
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.functional import cached_property
from django.utils.module_loading import import_string

MACHINE_PATH_PREFIXES = ("/api/v1/intake/", "/api/v1/telephony/callbacks/")


class MachineHandler(WSGIHandler):
    """Django's WSGI handler with ``settings.MACHINE_MIDDLEWARE`` (synchronous)."""

    def load_middleware(self, is_async: bool = False) -> None:
        self._view_middleware = []
        self._template_response_middleware = []
        self._exception_middleware = []
        handler = convert_exception_to_response(self._get_response)
        for path in reversed(settings.MACHINE_MIDDLEWARE):
            middleware = import_string(path)(handler)
            if hasattr(middleware, "process_view"):
                self._view_middleware.insert(0, middleware.process_view)
            if hasattr(middleware, "process_template_response"):
                self._template_response_middleware.append(
                    middleware.process_template_response
                )
            if hasattr(middleware, "process_exception"):
                self._exception_middleware.append(middleware.process_exception)
            handler = convert_exception_to_response(middleware)
        self._middleware_chain = handler

    def resolve_request(self, request):
        """Resolve among the machine endpoints only (``machine_patterns``), instead
        of walking every staff route first; ``reverse`` still sees every route."""
        match = self.resolver.resolve(request.path_info)
        request.resolver_match = match
        return match

    @cached_property
    def resolver(self) -> URLResolver:
        from lenddesk.urls import machine_patterns

        return URLResolver(RegexPattern(r"^/"), machine_patterns)


class MachineMiddleware:
    """What the common, locale, clickjacking and CSP middleware do for a machine
    endpoint, without their work for pages (slash redirects, language prefixes in
    paths, a policy built per response): the Host checked against ALLOWED_HOSTS
    (400 otherwise), error messages in the caller's Accept-Language, a
    Content-Length, and constant headers. A machine endpoint answers JSON, never a
    document, so nothing may load from it and no page may frame it."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.headers = {
            "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
            "X-Frame-Options": settings.X_FRAME_OPTIONS,
        }

    def __call__(self, request):
        request.get_host()  # DisallowedHost: 400, as on the staff stack
        translation.activate(translation.get_language_from_request(request))
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        for name, value in self.headers.items():
            response.headers.setdefault(name, value)
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        patch_vary_headers(response, ("Accept-Language",))
        if not response.streaming and not response.has_header("Content-Length"):
            response.headers["Content-Length"] = str(len(response.content))
        return response


def is_machine_path(path: str) -> bool:
    return path.startswith(MACHINE_PATH_PREFIXES)


class Router:
    """The WSGI application: machine endpoints to the lean handler, the rest to the
    full one."""

    def __init__(self, full: WSGIHandler, machine: WSGIHandler):
        self.full = full
        self.machine = machine

    def __call__(self, environ, start_response):
        handler = (
            self.machine if is_machine_path(environ.get("PATH_INFO", "")) else self.full
        )
        return handler(environ, start_response)
