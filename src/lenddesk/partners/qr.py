"""Invitation QR codes (segno): SVG for the screen, PNG for printing."""

import io

import segno
from django.http import HttpResponse

from lenddesk.web.pages import private_response


def qr_response(
    url: str, *, fmt: str = "svg", filename: str = "invitation"
) -> HttpResponse:
    code = segno.make(url, error="m")
    buffer = io.BytesIO()
    if fmt == "png":
        code.save(buffer, kind="png", scale=10, border=3)
        response = HttpResponse(buffer.getvalue(), content_type="image/png")
        response["Content-Disposition"] = 'attachment; filename="%s.png"' % filename
    else:
        code.save(buffer, kind="svg", scale=8, border=2, xmldecl=False)
        response = HttpResponse(buffer.getvalue(), content_type="image/svg+xml")
    response["X-Content-Type-Options"] = "nosniff"
    return private_response(response)
