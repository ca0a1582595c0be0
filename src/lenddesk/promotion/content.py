"""What staff put into materials: sanitised article HTML, checked uploads, composed
posters and QR codes, and the device a visitor uses."""

from __future__ import annotations

import io
import re
import uuid
from functools import lru_cache
from pathlib import Path

import filetype
import nh3
import segno
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw, ImageFont, ImageOps

ARTICLE_TAGS = {
    "p", "br", "strong", "b", "em", "i", "u", "s", "h2", "h3", "h4", "blockquote",
    "ul", "ol", "li", "a", "img", "hr", "span", "div", "table", "thead", "tbody",
    "tr", "th", "td",
}  # fmt: skip
ARTICLE_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "width", "height"}}
IMAGE_MAX_BYTES = 8 * 1024 * 1024
IMAGE_MAX_PIXELS = 40_000_000
VIDEO_MAX_BYTES = 50 * 1024 * 1024
VIDEO_TYPES = {"video/mp4": "mp4", "video/webm": "webm", "video/quicktime": "mov"}
IMAGE_TYPES = {"image/jpeg": "jpg", "image/png": "png"}
POSTER_WIDTH = 750
POSTER_BAND = 220
CJK_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/System/Library/Fonts/PingFang.ttc",
)


def sanitize_html(raw: str) -> str:
    """Article HTML with only harmless tags: no scripts, no ``on*`` handlers, no
    ``javascript:`` or ``data:`` links; links open safely."""
    return nh3.clean(
        raw or "",
        tags=ARTICLE_TAGS,
        attributes=ARTICLE_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def _folder() -> Path:
    folder = Path(settings.MEDIA_ROOT) / "promotion"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def stored_path(name: str) -> Path:
    if not re.fullmatch(r"[0-9a-f]{32}\.[a-z0-9]{2,4}", name or ""):
        raise FileNotFoundError(name)
    return _folder() / name


def store_image(upload) -> tuple[str, str]:
    """Check an uploaded picture by its content, re-encode it (drops EXIF and anything
    appended) and store it under a random name. Returns (stored name, MIME type)."""
    if upload.size > IMAGE_MAX_BYTES:
        raise ValidationError({"image": _("The picture is larger than 8 MB.")})
    data = upload.read()
    mime = filetype.guess_mime(data[:8192])
    if mime not in IMAGE_TYPES:
        raise ValidationError({"image": _("Upload a JPG or PNG picture.")})
    Image.MAX_IMAGE_PIXELS = IMAGE_MAX_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > IMAGE_MAX_PIXELS:
                raise ValidationError({"image": _("The picture has too many pixels.")})
            image.load()
            clean = ImageOps.exif_transpose(image)
            clean = clean.convert("RGB") if mime == "image/jpeg" else clean.copy()
    except Image.DecompressionBombError as exc:
        raise ValidationError({"image": _("The picture has too many pixels.")}) from exc
    except (OSError, ValueError) as exc:
        raise ValidationError({"image": _("The picture could not be read.")}) from exc
    out = io.BytesIO()
    clean.save(out, format="JPEG" if mime == "image/jpeg" else "PNG", quality=88)
    name = "%s.%s" % (uuid.uuid4().hex, IMAGE_TYPES[mime])
    stored_path(name).write_bytes(out.getvalue())
    return name, mime


def store_video(upload) -> tuple[str, str]:
    if upload.size > VIDEO_MAX_BYTES:
        raise ValidationError({"video": _("The video is larger than 50 MB.")})
    head = upload.read(8192)
    mime = filetype.guess_mime(head)
    if mime not in VIDEO_TYPES:
        raise ValidationError({"video": _("Upload an MP4, WebM or MOV video.")})
    name = "%s.%s" % (uuid.uuid4().hex, VIDEO_TYPES[mime])
    with stored_path(name).open("wb") as target:
        target.write(head)
        for chunk in iter(lambda: upload.read(1024 * 1024), b""):
            target.write(chunk)
    return name, mime


def qr_png(url: str, *, scale: int = 8) -> bytes:
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="png", scale=scale, border=2)
    return out.getvalue()


@lru_cache(maxsize=8)
def _font(size: int):
    for path in CJK_FONTS:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return ImageFont.load_default(size=size)


def compose_poster(
    *, background: bytes | None, url: str, name: str, line: str
) -> bytes:
    """The poster scaled to 750 px wide with a 220 px band below: the sharer's QR
    code and name. Returns PNG bytes."""
    if background:
        with Image.open(io.BytesIO(background)) as image:
            base = image.convert("RGB")
    else:
        base = Image.new("RGB", (POSTER_WIDTH, POSTER_WIDTH), (32, 107, 196))
    height = max(1, round(base.height * POSTER_WIDTH / base.width))
    base = base.resize((POSTER_WIDTH, height), Image.LANCZOS)
    poster = Image.new("RGB", (POSTER_WIDTH, height + POSTER_BAND), "white")
    poster.paste(base, (0, 0))
    with Image.open(io.BytesIO(qr_png(url, scale=6))) as qr:
        code = qr.convert("RGB").resize((180, 180), Image.NEAREST)
    poster.paste(code, (POSTER_WIDTH - 200, height + 20))
    draw = ImageDraw.Draw(poster)
    draw.text((30, height + 50), name[:16], font=_font(40), fill=(20, 20, 20))
    draw.text((30, height + 120), line[:24], font=_font(26), fill=(100, 100, 100))
    out = io.BytesIO()
    poster.save(out, format="PNG", compress_level=3)
    return out.getvalue()


def device_of(user_agent: str) -> str:
    """A short device label from the user agent, e.g. "iPhone · WeChat"."""
    ua = user_agent or ""
    if "iPad" in ua:
        device = "iPad"
    elif "iPhone" in ua:
        device = "iPhone"
    elif "HarmonyOS" in ua:
        device = "HarmonyOS"
    elif "Android" in ua:
        device = "Android"
    elif "Windows" in ua:
        device = "Windows"
    elif "Macintosh" in ua:
        device = "Mac"
    elif "Linux" in ua:
        device = "Linux"
    else:
        device = _("Other")
    if "MicroMessenger" in ua:
        device += " · " + _("WeChat")
    elif "AlipayClient" in ua:
        device += " · " + _("Alipay")
    return device[:40]
