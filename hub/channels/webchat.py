"""The web chat channel: serves the widget and the demo shop page, and speaks to the widget over
a websocket (protocol in hub/channels/WEBCHAT.md)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sanic import Blueprint, Request, Sanic
from sanic.response import HTTPResponse, file, raw
from sanic.server.websockets.impl import WebsocketImplProtocol

from handoff import attachments
from handoff.api.requests import client_address, json_object
from handoff.clock import utcnow
from handoff.context import Services
from handoff.conversations import authorised_conversation
from handoff.errors import BadInput, HubError, TooManyRequests
from handoff.identity import InvalidIdentity, proven_email
from handoff.inbound import Inbound
from handoff.states import BOT_ANSWERS
from hub.channels.webchat_sessions import CHANNEL_NAME, Connection, WebchatChannel, frame
from hub.channels.welcome import Welcome, greet, load_welcome

log = logging.getLogger(__name__)
STATIC = Path(__file__).resolve().parent / "static"
# The widget is one script for the shop's page, built from its parts in this order; the outer
# function keeps every name out of the page's globals.
WIDGET_PARTS = ("markdown.js", "photos.js", "main.js")
# The bot's Markdown renderer and its style, which the agent console loads too (the script as a
# plain script: `markdown`); the widget's stylesheet is the Markdown's and then its own.
MARKDOWN_SCRIPT = STATIC / "widget" / "markdown.js"
MARKDOWN_STYLE = STATIC / "widget" / "markdown.css"
SHARED_WITH_CONSOLE = {"markdown.js": MARKDOWN_SCRIPT, "markdown.css": MARKDOWN_STYLE}
HELLO_TIMEOUT_SECONDS = 15
MAX_CLIENT_ID = 100
POLICY_VIOLATION = 1008

webchat = Blueprint("webchat")


@dataclass(frozen=True)
class Hello:
    conversation_id: str | None
    token: str | None
    last_seq: int
    display_name: str | None
    identity: object


class ProtocolError(Exception):
    """A frame the widget should never send; answered with an `error` frame."""


def install_webchat(app: Sanic[Any, Any], services: Services) -> WebchatChannel:
    channel = WebchatChannel(services.conversations)
    services.delivery.register(CHANNEL_NAME, channel, everywhere=True)
    app.ctx.webchat = channel
    app.ctx.welcome = load_welcome(services.settings.domain_file)
    app.ctx.widget_script = widget_bundle()
    app.ctx.widget_style = widget_stylesheet()
    app.blueprint(webchat)
    return channel


def widget_bundle(static: Path = STATIC) -> bytes:
    parts = [(static / "widget" / name).read_text(encoding="utf-8") for name in WIDGET_PARTS]
    return ("(function () {\n" + "\n".join(parts) + "\n})();\n").encode()


def widget_stylesheet(static: Path = STATIC) -> bytes:
    return (static / "widget" / "markdown.css").read_bytes() + b"\n" + (static / "widget.css").read_bytes()


@webchat.get("/")
async def demo_page(request: Request) -> HTTPResponse:
    return await _asset("demo.html", "text/html; charset=utf-8")


@webchat.get("/demo.css")
async def demo_style(request: Request) -> HTTPResponse:
    return await _asset("demo.css", "text/css; charset=utf-8")


@webchat.get("/widget.js")
async def widget_script(request: Request) -> HTTPResponse:
    return raw(request.app.ctx.widget_script, content_type="text/javascript; charset=utf-8", headers=_ASSET_HEADERS)


@webchat.get("/widget.css")
async def widget_style(request: Request) -> HTTPResponse:
    return raw(request.app.ctx.widget_style, content_type="text/css; charset=utf-8", headers=_ASSET_HEADERS)


# Served cross-origin to the shop's pages; no-cache so a new widget version shows at once.
_ASSET_HEADERS = {"Cache-Control": "no-cache", "Access-Control-Allow-Origin": "*"}


async def _asset(name: str, mime: str) -> HTTPResponse:
    return await file(STATIC / name, mime_type=mime, headers=_ASSET_HEADERS)


async def chat_socket(request: Request, ws: WebsocketImplProtocol) -> None:
    services, channel = services_of(request.app), request.app.ctx.webchat
    try:
        hello = _parse_hello(await asyncio.wait_for(ws.recv(), HELLO_TIMEOUT_SECONDS))
    except (TimeoutError, ProtocolError) as error:
        await ws.close(code=POLICY_VIOLATION, reason=str(error)[:100] or "expected a hello frame")
        return
    address = client_address(request)
    try:
        conversation_id, welcome = await _resume_or_open(request.app, hello, address)
    except HubError as error:
        await ws.send(frame("error", code=error.code, message=error.message))
        await ws.close(code=POLICY_VIOLATION, reason=error.code)
        return
    await ws.send(frame("welcome", **welcome))
    last_seq = hello.last_seq if not welcome.get("reset") else 0
    connection = channel.connect(ws, conversation_id, last_seq, welcome["state"])
    try:
        await connection.catch_up()
        async for raw in ws:
            await _on_frame(services, channel, connection, raw, address)
    finally:
        channel.disconnect(connection)



# Registered by call, not decorator: Sanic's decorators are untyped.
webchat.add_websocket_route(chat_socket, "/webchat/ws")

def services_of(app: Sanic[Any, Any]) -> Services:
    services: Services = app.ctx.services
    return services


def _parse_hello(raw: str | bytes | None) -> Hello:
    data = _json_object(raw)
    if data.get("type") != "hello":
        raise ProtocolError("expected a hello frame")
    last_seq = data.get("last_seq", 0)
    if not isinstance(last_seq, int) or isinstance(last_seq, bool) or last_seq < 0:
        raise ProtocolError("last_seq must be a whole number")
    return Hello(
        conversation_id=_optional_str(data, "conversation_id", 64),
        token=_optional_str(data, "token", 200),
        last_seq=last_seq,
        display_name=_optional_str(data, "display_name", 200),
        identity=data.get("identity"),
    )


async def _resume_or_open(app: Sanic[Any, Any], hello: Hello, address: str) -> tuple[str, dict[str, Any]]:
    """The widget's own conversation if its token still opens it, else a new one (and `reset`)."""
    services = services_of(app)
    asked, token = hello.conversation_id, hello.token
    resumed = asked is not None and token is not None
    if asked is not None and token is not None and await _token_opens(app, asked, token):
        status = await services.conversations.status(asked)
        # A conversation of another channel would get its live messages delivered elsewhere.
        if status["channel"] == CHANNEL_NAME:
            return asked, _welcome(status)
    services.limiter.check("conversations", address)
    extra: dict[str, Any] = {}
    try:
        email = proven_email(hello.identity, services.settings.identity_secret, utcnow())
    except InvalidIdentity as refused:
        # The shopper still gets help, as a guest; the shop's developer sees why in `welcome`.
        log.warning("widget identity refused: %s", refused.message)
        email, extra = None, {"identity_refused": refused.message}
    ref = await services.conversations.open(
        CHANNEL_NAME, display_name=hello.display_name, identity={"customer_email": email} if email else None
    )
    welcome: Welcome = app.ctx.welcome
    await greet(services.uows, ref.id, welcome)
    status = await services.conversations.status(ref.id)
    return ref.id, {**_welcome(status), "token": ref.token, "reset": resumed or hello.last_seq > 0, **extra}


