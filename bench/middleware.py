"""Server time as the server saw it, outside every other middleware."""

import time

HEADER = "X-Bench-Server-Ms"


class ServerTiming:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        response[HEADER] = "%.3f" % ((time.perf_counter() - started) * 1000)
        return response
