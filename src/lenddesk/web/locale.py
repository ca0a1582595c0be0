"""zh-hans first: staff pages ignore the browser's Accept-Language and use the language
the user chose (the language cookie), else the firm default. The API keeps honouring
Accept-Language for integrators."""

from django.conf import settings


class DefaultLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith("/api/"):
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
            if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
                request.META["HTTP_ACCEPT_LANGUAGE"] = settings.LANGUAGE_CODE
        return self.get_response(request)
