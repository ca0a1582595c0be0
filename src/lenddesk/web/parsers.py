"""The API's JSON parser: DRF's, with the limits a public endpoint needs.

DRF's parser reads any body to the end and lets ``json`` recurse as deep as the
document goes: a 3,000-deep array was a RecursionError and a body of many megabytes
was read whole, both answered 500 before anyone was authenticated. Here the body is
read up to ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (413 past it), nesting is capped, and a
string no database can store (a lone surrogate) is refused, naming where it is.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers, status
from rest_framework.utils import json

from lenddesk.security.text import (
    has_lone_surrogate,
    surrogate_message,
    without_surrogates,
)

MAX_DEPTH = 32


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"

    def __init__(self, limit: int):
        super().__init__(_("The body is larger than %d bytes.") % limit)


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1) if stream is not None else b""
        if limit is not None and len(raw) > limit:
            raise PayloadTooLarge(limit)
        return loads(raw, (parser_context or {}).get("encoding", "utf-8"))


def loads(raw: bytes, encoding: str = "utf-8"):
    """A JSON document, or ParseError saying what is wrong with it."""
    try:
        # NaN and Infinity are not JSON (DRF's STRICT_JSON).
        data = json.loads(raw.decode(encoding), parse_constant=json.strict_constant)
    except UnicodeDecodeError:
        raise exceptions.ParseError(_("The body is not valid UTF-8.")) from None
    except RecursionError:
        raise _too_deep() from None
    except ValueError as exc:
        raise exceptions.ParseError(_("The body is not valid JSON: %s") % exc) from None
    where = bad_string_at(data)
    if where is not None:
        raise exceptions.ValidationError({where or "body": [surrogate_message()]})
    return data


def _too_deep() -> exceptions.ParseError:
    return exceptions.ParseError(
        _("The JSON is nested more than %d levels deep.") % MAX_DEPTH
    )


def bad_string_at(data) -> str | None:
    """The dotted path of the first string (key or value) holding a lone surrogate,
    "" for the document itself, or None when there is none. Raises ParseError when
    the document nests deeper than ``MAX_DEPTH``. Iterative: depth costs no stack."""
    pending = [(data, "", 0)]
    while pending:
        value, path, depth = pending.pop()
        if depth > MAX_DEPTH:
            raise _too_deep()
        if isinstance(value, str):
            if has_lone_surrogate(value):
                return path
        elif isinstance(value, dict):
            for key, item in value.items():
                where = _join(path, key)
                if has_lone_surrogate(key):
                    return without_surrogates(where)
                pending.append((item, where, depth + 1))
        elif isinstance(value, list):
            pending.extend(
                (item, _join(path, index), depth + 1)
                for index, item in enumerate(value)
            )
    return None


def _join(path: str, part) -> str:
    return "%s.%s" % (path, part) if path else str(part)
