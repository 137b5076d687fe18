"""Personal data through the real processes (hub, Rasa with its SQL tracker store, action server),
as `make run` starts them: a card number typed in the widget in Chromium is replaced before the
hub's database, Rasa's tracker and any log see it; and a shopper erased by an admin leaves nothing
in the hub's database or in the tracker Rasa really wrote."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect, sync_playwright

from tests.browsers import CHROMIUM_ARGS, require_chromium
from tests.integration.servers import Launcher, RasaServer, Server, serve

pytestmark = pytest.mark.integration
ADMIN_EMAIL, ADMIN_PASSWORD = "privacy.admin@shop.example", "correct horse battery"
CARD = "4111 1111 1111 1111"
CARD_FORMS = (CARD, "4111111111111111", "4111-1111-1111-1111")


@pytest.fixture(scope="module")
def hub_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("privacy-hub") / "hub.db"


@pytest.fixture(scope="module")
def hub(launcher: Launcher, rasa_server: RasaServer, hub_db: Path) -> Iterator[Server]:
    database_url = f"sqlite+aiosqlite:///{hub_db}"
    # The hub erases from the tracker store Rasa writes to (as with `make run`, where both read the same settings).
    tracker = {"SHOPDESK_TRACKER_URL": f"sqlite:///{launcher.logs / 'tracker.db'}"}
    yield from serve(launcher.hub_with_admin(rasa_server, database_url, (ADMIN_EMAIL, "Pat", ADMIN_PASSWORD), tracker))


def rows(database: Path, query: str, *args: object) -> list[tuple]:
    with sqlite3.connect(database) as connection:
        return connection.execute(query, args).fetchall()


def tracker_events(launcher: Launcher, sender: str) -> list[dict]:
    found = rows(launcher.logs / "tracker.db", "select data from events where sender_id = ?", sender)
    return [json.loads(data) for (data,) in found]


def test_a_card_number_typed_in_the_widget_never_reaches_the_database_the_tracker_or_a_log(
    hub: Server, launcher: Launcher, hub_db: Path
) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=require_chromium(), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page()
            page.goto(hub.url + "/")
            page.get_by_role("button", name="Chat with us").click()
            box = page.get_by_label("Your message")
            box.fill(f"my card {CARD} was charged twice")
            box.press("Enter")
            conversation = page.get_by_role("log", name="Conversation")
            expect(conversation).to_contain_text("[card ending 1111]", timeout=30_000)
            expect(conversation).to_contain_text("removed a card, bank account or ID number", timeout=30_000)
            saved = page.evaluate(f"JSON.parse(localStorage.getItem('shopdesk:{hub.url}'))")
            conversation_id = saved["conversationId"]
        finally:
            browser.close()

    texts = [text for (text,) in rows(hub_db, "select text from messages where conversation_id = ?", conversation_id)]
    assert "my card [card ending 1111] was charged twice" in texts
    events = wait_for_bot_turn(launcher, conversation_id)
    user_texts = [event.get("text") for event in events if event.get("event") == "user"]
    assert user_texts == ["my card [card ending 1111] was charged twice"]
    stores = {"hub database": json.dumps(texts), "Rasa's tracker": json.dumps(events)}
    stores |= {log.name: log.read_text(errors="replace") for log in launcher.logs.glob("*.log")}
    assert {"hub.log", "rasa.log", "actions.log"} <= set(stores)
    for store, content in stores.items():
        for form in CARD_FORMS:
            assert form not in content, f"{form} in {store}"


def wait_for_bot_turn(launcher: Launcher, conversation_id: str, timeout: float = 120) -> list[dict]:
    """The tracker once Rasa answered (the first message of a run may wait for Rasa to finish
    loading its model: the hub answers it then)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        events = tracker_events(launcher, conversation_id)
        if any(event.get("event") == "bot" for event in events):
            return events
        time.sleep(0.3)
    senders = rows(launcher.logs / "tracker.db", "select distinct sender_id from events")
    raise AssertionError(f"Rasa's tracker never had the bot's answer for {conversation_id}: {events}, {senders}")


def test_an_erased_shopper_is_gone_from_the_hub_and_from_the_tracker_rasa_wrote(
    hub: Server, launcher: Launcher, hub_db: Path
) -> None:
    with httpx.Client(base_url=hub.url, timeout=60) as client:
        opened = client.post("/api/conversations", json={"channel": "api"}).json()
        shopper = {"Authorization": f"Bearer {opened['token']}"}
        conversation_id = opened["conversation_id"]
        for text in ("where is my order 10002?", "anna.schmidt@example.com"):
            answer = client.post(f"/api/conversations/{conversation_id}/messages", json={"text": text}, headers=shopper)
            assert answer.status_code == 200, answer.text
        events = wait_for_bot_turn(launcher, conversation_id)
        assert "anna.schmidt@example.com" in json.dumps(events)
        login = client.post("/api/agent/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}).json()
        admin = {"Authorization": f"Bearer {login['token']}"}
        [contact] = client.get("/api/contacts?q=anna.schmidt", headers=admin).json()["contacts"]
        erased = client.post(f"/api/contacts/{contact['id']}/erase", json={"reason": "asked in writing"}, headers=admin)
        assert erased.status_code == 200, erased.text
        assert erased.json()["erased"]["tracker_events"] >= len(events)

    assert tracker_events(launcher, conversation_id) == []
    with sqlite3.connect(hub_db) as connection:
        tables = [name for (name,) in connection.execute("select name from sqlite_master where type = 'table'")]
        dump = "\n".join(repr(row) for table in tables for row in connection.execute(f'select * from "{table}"'))
    for trace in ("anna.schmidt@example.com", "Anna Schmidt", "Schmidt", "23456789", "Hauptstr"):
        assert trace not in dump, trace
