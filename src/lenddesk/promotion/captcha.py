"""A self-hosted image captcha: the answer lives only as a keyed hash in the shared
cache, expires, and works once (right or wrong)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import secrets
import time

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw, ImageFilter, ImageFont

ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"  # no 0/O, 1/I/L, 2/Z, 5/S, 8/B
LENGTH = 4
TTL_SECONDS = 300
FONT_PATHS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
)


class CaptchaError:
    WRONG = "captcha_wrong"
    EXPIRED = "captcha_expired"


def _key(captcha_id: str) -> str:
    return "promotion:captcha:%s" % captcha_id


def _digest(answer: str) -> str:
    return hmac.new(
        settings.SECRET_KEY.encode(),
        b"captcha:" + answer.strip().upper().encode(),
        hashlib.sha256,
    ).hexdigest()


def _font(size: int):
    for path in FONT_PATHS:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return ImageFont.load_default(size=size)


def render(answer: str) -> bytes:
    rng = secrets.SystemRandom()
    width, height = 132, 44
    image = Image.new("RGB", (width, height), (245, 247, 250))
    draw = ImageDraw.Draw(image)
    for _i in range(6):
        draw.line(
            [(rng.randint(0, width), rng.randint(0, height)) for _j in range(2)],
            fill=(rng.randint(120, 200),) * 3,
            width=1,
        )
    font = _font(28)
    for index, char in enumerate(answer):
        glyph = Image.new("RGBA", (34, 40), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text(
            (5, 2),
            char,
            font=font,
            fill=(rng.randint(10, 90), rng.randint(10, 90), rng.randint(60, 140)),
        )
        glyph = glyph.rotate(rng.uniform(-25, 25), resample=Image.BICUBIC)
        image.paste(glyph, (6 + index * 31, rng.randint(0, 4)), glyph)
    for _i in range(120):
        draw.point(
            (rng.randrange(width), rng.randrange(height)),
            fill=(rng.randint(90, 200),) * 3,
        )
    image = image.filter(ImageFilter.SMOOTH)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def new_answer() -> str:
    return "".join(secrets.choice(ALPHABET) for _i in range(LENGTH))


def captcha_new() -> tuple[str, str]:
    """A new challenge: its id and the image as a ``data:`` URI (no extra request)."""
    answer = new_answer()
    captcha_id = secrets.token_urlsafe(18)
    cache.set(
        _key(captcha_id),
        {"digest": _digest(answer), "expires": time.time() + TTL_SECONDS},
        timeout=TTL_SECONDS + 60,
    )
    data = base64.b64encode(render(answer)).decode()
    return captcha_id, "data:image/png;base64," + data


def captcha_check(captcha_id: str, answer: str) -> None:
    """Accept the answer once. Raises ``ValidationError`` naming ``captcha``."""
    key = _key((captcha_id or "")[:64])
    entry = cache.get(key)
    # Deleting first makes the challenge single-use even under concurrent posts.
    if not entry or not cache.delete(key):
        raise ValidationError(
            {"captcha": _("The check code has expired or was already used.")},
            code=CaptchaError.EXPIRED,
        )
    if time.time() > entry["expires"]:
        raise ValidationError(
            {"captcha": _("The check code has expired or was already used.")},
            code=CaptchaError.EXPIRED,
        )
    if not hmac.compare_digest(entry["digest"], _digest(answer or "")):
        raise ValidationError(
            {"captcha": _("The check code is wrong.")}, code=CaptchaError.WRONG
        )
