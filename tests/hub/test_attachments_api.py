"""Photos over the hub's HTTP API on a real hub (fake Rasa): uploaded into a conversation, sent
with a message, read back by that shopper and by agents, and nobody else; bad uploads refused."""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from sqlalchemy import select

from handoff import wording
from handoff.models import AuditEntry
from hub.images import MAX_UPLOAD_BYTES
from tests.hub.channels.support import Agent, RunningHub, running_hub


def jpeg(size: tuple[int, int] = (800, 600)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (30, 90, 160)).save(out, format="JPEG")
    return out.getvalue()


class Shopper:
    def __init__(self, client: httpx.AsyncClient, conversation_id: str, token: str) -> None:
        self.client, self.id, self.headers = client, conversation_id, {"Authorization": f"Bearer {token}"}

    async def upload(self, body: bytes, content_type: str = "image/jpeg", token: str | None = None) -> httpx.Response:
        headers = {"Content-Type": content_type, **(self.headers if token is None else {"Authorization": f"Bearer {token}"})}
        return await self.client.post(f"/api/conversations/{self.id}/attachments", content=body, headers=headers)

    async def say(self, text: str, attachment_ids: list[str] | None = None) -> httpx.Response:
        body: dict[str, Any] = {"text": text}
        if attachment_ids is not None:
            body["attachment_ids"] = attachment_ids
        return await self.client.post(f"/api/conversations/{self.id}/messages", json=body, headers=self.headers)

    async def photo(self, attachment_id: str) -> httpx.Response:
        return await self.client.get(f"/api/conversations/{self.id}/attachments/{attachment_id}", headers=self.headers)


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[RunningHub]:
    async with running_hub(tmp_path) as running:
        yield running


async def shopper(hub: RunningHub, client: httpx.AsyncClient) -> Shopper:
    opened = (await client.post("/api/conversations", json={})).json()
    return Shopper(client, opened["conversation_id"], opened["token"])


async def test_a_photo_without_words_is_kept_and_answered_without_the_bot(hub: RunningHub) -> None:
    async with httpx.AsyncClient(base_url=hub.url) as client:
        ada = await shopper(hub, client)
        uploaded = await ada.upload(jpeg((4000, 3000)))
        assert uploaded.status_code == 201, uploaded.text
        photo = uploaded.json()
        assert (photo["content_type"], photo["width"], photo["height"]) == ("image/jpeg", 2048, 1536)
        sent = (await ada.say("", [photo["id"]])).json()
        mine, answer = sent["messages"]
        assert mine["text"] is None and mine["attachments"] == [photo]
        assert answer["text"] == wording.PHOTO_SAVED and answer["buttons"] == wording.PHOTO_BUTTONS
        assert hub.rasa.messages_from(ada.id) == []
        back = await ada.photo(photo["id"])
    assert back.status_code == 200 and back.headers["content-type"] == "image/jpeg"
    assert back.headers["x-content-type-options"] == "nosniff" and "sandbox" in back.headers["content-security-policy"]
    assert back.headers["cache-control"].startswith("no-store") or "no-store" in back.headers["cache-control"]
    assert Image.open(io.BytesIO(back.content)).size == (2048, 1536)


async def test_the_caption_is_what_the_bot_reads(hub: RunningHub) -> None:
    async with httpx.AsyncClient(base_url=hub.url) as client:
        ada = await shopper(hub, client)
        photo = (await ada.upload(jpeg())).json()
        sent = (await ada.say("my order 10002 arrived broken", [photo["id"]])).json()
    assert hub.rasa.messages_from(ada.id) == ["my order 10002 arrived broken"]
    assert sent["messages"][0]["attachments"][0]["id"] == photo["id"]


async def test_photos_are_only_for_their_conversation_and_only_sent_once(hub: RunningHub) -> None:
    async with httpx.AsyncClient(base_url=hub.url) as client:
        ada, bob = await shopper(hub, client), await shopper(hub, client)
        photo = (await ada.upload(jpeg())).json()
        assert (await bob.photo(photo["id"])).status_code == 404
        stolen = await bob.client.get(f"/api/conversations/{ada.id}/attachments/{photo['id']}", headers=bob.headers)
        assert stolen.status_code == 404
        assert (await client.get(f"/api/conversations/{ada.id}/attachments/{photo['id']}")).status_code == 401
        assert (await bob.say("look", [photo["id"]])).json()["error"]["code"] == "invalid_field"
        assert (await ada.upload(jpeg(), token="not-a-token")).status_code == 404
        assert (await ada.say("", [photo["id"]])).status_code == 200
        again = await ada.say("again", [photo["id"]])
    assert again.status_code == 400 and again.json()["error"]["code"] == "invalid_field"


