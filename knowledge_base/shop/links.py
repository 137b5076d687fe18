"""Links in the bot's answers to what only one customer may see (an invoice): signed and
expiring, so the link itself is the permission. The action server signs, after the shopper proved
the order is theirs; the demo shop's pages in the hub check (hub/shop/pages.py). A guessed
number, an altered link or an old one opens nothing.

Signature: base64url HMAC-SHA256 of "<path>\\n<expires>" with SHOPDESK_LINK_SECRET.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import urlencode

MAX_EXPIRES = 10**11  # a unix time in the year 5138: longer values are not times


def signature(secret: str, path: str, expires: int) -> str:
    digest = hmac.new(secret.encode(), f"{path}\n{expires}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def signed_url(base_url: str, path: str, secret: str, expires: int) -> str:
    return f"{base_url}{path}?{urlencode({'expires': expires, 'signature': signature(secret, path, expires)})}"


def is_valid(secret: str, path: str, expires: str | None, given: str | None, now: float) -> bool:
    """True for a link signed with `secret` for `path` that has not expired at `now`."""
    if not secret or not expires or not given or not expires.isdigit() or len(expires) > 11:
        return False
    if int(expires) > MAX_EXPIRES or int(expires) < now:
        return False
    return hmac.compare_digest(signature(secret, path, int(expires)).encode(), given.encode())


def is_expired(expires: str | None, now: float) -> bool:
    return expires is not None and expires.isdigit() and len(expires) <= 11 and int(expires) < now
