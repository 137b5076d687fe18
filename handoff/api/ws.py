"""The console's live feed: queue and conversation events pushed over a websocket, no polling.

The console sends its session token in the first frame (`{"type": "auth", "token": ...}`), never
in the URL, where proxies and error logs would keep it. An open socket that pings keeps its agent
online for auto-assignment; a socket whose session ends (logout elsewhere, password changed,
account disabled) is closed at once; a socket that falls too far behind is closed, and the console
reconnects and starts again from the `hello` snapshot.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from sanic import Blueprint, Request
from sanic.server.websockets.impl import WebsocketImplProtocol

from handoff import masked_views
from handoff.agents import agent_view
from handoff.api.context import services
from handoff.api.guard import mark_seen
from handoff.auth import SESSIONS_REVOKED, authenticate, session_key
from handoff.clock import iso, utcnow
from handoff.context import Services
from handoff.errors import Unauthorized
from handoff.events import Event
from handoff.masking import Masker
from handoff.queue import queue_snapshot
from handoff.tickets import tickets_view

console_feed = Blueprint("agent_ws", url_prefix="/api/agent")
CONSOLE_EVENTS = {"queue.changed", "message.created", "note.created", "agent.presence"}
UNAUTHORIZED_CLOSE = 4401
AUTH_TIMEOUT_SECONDS = 10
_BACKLOG = 1000
_REVOKED = object()


def frame(type_: str, data: dict[str, Any], at: str | None = None) -> str:
    return json.dumps({"type": type_, "data": data, "at": at or iso(utcnow())})


def for_console(event: Event) -> bool:
    if event.type == "message.created":
        return event.data.get("ticket_id") is not None
    return event.type.startswith("ticket.") or event.type in CONSOLE_EVENTS


async def feed(request: Request, ws: WebsocketImplProtocol) -> None:
    svc = services(request)
    try:
        token = await _auth_frame(ws)
        agent_id, hello, masker = await _hello(svc, token)
    except Unauthorized as error:
        await ws.close(code=UNAUTHORIZED_CLOSE, reason=error.message[:100])
        return
    key = session_key(token or "")
    outbox: asyncio.Queue[str | object | None] = asyncio.Queue(maxsize=_BACKLOG)
    # What this agent may see unmasked; looked at again with every ping (roles and settings change).
    viewer = [masker]

    async def forward(event: Event) -> None:
        if event.type == SESSIONS_REVOKED and event.data["agent_id"] == agent_id and event.data["kept"] != key:
            _put(outbox, _REVOKED)
        elif for_console(event):
            _put(outbox, frame(event.type, masked_views.frame(_console_data(event), viewer[0]), iso(event.at)))

    # Every replica's events: an agent connected here sees a shopper who writes to another replica.
    unsubscribe = svc.bus.subscribe(forward, everywhere=True, feed=True)
    sender = asyncio.create_task(_send_all(ws, outbox))
    try:
        _put(outbox, frame("hello", hello))
        async for raw in ws:
            if _is_ping(raw):
                # The sender closes the socket on _REVOKED, which ends this loop.
                seen = await _seen(svc, token)
                if seen is not None:
                    viewer[0] = seen
                _put(outbox, frame("pong", {}) if seen is not None else _REVOKED)
    finally:
        unsubscribe()
        sender.cancel()



# Registered by call, not decorator: Sanic's decorators are untyped.
console_feed.add_websocket_route(feed, "/ws")

async def _hello(svc: Services, token: str | None) -> tuple[int, dict[str, Any], Masker]:
    async with svc.uows() as uow:
        agent = await authenticate(uow.session, token)
        mark_seen(agent)
        now = utcnow()
        masker = await masked_views.masker_for(uow.session, agent)
        queue = await tickets_view(uow.session, *await queue_snapshot(uow.session, svc.settings, now))
        hello = {"agent": await agent_view(uow.session, agent, now, svc.settings.presence_timeout),
                 "queue": [masked_views.ticket(view, masker) for view in queue]}
        await uow.commit()
        return agent.id, hello, masker


async def _auth_frame(ws: WebsocketImplProtocol) -> str | None:
    try:
        raw = await asyncio.wait_for(ws.recv(), AUTH_TIMEOUT_SECONDS)
        message = json.loads(raw or "")
    except (TimeoutError, ValueError, TypeError):
        raise Unauthorized("Send {\"type\": \"auth\", \"token\": ...} first.") from None
    if not isinstance(message, dict) or message.get("type") != "auth" or not isinstance(message.get("token"), str):
        raise Unauthorized("Send {\"type\": \"auth\", \"token\": ...} first.")
    token: str = message["token"]
    return token


async def _seen(svc: Services, token: str | None) -> Masker | None:
    """Marks the agent seen and says what they may see; None when the session has ended meanwhile."""
    async with svc.uows() as uow:
        try:
            agent = await authenticate(uow.session, token)
        except Unauthorized:
            return None
        mark_seen(agent)
        masker = await masked_views.masker_for(uow.session, agent)
        await uow.commit()
        return masker


def _console_data(event: Event) -> dict[str, Any]:
    data = dict(event.data)
    for private in ("channel", "channel_user_id", "internal", "proven_email"):
        data.pop(private, None)
    return data


def _put(outbox: asyncio.Queue[str | object | None], text: str | object) -> None:
    try:
        outbox.put_nowait(text)
    except asyncio.QueueFull:
        # Too far behind to catch up event by event: end the stream, the console resyncs.
        while not outbox.empty():
            outbox.get_nowait()
        outbox.put_nowait(None)


async def _send_all(ws: WebsocketImplProtocol, outbox: asyncio.Queue[str | object | None]) -> None:
    while isinstance(text := await outbox.get(), str):
        await ws.send(text)
    if text is _REVOKED:
        await ws.close(code=UNAUTHORIZED_CLOSE, reason="the session has ended; sign in again")
    else:
        await ws.close(code=1013, reason="too far behind; reconnect")


def _is_ping(raw: str | bytes) -> bool:
    try:
        message = json.loads(raw)
    except (ValueError, TypeError):
        return False
    return isinstance(message, dict) and message.get("type") == "ping"
