"""Rasa keeps conversations in an SQL tracker store (endpoints.yml): SQLite under var/ by default,
PostgreSQL when configured; a tracker saved by one Rasa process is whole in the next, a form in
the middle included. These build the store exactly as `rasa run` does, from endpoints.yml."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import read_endpoint_config

from bot.serve import tracker_store_url

ROOT = Path(__file__).resolve().parents[2]
POSTGRES = os.environ.get("SHOPDESK_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
DOMAIN = Domain.from_yaml("""
version: "3.1"
intents: [check_order]
slots:
  order_id: {type: text, mappings: [{type: from_text}]}
  email: {type: text, mappings: [{type: from_text}]}
forms:
  order_form: {required_slots: [order_id, email]}
responses:
  utter_ask_email: [{text: "Which email is on the order?"}]
""")


def store_from_endpoints(url: str, monkeypatch: pytest.MonkeyPatch) -> TrackerStore:
    monkeypatch.setenv("SHOPDESK_TRACKER_URL", url)
    monkeypatch.setenv("ACTION_ENDPOINT_URL", "http://127.0.0.1:1/webhook")
    monkeypatch.setenv("SHOPDESK_ACTION_TOKEN", "unused")
    config = read_endpoint_config(str(ROOT / "endpoints.yml"), "tracker_store")
    return TrackerStore.create(config, DOMAIN)


def half_filled_form(sender: str) -> DialogueStateTracker:
    return DialogueStateTracker.from_events(sender, [
        ActionExecuted("action_listen"),
        UserUttered("where is my order 10002", {"name": "check_order", "confidence": 0.98}),
        ActionExecuted("order_form"),
        ActiveLoop("order_form"),
        SlotSet("order_id", "10002"),
        SlotSet("requested_slot", "email"),
        BotUttered("Which email is on the order?"),
        ActionExecuted("action_listen"),
    ], slots=DOMAIN.slots)


def assert_survives_a_new_process(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    sender = f"test-{uuid.uuid4().hex}"
    asyncio.run(store_from_endpoints(url, monkeypatch).save(half_filled_form(sender)))
    # A new store is what a restarted Rasa builds: nothing in memory carries over.
    again = asyncio.run(store_from_endpoints(url, monkeypatch).retrieve(sender))
    assert again is not None
    assert again.active_loop_name == "order_form"
    assert again.get_slot("order_id") == "10002"
    assert again.get_slot("requested_slot") == "email"
    assert [e.type_name for e in again.events][-2:] == ["bot", "action"]


def test_the_default_is_sqlite_under_var(tmp_path: Path) -> None:
    assert tracker_store_url({"SHOPDESK_VAR_DIR": str(tmp_path)}) == f"sqlite:///{tmp_path / 'tracker.db'}"
    assert tracker_store_url({"SHOPDESK_VAR_DIR": str(tmp_path), "DATABASE_URL": "sqlite+aiosqlite:///x.db"}).startswith(
        "sqlite:///")


def test_postgresql_when_the_hub_uses_it_or_when_told() -> None:
    hub = {"DATABASE_URL": "postgresql+asyncpg://shop:pw@db.internal:5432/shopdesk"}
    assert tracker_store_url(hub) == "postgresql://shop:pw@db.internal:5432/shopdesk"
    told = {**hub, "SHOPDESK_TRACKER_URL": "postgresql://rasa@10.0.0.5/trackers"}
    assert tracker_store_url(told) == "postgresql://rasa@10.0.0.5/trackers"


def test_a_form_survives_a_restart_on_sqlite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert_survives_a_new_process(f"sqlite:///{tmp_path / 'tracker.db'}", monkeypatch)


@pytest.fixture
def postgres_database() -> Iterator[str]:
    import psycopg2

    try:
        admin = psycopg2.connect(POSTGRES, connect_timeout=3)
    except psycopg2.OperationalError as error:
        reason = f"PostgreSQL not reachable at {POSTGRES}: {error}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (CI=true: PostgreSQL tests must run)")
        pytest.skip(reason)
    admin.autocommit = True
    name = f"shopdesk_tracker_{uuid.uuid4().hex[:12]}"
    with admin.cursor() as cursor:
        cursor.execute(f'create database "{name}"')
    try:
        yield POSTGRES.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'drop database "{name}" with (force)')
        admin.close()


def test_a_form_survives_a_restart_on_postgresql(postgres_database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert_survives_a_new_process(postgres_database, monkeypatch)
