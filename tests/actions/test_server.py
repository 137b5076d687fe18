"""The action server answers only Rasa: without the shared token nothing but /health answers."""

from __future__ import annotations

import pytest
from sanic import Sanic

from actions.server import ActionServerSettings, ActionServerSettingsError, create_action_app

TOKEN = "a-shared-secret-of-at-least-thirty-two-characters"


@pytest.fixture(scope="module")
def app() -> Sanic:
    app = create_action_app(ActionServerSettings(token=TOKEN))
    app.config.TOUCHUP = False
    return app


def test_it_will_not_start_without_a_real_secret() -> None:
    for env in ({}, {"SHOPDESK_ACTION_TOKEN": "short"}):
        with pytest.raises(ActionServerSettingsError, match="SHOPDESK_ACTION_TOKEN"):
            ActionServerSettings.from_env(env)


def test_it_listens_on_loopback_unless_told_otherwise() -> None:
    assert ActionServerSettings.from_env({"SHOPDESK_ACTION_TOKEN": TOKEN}).host == "127.0.0.1"
    settings = ActionServerSettings.from_env({"SHOPDESK_ACTION_TOKEN": TOKEN, "SHOPDESK_ACTIONS_HOST": "10.0.0.5",
                                              "SHOPDESK_ACTIONS_PORT": "6055"})
    assert (settings.host, settings.port) == ("10.0.0.5", 6055)


# The ASGI client, not Sanic's test_client: that one runs the app and installs uvloop's loop
# policy for the whole test process.
async def test_calls_without_the_token_are_refused(app: Sanic) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
        _, answer = await app.asgi_client.post("/webhook", json={"next_action": "action_cancel_order"}, headers=headers)
        assert answer.status == 401
    _, listing = await app.asgi_client.get("/actions")
    assert listing.status == 401


async def test_health_is_open_and_the_token_lets_rasa_in(app: Sanic) -> None:
    _, health = await app.asgi_client.get("/health")
    assert health.status == 200
    _, listing = await app.asgi_client.get("/actions", headers={"Authorization": f"Bearer {TOKEN}"})
    assert listing.status == 200 and "action_cancel_order" in {a["name"] for a in listing.json}
