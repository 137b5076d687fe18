"""Security headers on every response the hub serves, in one place.

Pages get a strict Content-Security-Policy unless they set their own; API answers are never
cached (they carry personal data); HSTS is sent when the request came over TLS (directly, or
through proxies the hub trusts, SHOPDESK_PROXIES_COUNT). Assets a shop embeds on its own pages
(widget.js, widget.css) are marked as loadable cross-origin.
"""

from __future__ import annotations

from typing import Any

from sanic import Request, Sanic
from sanic.response import BaseHTTPResponse

# The same policy as the console's: own scripts, styles and connections only; nothing inline.
PAGE_POLICY = "; ".join((
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
))
ALWAYS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
}
HSTS = "max-age=31536000; includeSubDomains"
EMBEDDABLE = frozenset({"/widget.js", "/widget.css"})


def install_security_headers(app: Sanic[Any, Any]) -> None:
    app.register_middleware(add_security_headers, "response")


async def add_security_headers(request: Request, response: BaseHTTPResponse) -> None:
    headers = response.headers
    for name, value in ALWAYS.items():
        headers.setdefault(name, value)
    content_type = response.content_type or headers.get("content-type") or ""
    if content_type.startswith("text/html"):
        headers.setdefault("Content-Security-Policy", PAGE_POLICY)
    if request.path.startswith("/api/"):
        headers.setdefault("Cache-Control", "no-store")
    if request.path in EMBEDDABLE:
        headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    if request.scheme in ("https", "wss"):
        headers.setdefault("Strict-Transport-Security", HSTS)
