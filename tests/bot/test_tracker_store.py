"""Rasa keeps conversations in an SQL tracker store (endpoints.yml): SQLite under var/ by default,
PostgreSQL when configured; a tracker saved by one Rasa process is whole in the next, a form in
the middle included. These build the store exactly as `rasa run` does, from endpoints.yml."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import read_endpoint_config

from bot.serve import tracker_store_url
from bot.tracker_store import ShopTrackerStore

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


# --- bot/tracker_store.py: the same rows and answers as Rasa's own SQL store, fewer reads -------------

def test_endpoints_name_shopdesk_s_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Rasa falls back to an in-memory store, with only a warning, when the named class is missing.
    store = store_from_endpoints(f"sqlite:///{tmp_path / 'tracker.db'}", monkeypatch)
    assert isinstance(getattr(store, "_tracker_store", store), ShopTrackerStore)


def shop_store(url: str, cache_size: int | None = None) -> ShopTrackerStore:
    return ShopTrackerStore(domain=DOMAIN, host=url, cache_size=cache_size)


def rows(url: str) -> list[tuple]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        found = connection.execute(sa.text(
            "select sender_id, type_name, timestamp, intent_name, action_name, data from events order by id")).all()
    engine.dispose()
    return [tuple(row) for row in found]


def next_turn(tracker: DialogueStateTracker, text: str, slot_value: str) -> None:
    at = (tracker.events[-1].timestamp if tracker.events else 1_700_000_000.0) + 1  # both stores see the same times
    tracker.update(UserUttered(text, {"name": "check_order", "confidence": 0.9}, timestamp=at))
    tracker.update(ActionExecuted("order_form", timestamp=at + 0.1))
    tracker.update(SlotSet("email", slot_value, timestamp=at + 0.2))
    tracker.update(BotUttered(f"Thanks for {slot_value}", timestamp=at + 0.3))
    tracker.update(ActionExecuted("action_listen", timestamp=at + 0.4))


async def play(store: TrackerStore, sender: str) -> list[list[dict]]:
    """Four turns as Rasa takes them (retrieve, add events, save), a new session before the
    third; what each retrieve returned."""
    seen = []
    tracker = await store.retrieve(sender) or DialogueStateTracker(sender, DOMAIN.slots)
    for turn in range(4):
        if turn == 2:
            at = tracker.events[-1].timestamp + 1
            tracker.update(ActionExecuted("action_session_start", timestamp=at))
            tracker.update(SessionStarted(timestamp=at + 0.1))
            tracker.update(ActionExecuted("action_listen", timestamp=at + 0.2))
        next_turn(tracker, f"turn {turn}", f"a{turn}@example.com")
        await store.save(tracker)
        again = await store.retrieve(sender)
        assert again is not None
        seen.append([event.as_dict() for event in again.events])
        tracker = again
    return seen


def test_the_same_rows_and_trackers_as_rasa_s_own_store(tmp_path: Path) -> None:
    from rasa.core.tracker_store import SQLTrackerStore

    theirs_url, ours_url = f"sqlite:///{tmp_path / 'rasa.db'}", f"sqlite:///{tmp_path / 'ours.db'}"
    theirs = asyncio.run(play(SQLTrackerStore(domain=DOMAIN, host=theirs_url), "s1"))
    ours = asyncio.run(play(shop_store(ours_url), "s1"))
    assert ours == theirs
    assert rows(ours_url) == rows(theirs_url)
    # The cache off is Rasa's own store.
    off_url = f"sqlite:///{tmp_path / 'off.db'}"
    assert asyncio.run(play(shop_store(off_url, cache_size=0), "s1")) == theirs
    assert rows(off_url) == rows(theirs_url)
    # After the new session a retrieve holds only it, as Rasa's does.
    assert [e["event"] for e in ours[-1]][:2] == ["session_started", "action"]


def test_another_writer_and_an_erasure_are_seen(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tracker.db'}"

    async def scenario() -> None:
        mine, other = shop_store(url), shop_store(url)  # two Rasa processes on one database
        await mine.save(half_filled_form("s1"))
        tracker = await mine.retrieve("s1")
        assert tracker is not None and tracker.get_slot("email") is None
        # The conversation moved to the other process (a failover) and went on there.
        moved = await other.retrieve("s1")
        assert moved is not None
        next_turn(moved, "it's a@example.com", "a@example.com")
        await other.save(moved)
        back = await mine.retrieve("s1")
        assert back is not None and back.get_slot("email") == "a@example.com"
        assert [e.as_dict() for e in back.events] == [e.as_dict() for e in moved.events]
        # The hub erased the conversation (handoff/rasa_trackers.py deletes its rows).
        engine = sa.create_engine(url)
        with engine.begin() as connection:
            connection.execute(sa.text("delete from events where sender_id = 's1'"))
        engine.dispose()
        assert await mine.retrieve("s1") is None
        fresh = DialogueStateTracker("s1", DOMAIN.slots)
        next_turn(fresh, "hello again", "b@example.com")
        await mine.save(fresh)
        again = await other.retrieve("s1")
        assert again is not None and [e.as_dict() for e in again.events] == [e.as_dict() for e in fresh.events]

    asyncio.run(scenario())
    assert len(rows(url)) == 5


def test_sqlite_is_in_wal_mode(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    asyncio.run(shop_store(url).save(half_filled_form("s1")))
    with sqlite3.connect(tmp_path / "tracker.db") as connection:
        assert connection.execute("pragma journal_mode").fetchone()[0] == "wal"


def test_the_same_on_postgresql(postgres_database: str) -> None:
    from rasa.core.tracker_store import SQLTrackerStore

    theirs = asyncio.run(play(SQLTrackerStore(domain=DOMAIN, host=postgres_database), "rasa-s"))
    ours = asyncio.run(play(shop_store(postgres_database), "ours-s"))
    assert ours == theirs
    by_sender = {sender: [row[1:] for row in rows(postgres_database) if row[0] == sender] for sender in ("rasa-s", "ours-s")}
    assert len(by_sender["ours-s"]) == len(by_sender["rasa-s"]) > 0
    assert [row[:1] + row[2:] for row in by_sender["ours-s"]] == [row[:1] + row[2:] for row in by_sender["rasa-s"]]


def traced(store: ShopTrackerStore) -> list[str]:
    """Every statement SQLite runs for the store from now on (an executemany's rows one by one)."""
    statements: list[str] = []
    sa.event.listen(store.engine, "connect", lambda dbapi, _record: dbapi.set_trace_callback(statements.append))
    return statements


def kinds(statements: list[str]) -> list[str]:
    return [" ".join(statement.split()[:2]).upper() for statement in statements]


STAMP = "SELECT COUNT(*)"


def test_a_conversation_this_process_saved_is_read_back_with_one_statement(tmp_path: Path) -> None:
    store = shop_store(f"sqlite:///{tmp_path / 'tracker.db'}")
    statements = traced(store)

    async def turns() -> None:
        tracker = half_filled_form("s1")
        await store.save(tracker)
        for turn in range(3):
            statements.clear()
            again = await store.retrieve("s1")
            assert again is not None and len(again.events) == len(tracker.events)
            assert kinds(statements) == [STAMP], statements  # the sender's row count and last id
            next_turn(again, f"turn {turn}", "a@example.com")
            statements.clear()
            await store.save(again)
            # The five new events and the last one's id in one transaction; nothing read from the table.
            assert kinds(statements) == ["BEGIN", *["INSERT INTO"] * 5, "SELECT LAST_INSERT_ROWID()", "COMMIT"], statements
            tracker = again

    asyncio.run(turns())


def test_a_new_conversation_is_answered_by_its_row_count(tmp_path: Path) -> None:
    """A sender without rows: no session to read (Rasa's retrieve finds none) and none to count."""
    store = shop_store(f"sqlite:///{tmp_path / 'tracker.db'}")
    statements = traced(store)

    async def first_message() -> None:
        assert await store.retrieve("new") is None
        assert kinds(statements) == [STAMP], statements
        statements.clear()
        tracker = await store.create_tracker("new")  # as Rasa's get_or_create_tracker does
        assert kinds(statements) == [STAMP, "BEGIN", "INSERT INTO", "SELECT LAST_INSERT_ROWID()", "COMMIT"], statements
        again = await shop_store(store.engine.url.render_as_string(hide_password=False)).retrieve("new")
        assert again is not None and [e.as_dict() for e in again.events] == [e.as_dict() for e in tracker.events]
        statements.clear()
        assert await store.retrieve("new") is not None
        assert kinds(statements) == [STAMP], statements  # the stamp it wrote is the database's

    asyncio.run(first_message())


def test_a_stamp_written_after_a_change_by_someone_else_is_not_the_database_s(tmp_path: Path) -> None:
    """Rows erased or added by another process between this one's read and its save: the stamp this save
    leaves is its own count, which the database's then differs from, so the next read reads the rows."""
    url = f"sqlite:///{tmp_path / 'tracker.db'}"

    async def scenario() -> None:
        mine, other = shop_store(url), shop_store(url)
        await mine.save(half_filled_form("s1"))
        tracker = await mine.retrieve("s1")
        assert tracker is not None
        moved = await other.retrieve("s1")
        assert moved is not None
        next_turn(moved, "from the other process", "b@example.com")
        await other.save(moved)
        next_turn(tracker, "from this one", "a@example.com")  # read before the other's save
        await mine.save(tracker)
        again = await mine.retrieve("s1")
        assert again is not None
        from rasa.core.tracker_store import SQLTrackerStore

        rasas = await SQLTrackerStore(domain=DOMAIN, host=url).retrieve("s1")
        assert rasas is not None and [e.as_dict() for e in again.events] == [e.as_dict() for e in rasas.events]
        assert len(again.events) == len(half_filled_form("s1").events) + 10

    asyncio.run(scenario())


async def saved_and_read(url: str) -> tuple[ShopTrackerStore, DialogueStateTracker]:
    """A store that saved a half-filled form, and the tracker it reads back."""
    store = shop_store(url)
    await store.save(half_filled_form("s1"))
    tracker = await store.retrieve("s1")
    assert tracker is not None
    return store, tracker


def test_a_session_started_in_the_new_events_is_the_latest(tmp_path: Path) -> None:
    """The session kept after a save is what Rasa's retrieve reads back, also when the save starts a new one
    and when an event is stamped before the session's start."""
    from rasa.core.tracker_store import SQLTrackerStore

    url = f"sqlite:///{tmp_path / 'tracker.db'}"

    async def scenario() -> None:
        store, tracker = await saved_and_read(url)
        at = tracker.events[-1].timestamp + 1
        tracker.update(ActionExecuted("action_session_start", timestamp=at))
        tracker.update(SessionStarted(timestamp=at + 0.1))
        tracker.update(ActionExecuted("action_listen", timestamp=at + 0.2))
        await store.save(tracker)
        again = await store.retrieve("s1")
        assert again is not None
        again.update(SlotSet("email", "early@example.com", timestamp=at))  # before the session's start
        next_turn(again, "later", "a@example.com")
        await store.save(again)
        for _ in range(2):  # from this process's session, and from the database
            ours = await store.retrieve("s1")
            rasas = await SQLTrackerStore(domain=DOMAIN, host=url).retrieve("s1")
            assert ours is not None and rasas is not None
            assert [e.as_dict() for e in ours.events] == [e.as_dict() for e in rasas.events]
            assert ours.events[0].type_name == "session_started"
            store = shop_store(url)

    asyncio.run(scenario())


def test_a_failed_save_writes_nothing_and_the_next_one_works(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tracker.db'}"

    async def scenario() -> None:
        store, tracker = await saved_and_read(url)
        next_turn(tracker, "this one fails", "a@example.com")
        broken = UserUttered("not JSON", {"name": "check_order"}, timestamp=tracker.events[-1].timestamp + 1)
        broken.parse_data["metadata"] = {"unserialisable": object()}  # json.dumps raises before anything is written
        tracker.update(broken)
        with pytest.raises(TypeError):
            await store.save(tracker)
        assert len(rows(url)) == len(half_filled_form("s1").events)
        nameless = half_filled_form("s1")
        nameless.sender_id = None  # the column is NOT NULL: SQLite refuses the insert
        with pytest.raises(sa.exc.IntegrityError):
            await store.save(nameless)
        assert len(rows(url)) == len(half_filled_form("s1").events)
        again = await store.retrieve("s1")
        assert again is not None
        next_turn(again, "this one works", "a@example.com")
        await store.save(again)
        assert len(rows(url)) == len(half_filled_form("s1").events) + 5

    asyncio.run(scenario())
