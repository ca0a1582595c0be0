"""Who and where: request facts that every audit row carries."""

import contextvars
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestFacts:
    request_id: str = ""
    ip: str | None = None
    client: str = "system"


_NO_REQUEST = RequestFacts()
_facts: contextvars.ContextVar[RequestFacts] = contextvars.ContextVar(
    "lenddesk_request_facts",
    default=_NO_REQUEST,
)


def current_facts() -> RequestFacts:
    return _facts.get()


def set_facts(facts: RequestFacts) -> contextvars.Token:
    return _facts.set(facts)


def reset_facts(token: contextvars.Token) -> None:
    _facts.reset(token)
