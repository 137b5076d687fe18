"""How the hub serves the console page and its assets: strict CSP, versioned assets cached for
good, the page revalidated, nothing else served. No browser needed."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

from sanic import Sanic

from handoff import console
from hub.channels.webchat import MARKDOWN_SCRIPT, MARKDOWN_STYLE, SHARED_WITH_CONSOLE

_apps = itertools.count(1)


def console_app(static: Path = console.STATIC) -> Sanic:
    app = Sanic(f"console_assets_{next(_apps)}")
    console.install(app, static, shared=SHARED_WITH_CONSOLE)  # as the hub installs it
    return app


async def test_page_has_a_strict_csp_and_is_revalidated() -> None:
    app = console_app()
    _, response = await app.asgi_client.get("/console")
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/html")
    csp = response.headers["content-security-policy"]
    for directive in ("default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'",
                      "frame-ancestors 'none'"):
        assert directive in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["x-content-type-options"] == "nosniff"
    _, again = await app.asgi_client.get("/console", headers={"If-None-Match": response.headers["etag"]})
    assert again.status == 304


async def test_assets_are_versioned_by_content_and_cached_for_good() -> None:
    app = console_app()
    _, page = await app.asgi_client.get("/console")
    paths = re.findall(r'(?:src|href)="(/console/assets/[0-9a-f]{16}/[\w.]+)"', page.text)
    assert {Path(p).name for p in paths} == {"markdown.js", "console.js", "console.css"}
    for path in paths:
        _, asset = await app.asgi_client.get(path)
        assert asset.status == 200
        assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
    _, script = await app.asgi_client.get(paths[-1].replace("console.css", "console.js"))
    assert script.headers["content-type"].startswith("text/javascript")
    markdown = next(path for path in paths if path.endswith("/markdown.js"))
    _, shared = await app.asgi_client.get(markdown)
    assert shared.body == MARKDOWN_SCRIPT.read_bytes()
    _, style = await app.asgi_client.get(markdown.replace("markdown.js", "markdown.css"))
    assert style.body == MARKDOWN_STYLE.read_bytes()
    assert style.headers["content-type"].startswith("text/css")


def test_a_shared_asset_cannot_replace_one_of_the_consoles_own(tmp_path: Path) -> None:
    try:
        console.load_assets(console.STATIC, {"console.js": MARKDOWN_SCRIPT})
    except ValueError as refused:
        assert "console.js" in str(refused)
    else:
        raise AssertionError("a shared console.js replaced the console's own")


# What a script imports (`from './x.js'`) and what a stylesheet imports (`@import url("x.css")`).
IMPORTS = {"*.js": r"from '\./([\w.]+)'", "*.css": r'@import url\("([\w.]+)"\)'}


async def test_every_module_and_stylesheet_the_page_imports_is_served() -> None:
    app = console_app()
    _, page = await app.asgi_client.get("/console")
    base = re.search(r"/console/assets/[0-9a-f]{16}/", page.text).group(0)
    for files, pattern in IMPORTS.items():
        for importer in console.STATIC.glob(files):
            for imported in re.findall(pattern, importer.read_text()):
                _, response = await app.asgi_client.get(base + imported)
                assert response.status == 200, f"{importer.name} imports {imported}, which is not served"


async def test_unknown_versions_and_files_are_not_found() -> None:
    app = console_app()
    _, stale = await app.asgi_client.get("/console/assets/0000000000000000/console.js")
    assert stale.status == 404
    _, missing = await app.asgi_client.get("/console/assets/x/../__init__.py")
    assert missing.status == 404


def test_a_changed_asset_changes_the_version(tmp_path: Path) -> None:
    for source in console.STATIC.iterdir():
        (tmp_path / source.name).write_bytes(source.read_bytes())
    before = console.asset_version(console.load_assets(tmp_path))
    (tmp_path / "console.css").write_text("body { color: red; }")
    assert console.asset_version(console.load_assets(tmp_path)) != before
