"""The whole handoff with real processes, as `make run` starts them: the hub, the Rasa server
and the action server. A shopper reaches a person, the person answers, resolves, and the bot
comes back for the rating."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.integration.servers import Launcher, RasaServer, Server, served_hub
from tests.integration.shopper import not_understood

pytestmark = pytest.mark.integration

AGENT_EMAIL = "anna.agent@shop.example"
AGENT_PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def hub(launcher: Launcher, rasa_server: RasaServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from served_hub(launcher, rasa_server, tmp_path_factory, (AGENT_EMAIL, "Anna", AGENT_PASSWORD))


class Client:
    def __init__(self, base: str, token: str | None = None) -> None:
        self.http = httpx.Client(base_url=base, timeout=30)
        self.token = token
        self.conversation_id = ""  # a shopper's, once opened

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        response = self.http.request(method, path, headers=headers, **kwargs)
        assert response.status_code < 300, f"{method} {path}: {response.status_code} {response.text}"
        return response.json() if response.content else None


@pytest.fixture
def agent(hub: Server) -> Iterator[Client]:
    client = Client(hub.url)
    client.token = client.call("POST", "/api/agent/login", json={"email": AGENT_EMAIL, "password": AGENT_PASSWORD})["token"]
    client.call("PUT", "/api/agent/me/status", json={"status": "away"})  # claims by hand below
    yield client
    client.call("PUT", "/api/agent/me/status", json={"status": "away"})


def open_conversation(hub: Server) -> Client:
    shopper = Client(hub.url)
    opened = shopper.call("POST", "/api/conversations", json={"channel": "api"})
    shopper.token = opened["token"]
    shopper.conversation_id = opened["conversation_id"]
    return shopper


def say(shopper: Client, text: str) -> list[str]:
    answer = shopper.call("POST", f"/api/conversations/{shopper.conversation_id}/messages", json={"text": text})
    return [m["text"] or "" for m in answer["messages"] if m["author_kind"] != "shopper"]


def shopper_sees(shopper: Client, expected: str, timeout: float = 20) -> list[dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        messages = shopper.call("GET", f"/api/conversations/{shopper.conversation_id}/messages")["messages"]
        if any(expected in (m["text"] or "") for m in messages):
            return messages
        time.sleep(0.3)
    raise AssertionError(f"shopper never saw {expected!r}: {[m['text'] for m in messages]}")


def ticket_of(agent: Client, conversation_id: str) -> dict:
    tickets = agent.call("GET", "/api/agent/queue")["tickets"]
    return next(t for t in tickets if t["conversation_id"] == conversation_id)


def rasa_user_texts(rasa: RasaServer, conversation_id: str) -> list[str]:
    tracker = rasa.get(f"/conversations/{conversation_id}/tracker")
    return [event["text"] for event in tracker["events"] if event["event"] == "user"]


def hand_over_and_back(hub: Server, rasa: RasaServer, agent: Client, shopper: Client, reason: str) -> None:
    ticket = ticket_of(agent, shopper.conversation_id)
    assert ticket["reasons"] == [reason] and ticket["status"] == "queued"
    claimed = agent.call("POST", f"/api/agent/tickets/{ticket['id']}/claim")
    assert claimed["status"] == "assigned" and claimed["agent"]["display_name"] == "Anna"
    shopper_sees(shopper, "Anna joined")

    agent.call("POST", f"/api/agent/tickets/{ticket['id']}/messages", json={"text": "Hi, Anna here. What's the order number?"})
    shopper_sees(shopper, "Anna here")
    bot_heard_before = rasa_user_texts(rasa, shopper.conversation_id)
    assert say(shopper, "it's 10002, thanks") == []  # the bot stays silent while Anna holds it
    agent_view = agent.call("GET", f"/api/agent/tickets/{ticket['id']}/messages")["messages"]
    assert any(m["text"] == "it's 10002, thanks" and m["author_kind"] == "shopper" for m in agent_view)
    assert rasa_user_texts(rasa, shopper.conversation_id) == bot_heard_before

    agent.call("POST", f"/api/agent/tickets/{ticket['id']}/resolve")
    messages = shopper_sees(shopper, "How would you rate")
    rating_question = next(m for m in messages if "How would you rate" in (m["text"] or ""))
    say(shopper, next(b["payload"] for b in rating_question["buttons"] if b["title"] == "5"))
    say(shopper, "quick and friendly")
    detail = agent.call("GET", f"/api/agent/tickets/{ticket['id']}")
    assert (detail["csat"]["rating"], detail["csat"]["comment"]) == (5, "quick and friendly")
    assert [t["to"] for t in detail["transitions"]][:3] == ["queued", "assigned", "resolved"]


def test_a_shopper_who_asks_for_a_person_gets_one_and_then_the_bot_back(
        hub: Server, rasa_server: RasaServer, agent: Client) -> None:
    shopper = open_conversation(hub)
    assert any("What can I do for you" in text for text in say(shopper, "hello"))
    replies = say(shopper, "can I talk to a real person please")
    assert any("person" in text for text in replies)
    hand_over_and_back(hub, rasa_server, agent, shopper, "explicit_request")
    assert any("#10001" in text or "order number" in text for text in say(shopper, "where is my order 10001"))


def test_two_messages_the_bot_does_not_understand_reach_a_person(
        hub: Server, rasa_server: RasaServer, agent: Client) -> None:
    vague, vaguer = not_understood(rasa_server, 2)
    shopper = open_conversation(hub)
    assert any("another way" in text for text in say(shopper, vague))
    say(shopper, vaguer)
    hand_over_and_back(hub, rasa_server, agent, shopper, "repeated_fallback")
