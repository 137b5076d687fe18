"""The console's websocket on a real hub server: snapshot on connect, live queue and messages."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
import websockets

from handoff.settings import HubSettings
from hub.app import create_app
from tests.handoff.databases import PASSWORD, HubDb
from tests.handoff.hub_server import serve


async def next_of(ws: Any, kind: str, timeout: float = 5) -> dict[str, Any]:
    async def wait() -> dict[str, Any]:
        while True:
            frame = json.loads(await ws.recv())
            if frame["type"] == kind:
                return frame
    return await asyncio.wait_for(wait(), timeout)


def feed_url(base: str) -> str:
    return f"{base.replace('http', 'ws')}/api/agent/ws"


async def signed_in(ws: Any, token: str) -> dict[str, Any]:
    await ws.send(json.dumps({"type": "auth", "token": token}))
    return await next_of(ws, "hello")


async def closed_code(ws: Any, timeout: float = 5) -> int:
    with pytest.raises(websockets.ConnectionClosed) as closed:
        for _ in range(1000):
            await asyncio.wait_for(ws.recv(), timeout)
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code


async def test_new_tickets_and_messages_are_pushed_without_polling(hub_settings: HubSettings, db: HubDb) -> None:
    anna = await db.agent("Anna", online=False)
    async with serve(create_app(hub_settings, sweep=False)) as base, httpx.AsyncClient(base_url=base) as http:
        login = (await http.post("/api/agent/login", json={"email": anna.email, "password": PASSWORD})).json()
        token = login["token"]
        await http.put("/api/agent/me/status", json={"status": "away"}, headers={"authorization": f"Bearer {token}"})
        async with websockets.connect(feed_url(base)) as ws:
            hello = await signed_in(ws, token)
            assert (hello["data"]["agent"]["display_name"], hello["data"]["queue"]) == ("Anna", [])

            opened = (await http.post("/api/conversations", json={})).json()
            shopper = {"authorization": f"Bearer {opened['token']}"}
            await http.post(f"/api/conversations/{opened['conversation_id']}/messages", json={"text": "human please"},
                            headers=shopper)
            queued = await next_of(ws, "ticket.queued")
            assert queued["data"]["ticket"]["reasons"] == ["explicit_request"]
            snapshot = await next_of(ws, "queue.changed")
            assert [t["position"] for t in snapshot["data"]["queue"]] == [1]

            await http.post(f"/api/conversations/{opened['conversation_id']}/messages", json={"text": "are you there?"},
                            headers=shopper)
            pushed = await next_of(ws, "message.created")
            assert (pushed["data"]["ticket_id"], pushed["data"]["message"]["text"]) == (queued["data"]["ticket"]["id"],
                                                                                        "are you there?")
            assert "channel_user_id" not in pushed["data"]

            await ws.send(json.dumps({"type": "ping"}))
            assert (await next_of(ws, "pong"))["data"] == {}


async def test_a_bad_token_closes_the_socket(hub_settings: HubSettings, db: HubDb) -> None:
    async with serve(create_app(hub_settings, sweep=False)) as base, websockets.connect(feed_url(base)) as ws:
        await ws.send(json.dumps({"type": "auth", "token": "nope"}))
        assert await closed_code(ws) == 4401


async def test_a_token_in_the_url_is_not_accepted_and_never_logged(
        hub_settings: HubSettings, db: HubDb, caplog: pytest.LogCaptureFixture) -> None:
    anna = await db.agent("Anna", online=False)
    async with serve(create_app(hub_settings, sweep=False)) as base, httpx.AsyncClient(base_url=base) as http:
        token = (await http.post("/api/agent/login", json={"email": anna.email, "password": PASSWORD})).json()["token"]
        async with websockets.connect(f"{feed_url(base)}?token={token}") as ws:
            await ws.send(json.dumps({"type": "ping"}))
            assert await closed_code(ws) == 4401
        async with websockets.connect(feed_url(base)) as ws:
            await ws.send(b"\xff\xfe not json")
            assert await closed_code(ws) == 4401
    assert token not in caplog.text


async def test_a_live_console_closes_when_its_session_is_ended_elsewhere(hub_settings: HubSettings, db: HubDb) -> None:
    admin = await db.agent("Ada", role="admin", online=False)
    anna = await db.agent("Anna", online=False)
    async with serve(create_app(hub_settings, sweep=False)) as base, httpx.AsyncClient(base_url=base) as http:
        def login(email: str) -> Any:
            return http.post("/api/agent/login", json={"email": email, "password": PASSWORD})

        anna_token = (await login(anna.email)).json()["token"]
        admin_auth = {"authorization": f"Bearer {(await login(admin.email)).json()['token']}"}
        async with websockets.connect(feed_url(base)) as ws:
            await signed_in(ws, anna_token)
            await http.patch(f"/api/admin/agents/{anna.id}", json={"password": "a brand new password"}, headers=admin_auth)
            assert await closed_code(ws) == 4401
        me = await http.get("/api/agent/me", headers={"authorization": f"Bearer {anna_token}"})
        assert me.status_code == 401


async def test_a_real_server_refuses_an_oversized_body(hub_settings: HubSettings, db: HubDb) -> None:
    async with serve(create_app(hub_settings, sweep=False)) as base, httpx.AsyncClient(base_url=base) as http:
        opened = (await http.post("/api/conversations", json={})).json()
        answer = await http.post(
            f"/api/conversations/{opened['conversation_id']}/messages", content=b'{"text": "' + b"x" * 2_000_000 + b'"}',
            headers={"authorization": f"Bearer {opened['token']}", "content-type": "application/json"},
        )
        assert answer.status_code == 413
        assert answer.json()["error"]["code"] == "too_large"
