"""What promotion pages send back besides HTML: stored uploads (with byte ranges),
PNG pictures and the composed, cached poster."""

from __future__ import annotations

import hashlib
import re
from urllib.parse import quote

from django.core.cache import cache
from django.http import FileResponse, Http404, HttpResponse
from django.utils.translation import gettext as _

from lenddesk.accounts.models import User
from lenddesk.promotion import content

RANGE_CHUNK = 4 * 1024 * 1024
POSTER_CACHE_SECONDS = 3600


def png_response(data: bytes, filename: str | None = None) -> HttpResponse:
    response = HttpResponse(data, content_type="image/png")
    response["X-Content-Type-Options"] = "nosniff"
    if filename:
        response["Content-Disposition"] = "attachment; filename*=UTF-8''%s" % quote(
            filename
        )
    return response


def _byte_range(range_header: str, size: int) -> tuple[int, int] | None:
    """``(start, end)`` of a ``Range: bytes=…`` header, or None for the whole file."""
    match = re.fullmatch(r"bytes=(\d*)-(\d*)", range_header.strip())
    if not (match and (match[1] or match[2])):
        return None
    if match[1]:
        start = int(match[1])
        return start, min(int(match[2]), size - 1) if match[2] else size - 1
    return max(0, size - int(match[2])), size - 1


def _partial(path, mime: str, start: int, end: int, size: int) -> HttpResponse:
    if start > end or start >= size:
        response = HttpResponse(status=416)
        response["Content-Range"] = "bytes */%d" % size
        return response
    with path.open("rb") as handle:
        handle.seek(start)
        data = handle.read(min(end - start + 1, RANGE_CHUNK))
    response = HttpResponse(data, status=206, content_type=mime)
    response["Content-Range"] = "bytes %d-%d/%d" % (
        start,
        start + len(data) - 1,
        size,
    )
    return response


def stored_file(name: str, mime: str, range_header: str = "") -> HttpResponse:
    """A stored upload, inline, with ``Range`` support (iPhone and WeChat browsers
    only play videos served in byte ranges)."""
    if not name:
        raise Http404
    try:
        path = content.stored_path(name)
        size = path.stat().st_size
    except (FileNotFoundError, OSError) as exc:
        raise Http404 from exc
    byte_range = _byte_range(range_header, size)
    if byte_range is None:
        response = FileResponse(path.open("rb"), content_type=mime)
    else:
        response = _partial(path, mime, *byte_range, size)
        if response.status_code == 416:
            return response
    response["Accept-Ranges"] = "bytes"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def poster_png(material, url: str, sharer: User) -> bytes:
    """The composed poster, kept in the shared cache for an hour: composing a large
    picture costs a fraction of a second of CPU."""
    fingerprint = "%d|%s|%s|%s|%s" % (
        material.tenant_id,
        material.pk,
        material.updated_at,
        url,
        sharer.display_name,
    )
    key = "promotion:poster:%s" % hashlib.sha256(fingerprint.encode()).hexdigest()
    data = cache.get(key)
    if data is None:
        data = _compose(material, url, sharer)
        cache.set(key, data, timeout=POSTER_CACHE_SECONDS)
    return data


def _compose(material, url: str, sharer: User) -> bytes:
    background = None
    if material.image_name:
        try:
            background = content.stored_path(material.image_name).read_bytes()
        except FileNotFoundError:
            background = None
    return content.compose_poster(
        background=background,
        url=url,
        name=sharer.display_name,
        line=_("Scan to learn more"),
    )
