"""Shopper API: open a conversation, send a message, read messages after a sequence number.

Channels in the hub process call the router directly; this API serves any other client (and the
tests). The conversation token returned at opening is the shopper's only credential.
"""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json

from handoff import attachments
from handoff.api.context import services
from handoff.api.requests import MAX_ID, bearer, client_address, int_arg, json_body, optional_str
from handoff.clock import utcnow
from handoff.conversations import authorise, authorised_conversation, messages_after, open_conversation
from handoff.identity import proven_email
from handoff.inbound import Inbound
from handoff.serialize import shopper_message_json
from handoff.status_view import conversation_status
from handoff.text import clean_text

shopper = Blueprint("shopper", url_prefix="/api/conversations")
CHANNEL_NAME = "api"


@shopper.post("/")
async def open_(request: Request) -> HTTPResponse:
    body = json_body(request) if request.body else {}
    services(request).limiter.check("conversations", client_address(request))
    display_name = optional_str(body, "display_name", 200)
    email = proven_email(body.get("identity"), services(request).settings.identity_secret, utcnow())
    async with services(request).uows() as uow:
        conversation, token = await open_conversation(uow, CHANNEL_NAME, None, display_name, email)
        await uow.commit()
    return json({"conversation_id": conversation.id, "token": token, "state": conversation.state}, status=201)


@shopper.post("/<conversation_id:str>/messages")
async def send(request: Request, conversation_id: str) -> HTTPResponse:
    body = json_body(request)
    photos = attachments.parse_ids(body.get("attachment_ids"))
    limit = services(request).settings.max_text
    text = attachments.caption(body.get("text", ""), limit) if photos else clean_text(body.get("text"), limit)
    client_id = optional_str(body, "client_message_id", 200)
    services(request).limiter.check("address_messages", client_address(request))
    await services(request).conversations.authorise(conversation_id, bearer(request))
    inbound = Inbound(channel=CHANNEL_NAME, text=text, conversation_id=conversation_id, external_id=client_id,
                      attachment_ids=photos)
    result = await services(request).inbound.handle(inbound)
    return json({"messages": result.messages, "state": result.state, "duplicate": result.duplicate})


@shopper.get("/<conversation_id:str>/messages")
async def read(request: Request, conversation_id: str) -> HTTPResponse:
    after = int_arg(request, "after", 0, 0, MAX_ID)
    limit = int_arg(request, "limit", 100, 1, 500)
    async with services(request).uows.reading() as session:
        conversation = await authorised_conversation(session, conversation_id, bearer(request))
        messages = await messages_after(session, conversation_id, after, limit, include_internal=False)
        return json({"messages": [shopper_message_json(m) for m in messages], "last_seq": conversation.last_seq})


@shopper.get("/<conversation_id:str>")
async def status(request: Request, conversation_id: str) -> HTTPResponse:
    async with services(request).uows.reading() as session:
        await authorise(session, conversation_id, bearer(request))
        return json(await conversation_status(session, services(request).settings, conversation_id))
