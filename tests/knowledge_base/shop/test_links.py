"""Signed, expiring links: only the exact path, before its time, with the secret that signed it."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from knowledge_base.shop.links import is_expired, is_valid, signature, signed_url

SECRET = "k" * 32
PATH = "/invoices/INV-2026-10012.pdf"


def parts(url: str) -> tuple[str, str, str]:
    split = urlsplit(url)
    query = parse_qs(split.query)
    return split.path, query["expires"][0], query["signature"][0]


def test_a_signed_link_opens_until_it_expires() -> None:
    path, expires, given = parts(signed_url("https://shop.example", PATH, SECRET, 2_000_000_000))
    assert path == PATH
    assert is_valid(SECRET, path, expires, given, now=1_999_999_999)
    assert not is_valid(SECRET, path, expires, given, now=2_000_000_001)
    assert is_expired(expires, now=2_000_000_001) and not is_expired(expires, now=1_999_999_999)


@pytest.mark.parametrize("change", ["path", "expires", "signature", "secret"])
def test_any_change_to_the_link_opens_nothing(change: str) -> None:
    path, expires, given = PATH, "2000000000", signature(SECRET, PATH, 2_000_000_000)
    path = "/invoices/INV-2026-10001.pdf" if change == "path" else path
    expires = "2000000999" if change == "expires" else expires
    given = given[:-1] + ("A" if given[-1] != "A" else "B") if change == "signature" else given
    secret = "other-secret-" * 3 if change == "secret" else SECRET
    assert not is_valid(secret, path, expires, given, now=1_000_000_000)


@pytest.mark.parametrize("expires, given", [
    (None, "x"), ("2000000000", None), ("", ""), ("-5", "x"), ("1e10", "x"), ("9" * 400, "x"), ("２０００", "x"),
    ("2000000000", "é" * 50),
])
def test_malformed_links_are_refused_without_errors(expires: str | None, given: str | None) -> None:
    assert not is_valid(SECRET, PATH, expires, given, now=1_000_000_000)
    assert not is_expired(None, now=1.0) and not is_expired("9" * 400, now=1.0)


def test_without_a_secret_nothing_is_valid() -> None:
    assert not is_valid("", PATH, "2000000000", signature("", PATH, 2_000_000_000), now=1_000_000_000)
