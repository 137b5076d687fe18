"""What operations read off a hub: Prometheus metrics, readiness, JSON log lines with the
conversation id."""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import socket

import httpx
import pytest

from handoff.broadcast import QueueBroadcaster
from handoff.settings import HubSettings
from hub.app import create_app
from hub.jsonlog import JsonFormatter, conversation_context
from hub.metrics import HubMetrics
from hub.rasa_client import RasaClient
from hub.router import Router
from tests.fakes.rasa import FakeRasa
from tests.handoff.api_client import HubApi
from tests.handoff.databases import HubDb
from tests.hub.support import telegram


def _value(metrics: HubMetrics, name: str, labels: dict[str, str] | None = None) -> float:
    value = metrics.registry.get_sample_value(name, labels or {})
    return 0.0 if value is None else value


async def test_messages_turns_handoffs_and_the_queue_are_counted(db: HubDb, rasa: RasaClient, fake_rasa: FakeRasa) -> None:
    metrics = HubMetrics()
    router = Router(db.uows, db.desk, rasa, metrics=metrics)
    db.bus.subscribe(QueueBroadcaster(db.uows, db.settings, db.bus).on_event)
    db.bus.subscribe(metrics.on_event, everywhere=True)
    await router.handle(telegram("hello"))
    await router.handle(telegram("a human please"))
    assert _value(metrics, "shopdesk_messages_total", {"author_kind": "shopper"}) == 2
    # One reply to "hello", and two around the handoff.
    assert _value(metrics, "shopdesk_messages_total", {"author_kind": "bot"}) == 3
    assert _value(metrics, "shopdesk_rasa_turn_seconds_count") == 2
    assert _value(metrics, "shopdesk_message_seconds_count") == 2
    assert _value(metrics, "shopdesk_handoffs_total", {"reason": "explicit_request"}) == 1
    assert _value(metrics, "shopdesk_queue_length") == 1
    fake_rasa.down = True
    await router.handle(telegram("anyone?", chat="999"))
    assert _value(metrics, "shopdesk_rasa_errors_total", {"kind": "unreachable"}) == 1
    fake_rasa.down, fake_rasa.turn_errors = False, 2
    await router.handle(telegram("hello", chat="1000"))
    assert _value(metrics, "shopdesk_turn_errors_total") == 2


def test_the_metrics_are_served_on_loopback() -> None:
    metrics = HubMetrics()
    metrics.messages.labels("shopper").inc()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    metrics.serve(port)
    page = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    assert 'shopdesk_messages_total{author_kind="shopper"} 1.0' in page


async def test_ready_says_what_it_checked(api: HubApi) -> None:
    # Not ready until the slow imports are done (scikit-learn's, in a thread), then ready.
    answer = await api.call("get", "/ready")
    for _ in range(200):
        if answer.body["checks"]["warmed_up"]:
            break
        assert answer.status == 503 and answer.body["status"] == "not ready"
        await asyncio.sleep(0.1)
        answer = await api.call("get", "/ready")
    assert answer.status == 200
    assert answer.body == {"status": "ready", "checks": {"migrated": True, "warmed_up": True, "database": True}}


async def _ready(api: HubApi) -> None:
    for _ in range(200):
        if (await api.call("get", "/ready")).status == 200:
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the hub did not get ready")


async def test_the_served_hub_freezes_its_heap_once_warmed_up(hub_settings: HubSettings, db: HubDb) -> None:
    # What the process holds after the warm-up is left out of the collector's later passes; an app
    # made without freeze_heap (the tests' own, any process making apps again and again) freezes nothing.
    gc.unfreeze()
    plain = create_app(hub_settings, sweep=False)
    plain.config.TOUCHUP = False
    await _ready(HubApi(plain))
    assert gc.get_freeze_count() == 0
    served = create_app(hub_settings, sweep=False, freeze_heap=True)
    served.config.TOUCHUP = False
    try:
        await _ready(HubApi(served))
        for _ in range(50):  # the freeze follows the warm-up's end on the loop
            if gc.get_freeze_count():
                break
            await asyncio.sleep(0.02)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_a_json_log_line_carries_the_conversation_and_stays_redacted(caplog: pytest.LogCaptureFixture) -> None:
    from handoff.logs import RedactSecrets

    formatter = JsonFormatter("hub-a")
    record = logging.LogRecord("hub.router", logging.WARNING, __file__, 1, "card %s", ("4111 1111 1111 1111",), None)
    with conversation_context("c-123"):
        RedactSecrets().filter(record)
        line = json.loads(formatter.format(record))
    assert line["conversation_id"] == "c-123" and line["replica"] == "hub-a" and line["level"] == "warning"
    assert "4111 1111 1111 1111" not in line["message"]
    outside = json.loads(formatter.format(logging.LogRecord("hub", logging.INFO, __file__, 1, "plain", None, None)))
    assert "conversation_id" not in outside and outside["message"] == "plain"
