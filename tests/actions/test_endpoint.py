"""The action server's routes (actions/endpoint.py) answer every kind of call as rasa_sdk's own app does."""

from __future__ import annotations

import json
import zlib
from typing import Any

import pytest
from rasa_sdk.endpoint import create_app
from rasa_sdk.executor import ActionExecutor
from sanic import Sanic

from actions.endpoint import create_endpoint_app

PACKAGE = "tests.actions.endpoint_calls"
TRACKER = {"sender_id": "shopper-1", "slots": {"order_id": "10002", "score": 0.1 + 0.2, "big": 2**70, "none": None},
           "latest_message": {"text": "wo ist meine Bestellung? \u00fc \U0001f600 \"quoted\" \\ /", "intent": {"name": "x"}},
           "events": [{"event": "user", "timestamp": 1764680000.123456, "text": "hi", "parse_data": {"entities": []}},
                      {"event": "slot", "name": "order_id", "value": "10002", "timestamp": None}],
           "paused": False, "followup_action": None, "active_loop": {}, "latest_action_name": "action_listen"}
CALL = {"next_action": "action_echo_tracker", "version": "3.6.21", "tracker": TRACKER}


def app_pair() -> tuple[Sanic, Sanic]:
    apps = []
    for make in (lambda executor: create_app(executor, cors_origins=""), create_endpoint_app):
        executor = ActionExecutor()
        executor.register_package(PACKAGE)
        app = make(executor)
        app.config.TOUCHUP = False
        apps.append(app)
    return apps[0], apps[1]


def raw(body: Any) -> bytes:
    return json.dumps(body).encode()


# Each: method, path, body bytes, headers. In order: the executor keeps the domain between calls.
CALLS: list[tuple[str, str, bytes, dict[str, str]]] = [
    ("get", "/health", b"", {}),
    ("get", "/actions", b"", {}),
    ("post", "/webhook", raw({**CALL, "domain_digest": "d1"}), {}),
    ("post", "/webhook", raw({**CALL, "domain_digest": "d1", "domain": {"intents": ["greet"]}}), {}),
    ("post", "/webhook", raw({**CALL, "domain_digest": "d1"}), {}),
    ("post", "/webhook", raw({**CALL, "domain": {"intents": ["bye"]}}), {}),
    ("post", "/webhook", raw(CALL).replace(b'"score": 0.30000000000000004', b'"score": NaN'), {}),
    ("post", "/webhook", raw(CALL).replace(b'"hi"', b'"\\ud83d"'), {}),
    ("post", "/webhook", raw({**CALL, "version": None}), {}),
    ("post", "/webhook", zlib.compress(raw(CALL)), {"Content-Encoding": "deflate"}),
    ("post", "/webhook", raw({**CALL, "next_action": "action_nobody_wrote"}), {}),
    ("post", "/webhook", raw({**CALL, "next_action": "action_refuse"}), {}),
    ("post", "/webhook", raw({**CALL, "next_action": None}), {}),
    ("post", "/webhook", b"", {}),
    ("post", "/webhook", b"null", {}),
    ("options", "/webhook", b"", {"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"}),
    ("options", "/nowhere", b"", {}),
    ("get", "/webhook", b"", {}),
]


@pytest.mark.parametrize("number", range(len(CALLS)))
async def test_every_call_gets_rasa_sdks_answer(number: int) -> None:
    answers = []
    for app in app_pair():
        for method, path, body, headers in CALLS[:number + 1]:
            sent = {"content": body} if method == "post" else {}
            _, answer = await getattr(app.asgi_client, method)(path, headers=headers, **sent)
        answers.append((answer.status, answer.body, answer.headers.get("content-type"),
                        answer.headers.get("access-control-allow-origin")))
    assert answers[1] == answers[0]
    assert number != 3 or json.loads(answers[1][1])["responses"][0]["custom"]["intents"] == ["greet"]


@pytest.mark.parametrize("body", [b"{not json", raw({**CALL, "next_action": "action_break", "domain": {"intents": ["x"]}})])
async def test_failures_answer_as_rasa_sdks(body: bytes) -> None:
    answers = []
    for app in app_pair():
        _, answer = await app.asgi_client.post("/webhook", content=body)
        answers.append((answer.status, answer.json))
    assert answers[1] == answers[0] and answers[0][0] in (400, 500)
