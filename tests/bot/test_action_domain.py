"""bot/action_domain.py: Rasa's action calls carry the domain's digest instead of the domain, and
the domain again when the action server has not got it, against a stand-in that keeps domains
as rasa_sdk 3.21 does (tests/actions/test_server.py runs rasa_sdk's own)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import ClientResponseError, EndpointConfig

from bot import action_domain, endpoint_sessions
from tests.bot.test_endpoint_sessions import ActionServer, free_port

DOMAIN = Domain.from_yaml("version: '3.1'\nintents: [greet]\nslots:\n  order_id:\n    type: text\n    mappings: []\n"
                          "responses:\n  utter_greet:\n  - text: Hello!\n")
OTHER_DOMAIN = Domain.from_yaml("version: '3.1'\nintents: [greet, goodbye]\n")


class DigestActionServer(ActionServer):
    """Keeps the last domain it was sent with its digest, as rasa_sdk's ActionExecutor does; its
    action answers with the number of intents in the domain it was handed."""

    def __init__(self) -> None:
        super().__init__(free_port())
        self.bodies: list[dict[str, Any]] = []
        self.handed: list[Any] = []
        self.domain: dict[str, Any] | None = None
        self.digest: str | None = None

    async def webhook(self, request: web.Request) -> web.StreamResponse:
        body = json.loads(await request.text())
        self.bodies.append(body)
        digest_valid = bool(self.digest) and self.digest == body.get("domain_digest")
        if not digest_valid and body.get("domain") is None:
            return web.json_response({"error": "missing domain", "action_name": body["next_action"]}, status=449)
        if body.get("domain"):
            self.domain, self.digest = body["domain"], body.get("domain_digest")
        self.handed.append(self.domain)
        if body["next_action"] == "action_refused":
            return web.json_response({"error": "no", "action_name": "action_refused"}, status=400)
        intents = len(self.domain["intents"]) if self.domain else 0
        return web.json_response({"events": [{"event": "slot", "name": "order_id", "value": str(intents)}],
                                  "responses": [{"text": f"{intents} intents"}]})


def run(test: Callable[[DigestActionServer, EndpointConfig], Awaitable[None]], monkeypatch: pytest.MonkeyPatch,
        digest: bool = True) -> None:
    # Restored after the test: the patches go on Rasa's classes.
    monkeypatch.setattr(RemoteAction, "_action_call_format", RemoteAction._action_call_format)
    monkeypatch.setattr(EndpointConfig, "request", EndpointConfig.request)

    async def main() -> None:
        endpoint_sessions.install()
        if digest:
            action_domain.install()
        server = DigestActionServer()
        await server.start()
        try:
            await test(server, EndpointConfig(f"http://127.0.0.1:{server.port}/webhook"))
        finally:
            await endpoint_sessions.close_sessions()
            await server.stop()

    asyncio.run(main())


def _tracker() -> DialogueStateTracker:
    return DialogueStateTracker.from_events(
        "shopper-1", [ActionExecuted("action_listen"), UserUttered("hi", {"name": "greet", "confidence": 1.0})],
        DOMAIN.slots)


async def _answers(action: RemoteAction, domains: list[Domain]) -> list[list[Any]]:
    return [[event.as_dict() | {"timestamp": None} for event in await action.run(None, None, _tracker(), domain)]
            for domain in domains]


def test_the_domain_goes_once_then_its_digest_with_the_same_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    domains = [DOMAIN, DOMAIN, DOMAIN, OTHER_DOMAIN, OTHER_DOMAIN, DOMAIN]
    seen: dict[str, Any] = {}

    async def rasas(server: DigestActionServer, endpoint: EndpointConfig) -> None:
        seen["answers"] = await _answers(RemoteAction("action_x", endpoint), domains)
        seen["bodies"] = server.bodies

    run(rasas, monkeypatch, digest=False)
    assert all("domain" in body and "domain_digest" not in body for body in seen["bodies"])

    async def test(server: DigestActionServer, endpoint: EndpointConfig) -> None:
        assert await _answers(RemoteAction("action_x", endpoint), domains) == seen["answers"]
        assert server.handed == [domain.as_dict() for domain in domains]
        carried = [("domain" in body, body["domain_digest"]) for body in server.bodies]
        first, other = action_domain.domain_digest(DOMAIN.as_dict()), action_domain.domain_digest(OTHER_DOMAIN.as_dict())
        assert first != other
        # 449, then again with the domain; the digest alone; the other model's domain likewise; back.
        assert carried == [(False, first), (True, first), (False, first), (False, first),
                           (False, other), (True, other), (False, other), (False, first), (True, first)]
        whole = set(seen["bodies"][0]) | {"domain_digest"}
        assert [set(body) for body in server.bodies[:3]] == [whole - {"domain"}, whole, whole - {"domain"}]

    run(test, monkeypatch)


def test_rejections_and_errors_are_rasa_s(monkeypatch: pytest.MonkeyPatch) -> None:
    async def test(server: DigestActionServer, endpoint: EndpointConfig) -> None:
        with pytest.raises(ClientResponseError) as refused:
            await endpoint.request(json=action_domain.by_digest({"next_action": "action_refused", "domain": {"a": 1}}))
        assert refused.value.status == 400
        assert len(server.bodies) == 2  # the 449, then the call itself
        server.domain = server.digest = None
        with pytest.raises(ClientResponseError) as missing:  # a 449 to a body that has its domain stays an error
            await endpoint.request(json={"next_action": "action_x"})
        assert missing.value.status == 449

    run(test, monkeypatch)


@pytest.mark.parametrize("body", [{"next_action": "action_x"}, {"next_action": "action_x", "domain": {}},
                                  {"next_action": "action_x", "domain": {"x": object()}}])
def test_bodies_without_a_domain_to_spare_go_as_rasa_sends_them(body: dict[str, Any]) -> None:
    assert action_domain.by_digest(body) is body


def test_the_digest_follows_the_domain_s_content() -> None:
    assert action_domain.domain_digest(DOMAIN.as_dict()) == action_domain.domain_digest(json.loads(json.dumps(DOMAIN.as_dict())))
    assert action_domain.domain_digest(DOMAIN.as_dict()) != action_domain.domain_digest(OTHER_DOMAIN.as_dict())


def test_switched_off_rasa_s_own_bodies(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(RemoteAction, "_action_call_format", RemoteAction._action_call_format)
    monkeypatch.setenv("SHOPDESK_DOMAIN_DIGEST", "0")
    rasas = RemoteAction._action_call_format
    action_domain.install()
    assert RemoteAction._action_call_format is rasas
