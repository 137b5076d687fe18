"""Every response the hub serves carries the security headers; pages a policy; API answers are
not cached; HSTS when the request came over TLS through a trusted proxy."""

from __future__ import annotations

import dataclasses
from typing import Any

from sanic import Sanic

from handoff.settings import HubSettings
from hub.app import create_app
from tests.handoff.api_client import HubApi
from tests.handoff.databases import HubDb

ALWAYS = {"x-content-type-options": "nosniff", "x-frame-options": "DENY"}


async def get(app: Sanic, path: str, method: str = "get", **kwargs: Any) -> Any:
    _request, response = await getattr(app.asgi_client, method)(path, **kwargs)
    return response


async def test_pages_assets_and_api_answers_all_carry_them(api: HubApi, db: HubDb) -> None:
    app = api.app
    for path in ("/", "/widget.js", "/widget.css", "/demo.css", "/console", "/health", "/openapi.json",
                 "/api/agent/me", "/no/such/page"):
        response = await get(app, path)
        for name, value in ALWAYS.items():
            assert response.headers.get(name) == value, (path, name)
        assert response.headers.get("referrer-policy"), path
        assert "strict-transport-security" not in response.headers, "plain HTTP gets no HSTS"
    for page in ("/", "/console"):
        policy = (await get(app, page)).headers["content-security-policy"]
        assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy and "unsafe-inline" not in policy
    opened = await get(app, "/api/conversations", "post", json={})
    assert opened.status == 201 and opened.headers["cache-control"] == "no-store"
    widget = await get(app, "/widget.js")
    assert widget.headers["cross-origin-resource-policy"] == "cross-origin"


async def test_hsts_over_tls_behind_a_trusted_proxy(hub_settings: HubSettings, db: HubDb) -> None:
    app = create_app(dataclasses.replace(hub_settings, proxies_count=1), sweep=False)
    app.config.TOUCHUP = False
    response = await get(app, "/", headers={"x-forwarded-proto": "https", "x-forwarded-for": "203.0.113.9"})
    assert response.headers["strict-transport-security"].startswith("max-age=")
