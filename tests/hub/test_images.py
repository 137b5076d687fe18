"""Photos are decoded and written anew before anything stores them: real images in, clean JPEG or
PNG out; everything else, and images built to exhaust the hub, refused with a clear error."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from hub.images import MAX_EDGE, MAX_UPLOAD_BYTES, NotAPhoto, reencode


def encoded(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "GIF"])
def test_the_usual_formats_come_out_as_jpeg(fmt: str) -> None:
    photo = reencode(encoded(Image.new("RGB", (640, 480), (10, 120, 200)), fmt))
    assert (photo.content_type, photo.width, photo.height) == ("image/jpeg", 640, 480)
    assert decoded(photo.data).format == "JPEG"


def test_a_transparent_screenshot_stays_png() -> None:
    photo = reencode(encoded(Image.new("RGBA", (300, 200), (0, 0, 0, 0)), "PNG"))
    assert photo.content_type == "image/png" and decoded(photo.data).mode == "RGBA"


def test_a_phone_photo_is_turned_upright_shrunk_and_loses_its_location() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° to show upright
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(0x8825)[2] = (52.0, 31.0, 12.0)  # GPS latitude
    photo = reencode(encoded(Image.new("RGB", (4000, 3000), (200, 10, 10)), "JPEG", exif=exif.tobytes()))
    assert (photo.width, photo.height) == (1536, MAX_EDGE)  # upright: portrait
    assert not decoded(photo.data).getexif()
    assert b"PhoneMaker" not in photo.data and b"Exif" not in photo.data


@pytest.mark.parametrize("data", [
    b"", b"<html><script>alert(1)</script></html>", b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>',
    b"%PDF-1.4 not an image", b"\xff\xd8\xff\xe0" + b"\x00" * 100, bytes(range(256)) * 40,
])
def test_what_is_not_a_photo_is_refused(data: bytes) -> None:
    with pytest.raises(NotAPhoto) as refused:
        reencode(data)
    assert refused.value.code == "invalid_image"


def test_a_truncated_photo_is_refused() -> None:
    whole = encoded(Image.effect_noise((800, 600), 60).convert("RGB"), "JPEG")
    with pytest.raises(NotAPhoto):
        reencode(whole[: len(whole) // 2])


@pytest.mark.parametrize("side", [60_000, 7_000])  # past Pillow's own bomb limit, and past the hub's 40 megapixels
def test_a_tiny_file_claiming_a_gigantic_image_is_refused_before_decoding(side: int) -> None:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    bomb = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")
    with pytest.raises(NotAPhoto) as refused:
        reencode(bomb)
    assert "too many pixels" in refused.value.message


def test_a_file_over_the_limit_is_refused_unread() -> None:
    with pytest.raises(NotAPhoto) as refused:
        reencode(b"\xff" * (MAX_UPLOAD_BYTES + 1))
    assert "10 MB" in refused.value.message


def test_a_polyglot_keeps_only_its_pixels() -> None:
    image = encoded(Image.new("RGB", (64, 64), (1, 2, 3)), "PNG") + b"<script>alert(1)</script>"
    photo = reencode(image)
    assert b"<script>" not in photo.data
