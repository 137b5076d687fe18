"""A shop-signed customer identity: the shop tells ShopDesk who its logged-in customer is, so the
bot need not ask for an email. It counts only with the shop's signature and only until it expires,
so a signature copied out of a page is worth little:

    expires   = unix time, at most MAX_LIFETIME ahead (the shop signs when it renders the page)
    signature = hex HMAC-SHA256(SHOPDESK_IDENTITY_SECRET, f"{customer_email}|{expires}")

Every channel checks identities here; what a channel does with a refusal is its own business
(the shopper API answers 400, the widget carries on as a guest and says so in `welcome`).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from handoff.errors import BadInput

MAX_LIFETIME = timedelta(days=7)
# Clocks differ a little between the shop's servers and ours.
CLOCK_SKEW = timedelta(minutes=5)


class InvalidIdentity(BadInput):
    def __init__(self, message: str) -> None:
        super().__init__(message, "invalid_identity")


def sign(secret: str, email: str, expires: int) -> str:
    message = f"{email.strip().lower()}|{expires}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def proven_email(identity: object, secret: str | None, now: datetime) -> str | None:
    """The customer's email when the identity is well formed, signed and current; None without one."""
    if identity is None:
        return None
    if not isinstance(identity, dict):
        raise InvalidIdentity("'identity' must be {customer_email, expires, signature}.")
    email, expires, signature = identity.get("customer_email"), identity.get("expires"), identity.get("signature")
    if not isinstance(email, str) or not 3 <= len(email) <= 320 or "@" not in email:
        raise InvalidIdentity("'identity.customer_email' must be an email address.")
    if not isinstance(expires, int) or isinstance(expires, bool) or not 0 < expires < 2**40:
        raise InvalidIdentity("'identity.expires' must be a unix time (seconds).")
    if not secret or not isinstance(signature, str) or not hmac.compare_digest(sign(secret, email, expires),
                                                                                signature.lower()):
        raise InvalidIdentity("The identity signature is missing or wrong.")
    moment = now.timestamp()
    if expires < moment - CLOCK_SKEW.total_seconds():
        raise InvalidIdentity("The identity has expired; the shop signs a fresh one with each page.")
    if expires > moment + (MAX_LIFETIME + CLOCK_SKEW).total_seconds():
        raise InvalidIdentity(f"An identity may be valid for at most {MAX_LIFETIME.days} days.")
    return email.strip().lower()
