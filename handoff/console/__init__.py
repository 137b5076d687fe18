"""The agent console: a static single page (plain ES modules, no build step, nothing from a CDN)
served by the hub at /console. It talks to the agent API and websocket described in handoff/API.md.

`install(app)` adds the blueprint. The assets are read once, when it is called, and served under a
versioned path (/console/assets/<content hash>/...), so browsers may cache them forever; the page
itself is revalidated on every load, so a new deploy is picked up at once.

`shared` adds files the console uses but does not own, by the name the page asks for: the hub
hands it the widget's Markdown renderer and its style (markdown.js, markdown.css), so the bot's
replies look the same to the agent as to the shopper.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sanic import Blueprint, Request, Sanic
from sanic.exceptions import NotFound
from sanic.response import HTTPResponse, raw, redirect

from handoff.api.headers import ALWAYS, PAGE_POLICY

STATIC = Path(__file__).resolve().parent / "static"
ASSET_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}
VERSION_MARK = "{{asset_version}}"

# The page runs only its own scripts and styles and talks only to its own origin (REST and
# websocket); nothing inline, no frames, no plugins. Data is rendered as text, and this is the
# second line of defence if that ever slips. (The hub adds its headers to every response too,
# handoff/api/headers.py; these hold wherever the console blueprint is mounted.)
SECURITY_HEADERS = {
    **ALWAYS,
    "Content-Security-Policy": PAGE_POLICY,
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}
PAGE_CACHE = "no-cache"
ASSET_CACHE = "public, max-age=31536000, immutable"


@dataclass(frozen=True)
class Asset:
    body: bytes
    content_type: str
    etag: str


def install(app: Sanic[Any, Any], static_dir: Path = STATIC, shared: Mapping[str, Path] | None = None) -> None:
    app.blueprint(console_blueprint(static_dir, shared))


def console_blueprint(static_dir: Path = STATIC, shared: Mapping[str, Path] | None = None) -> Blueprint:
    assets = load_assets(static_dir, shared)
    version = asset_version(assets)
    page = _asset(_page_bytes(static_dir, version), "text/html; charset=utf-8")
    console = Blueprint("console", url_prefix="/console")

    @console.get("/", strict_slashes=True, name="page_slash")
    async def page_with_slash(request: Request) -> HTTPResponse:
        return redirect("/console", status=308)

    @console.get("", name="page")
    async def serve_page(request: Request) -> HTTPResponse:
        return _respond(request, page, PAGE_CACHE)

    @console.get("/assets/<requested_version:str>/<name:str>", name="asset")
    async def serve_asset(request: Request, requested_version: str, name: str) -> HTTPResponse:
        asset = assets.get(name)
        if asset is None or requested_version != version:
            raise NotFound("No such console asset.")
        return _respond(request, asset, ASSET_CACHE)

    return console


def load_assets(static_dir: Path, shared: Mapping[str, Path] | None = None) -> dict[str, Asset]:
    paths = {path.name: path for path in sorted(static_dir.iterdir()) if path.suffix in ASSET_TYPES}
    for name, path in (shared or {}).items():
        if name in paths:
            raise ValueError(f"the console has its own {name}")
        paths[name] = path
    return {name: _asset(path.read_bytes(), ASSET_TYPES[path.suffix]) for name, path in paths.items()}


def asset_version(assets: dict[str, Asset]) -> str:
    digest = hashlib.sha256()
    for name, asset in sorted(assets.items()):
        digest.update(name.encode() + b"\0" + asset.body + b"\0")
    return digest.hexdigest()[:16]


def _page_bytes(static_dir: Path, version: str) -> bytes:
    return (static_dir / "index.html").read_text(encoding="utf-8").replace(VERSION_MARK, version).encode()


def _asset(body: bytes, content_type: str) -> Asset:
    return Asset(body, content_type, f'"{hashlib.sha256(body).hexdigest()[:32]}"')


def _respond(request: Request, asset: Asset, cache_control: str) -> HTTPResponse:
    headers = {**SECURITY_HEADERS, "Cache-Control": cache_control, "ETag": asset.etag}
    if request.headers.get("if-none-match") == asset.etag:
        return HTTPResponse(status=304, headers=headers)
    return raw(asset.body, content_type=asset.content_type, headers=headers)

