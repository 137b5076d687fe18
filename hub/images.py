"""Photos shoppers send (the widget's upload, Telegram photos), made safe before anything stores
them: decoded by Pillow from the formats phones and browsers produce, refused when they are not
images or are too big to decode, turned upright, shrunk to a size an agent can read, and written
anew as JPEG (or PNG when transparent). What is stored is only pixels: no metadata survives
(a phone's EXIF carries the shopper's location), and no file is served as it arrived.

Decoding costs up to a few hundred milliseconds, so it runs in a thread, two at a time at most.
"""

from __future__ import annotations

import asyncio
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from handoff.errors import BadInput

MAX_UPLOAD_BYTES = 10_000_000
MAX_PIXELS = 40_000_000  # a 40-megapixel photo decodes to 160 MB; past that it is a bomb, not a photo
MAX_EDGE = 2048
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
ACCEPTED_TYPES = ("image/jpeg", "image/png", "image/webp", "image/gif")
JPEG_QUALITY = 85
_decoding = asyncio.Semaphore(2)


@dataclass(frozen=True)
class Photo:
    data: bytes
    content_type: str  # image/jpeg or image/png: what the hub serves it as, and nothing else
    width: int
    height: int


class NotAPhoto(BadInput):
    def __init__(self, message: str) -> None:
        super().__init__(message, "invalid_image")


async def clean_photo(data: bytes) -> Photo:
    async with _decoding:
        return await asyncio.to_thread(reencode, data)


def reencode(data: bytes) -> Photo:
    if not data:
        raise NotAPhoto("The photo is empty.")
    if len(data) > MAX_UPLOAD_BYTES:
        raise NotAPhoto(f"Photos can be up to {MAX_UPLOAD_BYTES // 1_000_000} MB.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS) as opened:
                if opened.width * opened.height > MAX_PIXELS:
                    raise NotAPhoto("That photo has too many pixels to open.")
                opened.seek(0)
                if opened.format == "JPEG":
                    opened.draft("RGB", (MAX_EDGE, MAX_EDGE))  # decodes at 1/2, 1/4 or 1/8 scale when that is enough
                image = ImageOps.exif_transpose(opened.copy())
    except NotAPhoto:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise NotAPhoto("That photo has too many pixels to open.") from error
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as error:
        raise NotAPhoto("That file is not a photo we can open (JPEG, PNG, WebP or GIF).") from error
    image.thumbnail((MAX_EDGE, MAX_EDGE))
    return _written(image)


def _written(image: Image.Image) -> Photo:
    out = io.BytesIO()
    if _transparent(image):
        image = image.convert("RGBA")
        image.save(out, format="PNG", optimize=True)
        content_type = "image/png"
    else:
        image = image.convert("RGB")
        image.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
        content_type = "image/jpeg"
    return Photo(out.getvalue(), content_type, image.width, image.height)


def _transparent(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