@pytest.mark.parametrize("body, content_type, status, code", [
    (b"<html><script>alert(1)</script></html>", "image/jpeg", 400, "invalid_image"),
    (b"GIF89a<script>alert(1)</script>", "image/gif", 400, "invalid_image"),
    (jpeg(), "text/html", 400, "invalid_image"),
    (b"", "image/png", 400, "invalid_image"),
])
async def test_bad_uploads_are_refused_and_nothing_is_stored(
    hub: RunningHub, body: bytes, content_type: str, status: int, code: str,
) -> None:
    async with httpx.AsyncClient(base_url=hub.url, timeout=30) as client:
        ada = await shopper(hub, client)
        refused = await ada.upload(body, content_type)
        assert (refused.status_code, refused.json()["error"]["code"]) == (status, code)
        assert (await ada.upload(jpeg())).status_code == 201  # and the conversation goes on


@pytest.mark.parametrize("declared", [True, False])
async def test_an_upload_past_the_limit_is_refused_without_reading_it_all(hub: RunningHub, declared: bool) -> None:
    async with httpx.AsyncClient(base_url=hub.url) as client:
        ada = await shopper(hub, client)
    host, port = hub.url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    length = f"Content-Length: {MAX_UPLOAD_BYTES + 1}" if declared else "Transfer-Encoding: chunked"
    writer.write((f"POST /api/conversations/{ada.id}/attachments HTTP/1.1\r\nHost: {host}\r\n"
                  f"Authorization: {ada.headers['Authorization']}\r\n"
                  f"Content-Type: image/jpeg\r\n{length}\r\n\r\n").encode())
    if not declared:
        chunk = b"\xff" * 1_000_000
        for _ in range(11):
            writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
    with contextlib.suppress(ConnectionError):
        await writer.drain()
    status = await asyncio.wait_for(reader.readline(), 10)
    writer.close()
    assert status.split()[1] == b"413"


@pytest.mark.parametrize("ids", ["abc", ["x" * 32], ["0" * 32] * 5, [1], [None]])
async def test_malformed_attachment_ids_are_refused(hub: RunningHub, ids: Any) -> None:
    async with httpx.AsyncClient(base_url=hub.url) as client:
        ada = await shopper(hub, client)
        refused = await ada.say("hi", ids)
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "invalid_field"


async def test_the_widget_may_upload_from_the_shops_own_site(hub: RunningHub) -> None:
    async with httpx.AsyncClient(base_url=hub.url) as client:
        ada = await shopper(hub, client)
        preflight = await client.options(f"/api/conversations/{ada.id}/attachments", headers={
            "Origin": "https://shop.example", "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type"})
    assert preflight.status_code == 204 and preflight.headers["access-control-allow-origin"] == "*"
    assert "Authorization" in preflight.headers["access-control-allow-headers"]


async def test_agents_see_the_photos_of_conversations_that_reached_them(hub: RunningHub) -> None:
    async with httpx.AsyncClient(base_url=hub.url) as client:
        ada = await shopper(hub, client)
        before = (await ada.upload(jpeg())).json()
        await ada.say("", [before["id"]])
        agent = await Agent.sign_up(hub, "Anna")
        try:
            assert (await client.get(f"/api/agent/attachments/{before['id']}")).status_code == 401
            no_ticket = await agent._client.get(f"/api/agent/attachments/{before['id']}")
            assert no_ticket.status_code == 404
            await ada.say("a person please")
            ticket = await agent.ticket_of(ada.id)
            seen = await agent._client.get(f"/api/agent/attachments/{before['id']}")
            detail = await agent.call("GET", f"/api/agent/tickets/{ticket['id']}")
        finally:
            await agent.close()
    assert seen.status_code == 200 and seen.headers["content-type"] == "image/jpeg"
    assert [m["attachments"] for m in detail["messages"] if m["attachments"]] == [[before]]
    async with hub.app.ctx.services.uows() as uow:
        actions = [row.action for row in (await uow.session.execute(select(AuditEntry))).scalars()]
    assert "view_photo" in actions
