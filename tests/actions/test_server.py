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


async def test_rasa_sdk_keeps_the_domain_sent_with_its_digest() -> None:
    """What bot/action_domain.py relies on: a call with the digest alone gets the domain sent with it."""
    app = create_action_app(ActionServerSettings(token=TOKEN), package="tests.actions.domain_echo")
    app.config.TOUCHUP = False
    headers = {"Authorization": f"Bearer {TOKEN}"}
    call = {"next_action": "action_echo_domain", "version": "3.6.21",
            "tracker": {"sender_id": "shopper-1", "slots": {}, "latest_message": {}, "events": [], "paused": False,
                        "followup_action": None, "active_loop": {}, "latest_action_name": "action_listen"}}

    async def said(body: dict) -> tuple[int, str | None]:
        _, answer = await app.asgi_client.post("/webhook", json=body, headers=headers)
        return answer.status, answer.json["responses"][0]["text"] if answer.status == 200 else None

    assert await said({**call, "domain_digest": "d1"}) == (449, None)
    assert await said({**call, "domain_digest": "d1", "domain": {"intents": ["greet", "bye"]}}) == (200, "greet,bye")
    assert await said({**call, "domain_digest": "d1"}) == (200, "greet,bye")
    assert await said({**call, "domain_digest": "d2"}) == (449, None)
    assert await said({**call, "domain_digest": "d2", "domain": {"intents": ["thanks"]}}) == (200, "thanks")
    assert await said({**call, "domain_digest": "d1"}) == (449, None)
