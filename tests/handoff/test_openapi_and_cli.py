"""The served OpenAPI description covers every route; the CLI creates the first admin."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from sanic import Sanic

from handoff.settings import HubSettings
from tests.handoff.api_client import HubApi

ROOT = Path(__file__).resolve().parents[2]


def app_routes(app: Sanic) -> set[tuple[str, str]]:
    routes = set()
    for route in app.router.routes:
        path = "/" + re.sub(r"<(\w+)(:\w+)?>", r"{\1}", route.path).strip("/")
        for method in route.methods:
            if method not in ("HEAD", "OPTIONS"):
                routes.add((method.lower(), path))
    return routes


async def test_openapi_describes_every_api_route(api: HubApi) -> None:
    """Pages and assets (console, widget, demo shop) are not API; every /api route is described."""
    answer = await api.call("get", "/openapi.json")
    assert answer.status == 200 and answer.body["openapi"].startswith("3.")
    described = {(method, path.rstrip("/") or "/") for path, ops in answer.body["paths"].items() for method in ops}
    api_routes = {(m, p) for m, p in app_routes(api.app) if p.startswith("/api/") or p in ("/health", "/ready", "/openapi.json")}
    assert api_routes == described


async def test_create_admin_makes_an_admin_who_can_log_in(hub_settings: HubSettings) -> None:
    env = {**os.environ, "DATABASE_URL": hub_settings.database_url, "SHOPDESK_ADMIN_PASSWORD": "a long admin password"}
    command = [sys.executable, "-m", "handoff.cli", "create-admin", "--email", "Boss@Shop.example", "--name", "Sam Boss"]
    created = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False)
    assert created.returncode == 0, created.stderr
    again = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False)
    assert again.returncode == 1 and "already exists" in again.stderr
    weak = subprocess.run([*command[:-4], "--email", "x@y.z", "--name", "X"], cwd=ROOT, capture_output=True, text=True,
                          env={**env, "SHOPDESK_ADMIN_PASSWORD": "short"}, stdin=subprocess.DEVNULL, check=False)
    assert weak.returncode == 1 and "at least 10 characters" in weak.stderr

    from hub.app import create_app

    api = HubApi(create_app(hub_settings, sweep=False))
    answer = await api.call("post", "/api/agent/login", json={"email": "boss@shop.example", "password": "a long admin password"})
    assert answer.status == 200 and answer.body["agent"]["role"] == "admin"
