"""Hostile input gets a 4xx with the usual error body, and no request holds the database or the
event loop: while attackers send lone surrogates, JSON nested 100k deep and ids past every integer
range, another shopper is answered in its normal time. A real hub server, SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from handoff.auth import create_agent
from handoff.db import create_engine, migrate, session_factory
from handoff.settings import HubSettings
from hub.app import create_app
from tests.fakes.rasa import FakeRasa
from tests.handoff.databases import PASSWORD, postgres_database
from tests.handoff.hub_server import serve

SURROGATE_BODY = b'{"text": "x\\ud800y"}'
DEEP_JSON = b"[" * 100_000 + b"]" * 100_000
HUGE_IDS = [str(2**63 + 5), str(2**31), "9" * 40]
AGENT = "ada@shop.example"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def hub_url(request: pytest.FixtureRequest, tmp_path: Path, fake_rasa: FakeRasa) -> AsyncIterator[str]:
    async def run(database_url: str) -> AsyncIterator[str]:
        await add_agent(database_url)
        settings = HubSettings(database_url=database_url, rasa_url=fake_rasa.url, rasa_token=fake_rasa.secret,
                               rasa_timeout_seconds=5)
        async with serve(create_app(settings, sweep=False)) as url:
            yield url

    if request.param == "sqlite":
        async for url in run(f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}"):
            yield url
    else:
        async with postgres_database() as database_url:
            async for url in run(database_url):
                yield url


async def open_conversation(client: httpx.AsyncClient) -> tuple[str, dict[str, str]]:
    opened = (await client.post("/api/conversations", json={})).json()
    return opened["conversation_id"], {"Authorization": f"Bearer {opened['token']}"}


async def add_agent(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        await migrate(engine)
        async with session_factory(engine)() as session:
            await create_agent(session, AGENT, "Ada", PASSWORD, role="admin")
            await session.commit()
    finally:
        await engine.dispose()


async def agent_auth(client: httpx.AsyncClient) -> dict[str, str]:
    answer = await client.post("/api/agent/login", json={"email": AGENT, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def assert_error_body(answer: httpx.Response, statuses: tuple[int, ...]) -> None:
    assert answer.status_code in statuses, (answer.status_code, answer.text[:200])
    body = answer.json()
    assert set(body["error"]) == {"code", "message"}, body


async def test_attackers_get_4xx_and_a_shopper_is_answered_meanwhile(hub_url: str) -> None:
    async with httpx.AsyncClient(base_url=hub_url, timeout=30) as client:
        attacker, attacker_auth = await open_conversation(client)
        shopper, shopper_auth = await open_conversation(client)
        agent = await agent_auth(client)
        messages = f"/api/conversations/{attacker}/messages"
        surrogate_headers = {**attacker_auth, "Content-Type": "application/json"}

        async def surrogate() -> httpx.Response:
            return await client.post(messages, content=SURROGATE_BODY, headers=surrogate_headers)

        async def deep() -> httpx.Response:
            return await client.post(messages, content=DEEP_JSON, headers=surrogate_headers)

        async def huge(ticket_id: str) -> httpx.Response:
            return await client.get(f"/api/agent/tickets/{ticket_id}", headers=agent)

        attacks = [surrogate() for _ in range(3)] + [deep()] + [huge(i) for i in HUGE_IDS for _ in range(3)]
        started = time.monotonic()
        attacked = asyncio.gather(*attacks)
        answer = await client.post(f"/api/conversations/{shopper}/messages", json={"text": "hello"}, headers=shopper_auth)
        shopper_seconds = time.monotonic() - started
        results = await attacked

    assert answer.status_code == 200 and answer.json()["messages"][-1]["text"] == "bot heard: hello"
    assert shopper_seconds < 3, f"the shopper waited {shopper_seconds:.1f} s behind the attack"
    for result in results[:4]:
        assert_error_body(result, (400, 413))
    for result in results[4:]:
        assert_error_body(result, (404,))


async def test_lone_surrogates_are_refused_wherever_text_comes_in(hub_url: str) -> None:
    async with httpx.AsyncClient(base_url=hub_url, timeout=30) as client:
        conversation, auth = await open_conversation(client)
        headers = {**auth, "Content-Type": "application/json"}
        bodies = [b'{"text": "\\udfff"}', b'{"text": "ok", "client_message_id": "\\ud83d"}']
        for body in bodies:
            answer = await client.post(f"/api/conversations/{conversation}/messages", content=body, headers=headers)
            assert_error_body(answer, (400,))
            assert answer.json()["error"]["code"] == "invalid_text"
        opened = await client.post("/api/conversations", content=b'{"display_name": "\\ud800"}',
                                   headers={"Content-Type": "application/json"})
        assert_error_body(opened, (400,))
        login = await client.post("/api/agent/login", content=b'{"email": "a@b.c", "password": "\\ud800xxxxxxxxxx"}',
                                  headers={"Content-Type": "application/json"})
        assert_error_body(login, (400,))
        # A real emoji (a surrogate pair in JSON) is fine.
        emoji = await client.post(f"/api/conversations/{conversation}/messages",
                                  content=b'{"text": "thanks \\ud83d\\ude00"}', headers=headers)
        assert emoji.status_code == 200 and emoji.json()["messages"][0]["text"] == "thanks \U0001f600"
        stored = (await client.get(f"/api/conversations/{conversation}/messages", headers=auth)).json()["messages"]
        assert [m["text"] for m in stored if m["author_kind"] == "shopper"] == ["thanks \U0001f600"]


async def test_ids_past_the_database_s_integer_range_are_not_found(hub_url: str) -> None:
    async with httpx.AsyncClient(base_url=hub_url, timeout=30) as client:
        conversation, auth = await open_conversation(client)
        agent = await agent_auth(client)
        for big in HUGE_IDS:
            answer = await client.get(f"/api/conversations/{conversation}/messages?after={big}", headers=auth)
            assert_error_body(answer, (400,))
        routes = [("get", "/api/agent/tickets/{}"), ("get", "/api/agent/tickets/{}/messages"),
                  ("get", "/api/agent/tickets/{}/customer"), ("post", "/api/agent/tickets/{}/claim"),
                  ("post", "/api/agent/tickets/{}/resolve"), ("patch", "/api/admin/agents/{}"),
                  ("delete", "/api/agent/canned/{}")]
        for method, path in routes:
            for big in [*HUGE_IDS, "-1", "0x10"]:
                answer = await client.request(method, path.format(big), headers=agent, json={"active": True})
                assert_error_body(answer, (404,))
        transfer = await client.post("/api/agent/tickets/1/transfer", headers=agent, json={"agent_id": 2**63})
        assert_error_body(transfer, (400, 404))
