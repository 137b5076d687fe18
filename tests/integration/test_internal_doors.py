"""The internal services let in only who belongs: Rasa and the action server listen on loopback
and refuse callers without the shared secret (the real processes, started as `make run` does)."""

from __future__ import annotations

import httpx
import pytest

from knowledge_base.shop.sql_source import SqlOrderSource, create_shop_engine
from tests.integration.servers import Launcher, RasaServer, Server, listening_addresses

pytestmark = pytest.mark.integration

# What the attacker sent: a tracker whose slots claim order 10009 is verified and confirmed.
FORGED_CANCEL = {
    "next_action": "action_cancel_order",
    "sender_id": "attacker",
    "version": "3.6.21",
    "tracker": {
        "sender_id": "attacker",
        "slots": {"order_id": "10009", "verified_order_id": "10009", "confirm_cancel": True, "task_allowed": True},
        "latest_message": {"text": "yes", "intent": {"name": "affirm"}, "entities": []},
        "events": [],
        "latest_action_name": "action_listen",
        "paused": False,
        "followup_action": None,
        "active_loop": {},
    },
    "domain": {},
}


def order_status(shop_database_url: str, number: str) -> str:
    engine = create_shop_engine(shop_database_url)
    try:
        order = SqlOrderSource(engine).get_order(number)
        assert order is not None
        return order.status
    finally:
        engine.dispose()


def test_a_forged_action_call_is_refused_logged_and_changes_nothing(
        action_server: Server, shop_database_url: str) -> None:
    before = order_status(shop_database_url, "10009")
    for headers in ({}, {"Authorization": "Bearer guessed-wrong-token"}, {"Authorization": "guessed-wrong-token"}):
        answer = httpx.post(f"{action_server.url}/webhook", json=FORGED_CANCEL, headers=headers, timeout=10)
        assert answer.status_code == 401
    assert httpx.get(f"{action_server.url}/actions", timeout=10).status_code == 401
    assert order_status(shop_database_url, "10009") == before != "cancelled"
    assert "refused an unauthenticated POST /webhook" in action_server.log.read_text()


def test_the_action_server_answers_rasa_s_token(action_server: Server, launcher: Launcher) -> None:
    answer = httpx.get(f"{action_server.url}/actions", headers={"Authorization": f"Bearer {launcher.action_token}"},
                       timeout=10)
    assert answer.status_code == 200
    assert "action_cancel_order" in {action["name"] for action in answer.json()}


def test_rasa_s_api_and_channel_refuse_callers_without_the_token(rasa_server: RasaServer) -> None:
    conversation = "doors-test"
    rasa_server.say(conversation, "hi, my email is anna.schmidt@example.com")
    url = rasa_server.url
    refused = [
        httpx.get(f"{url}/conversations/{conversation}/tracker", timeout=10),
        httpx.get(f"{url}/status", timeout=10),
        httpx.put(f"{url}/model", json={"model_server": {"url": "http://127.0.0.1:9/model.tar.gz"}}, timeout=10),
        httpx.post(f"{url}/model/parse", json={"text": "hi"}, timeout=10),
        httpx.post(f"{url}/webhooks/hub/webhook", json={"sender": conversation, "message": "hi"}, timeout=10),
        httpx.post(f"{url}/webhooks/hub/webhook", json={"sender": conversation, "message": "hi"}, timeout=10,
                   headers={"Authorization": "Bearer not.a.jwt"}),
    ]
    assert [answer.status_code for answer in refused] == [401] * len(refused)
    # Rasa's open REST channel is not installed at all.
    assert httpx.post(f"{url}/webhooks/rest/webhook", json={"sender": "x", "message": "hi"}, timeout=10).status_code == 404
    # The model was not swapped: the tracker is still there for the token holder.
    events = rasa_server.get(f"/conversations/{conversation}/tracker")["events"]
    assert any(event.get("text") == "hi, my email is anna.schmidt@example.com" for event in events)


def test_a_token_signed_with_another_secret_is_refused(rasa_server: RasaServer) -> None:
    forged = RasaServer(rasa_server.name, rasa_server.url, rasa_server.process, rasa_server.log,
                        secret="an-attacker-s-own-secret-of-forty-characters")
    answer = httpx.get(f"{rasa_server.url}/status", headers=forged.headers(), timeout=10)
    assert answer.status_code == 401


def test_rasa_and_the_action_server_listen_on_loopback_only(rasa_server: RasaServer, action_server: Server) -> None:
    for server in (rasa_server, action_server):
        port = int(server.url.rsplit(":", 1)[1])
        assert listening_addresses(port) == {"127.0.0.1"}, server.name


def test_no_secret_reaches_a_log(rasa_server: RasaServer, action_server: Server, launcher: Launcher) -> None:
    for server in (rasa_server, action_server):
        text = server.log.read_text(errors="replace")
        assert launcher.rasa_token not in text and launcher.action_token not in text, server.name
