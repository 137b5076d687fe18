"""Runs the real hub (create_app) with the console installed, for the browser tests:
`python -m tests.e2e.hub_process` with the hub's usual environment variables."""

from __future__ import annotations

from sanic import Sanic

from bot.hub import create_app
from handoff import console
from handoff.settings import HubSettings


def build(settings: HubSettings) -> Sanic:
    app = create_app(settings, name="shopdesk_e2e", sweep=False)
    if "console" not in app.blueprints:  # until create_app installs it itself
        console.install(app)
    return app


if __name__ == "__main__":
    hub_settings = HubSettings.from_env()
    build(hub_settings).run(host=hub_settings.host, port=hub_settings.port, single_process=True, access_log=False)