async def _token_opens(app: Sanic[Any, Any], conversation_id: str, token: str) -> bool:
    async with services_of(app).uows() as uow:
        try:
            await authorised_conversation(uow.session, conversation_id, token)
        except HubError:
            return False
    return True


def _welcome(status: dict[str, Any]) -> dict[str, Any]:
    agent = status.get("agent") or {}
    return {
        "conversation_id": status["conversation_id"],
        "state": status["state"],
        "agent_name": agent.get("display_name"),
        "queue": status.get("queue"),
        "awaiting": status.get("awaiting"),
        "last_seq": status["last_seq"],
    }


async def _on_frame(services: Services, channel: WebchatChannel, connection: Connection, raw: str | bytes | None,
                    address: str) -> None:
    try:
        data = _json_object(raw)
        kind = data.get("type")
        if kind == "ping":
            await connection.send("pong")
        elif kind == "message":
            await _on_message(services, channel, connection, data, address)
        else:
            raise ProtocolError("unknown frame type")
    except ProtocolError as error:
        await connection.send("error", code="bad_request", message=str(error))


async def _on_message(services: Services, channel: WebchatChannel, connection: Connection, data: dict[str, Any],
                      address: str) -> None:
    client_id = _optional_str(data, "client_message_id", MAX_CLIENT_ID)
    text = data.get("text", "" if data.get("attachment_ids") else None)
    conversation_id = connection.conversation_id
    bot_answers = connection.state in BOT_ANSWERS
    if bot_answers:
        await channel.typing(conversation_id, True)
    try:
        inbound = Inbound(channel=CHANNEL_NAME, text=text, conversation_id=conversation_id, external_id=client_id,  # type: ignore[arg-type]
                          attachment_ids=attachments.parse_ids(data.get("attachment_ids")))
        services.limiter.check("address_messages", address)
        result = await services.inbound.handle(inbound)
    except TooManyRequests as error:
        await connection.send("error", code=error.code, message=error.message, client_message_id=client_id,
                              retry_after=round(error.retry_after, 1))
        return
    except HubError as error:
        await connection.send("error", code=error.code, message=error.message, client_message_id=client_id)
        return
    finally:
        if bot_answers:
            await channel.typing(conversation_id, False)
    own = result.messages[0]["seq"] if result.messages else None
    await connection.send("ack", client_message_id=client_id, seq=own, duplicate=result.duplicate)
    await channel.push(conversation_id, result.messages)


def _json_object(raw: str | bytes | None) -> dict[str, Any]:
    try:
        return json_object(raw or "")
    except BadInput as error:
        raise ProtocolError(f"frames must be JSON objects: {error.message}") from None


def _optional_str(data: dict[str, Any], key: str, limit: int) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value or len(value) > limit:
        raise ProtocolError(f"{key} must be a string of 1 to {limit} characters")
    return value
