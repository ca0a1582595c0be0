import contextvars
import logging

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar(
    "lenddesk_request_id", default="-"
)


def set_request_id(value: str) -> None:
    """Not reset at the end of the request on purpose: Django logs the response status
    after the middleware chain has returned, and that line must carry the id too. The
    next request on the thread overwrites it."""
    _request_id.set(value)


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        return True
