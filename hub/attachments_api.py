"""Photos over HTTP: a shopper uploads one into their conversation (then sends it with a message,
`attachment_ids`), and reads back their own; an agent reads the photos of conversations that
reached the desk. Uploads are re-encoded before they are stored (hub/images.py); a photo is
served only as the image type the hub wrote, never sniffed, never run, never cached.

The widget lives on the shop's own site, so these routes answer cross-origin requests; the
conversation token in the Authorization header, never a cookie, is what lets a caller in.
"""

from __future__ import annotations

from typing import Any, cast

from sanic import Blueprint, Request
from sanic.exceptions import PayloadTooLarge
from sanic.http import Http
from sanic.response import HTTPResponse, empty, json, raw

from handoff import attachments, audit
from handoff.api.context import services
from handoff.api.guard import requires
from handoff.api.requests import bearer, client_address
from handoff.contacts import audit_subject
from handoff.conversations import authorised_conversation, latest_ticket
from handoff.errors import BadInput, NotFound
from handoff.models import Agent
from handoff.uow import UnitOfWork
from hub.images import ACCEPTED_TYPES, MAX_UPLOAD_BYTES, clean_photo

VIEW_PHOTO = "view_photo"
CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Headers": "Authorization, Content-Type",
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Max-Age": "600",
}
# A photo is an image and nothing else: no script runs in it, no plugin opens it, no cache keeps it.
PHOTO_HEADERS = {"Content-Security-Policy": "default-src 'none'; sandbox", "Cache-Control": "private, no-store",
                 "Cross-Origin-Resource-Policy": "cross-origin"}

photos = Blueprint("photos")


@photos.post("/api/conversations/<conversation_id:str>/attachments", stream=True)
async def upload(request: Request, conversation_id: str) -> HTTPResponse:
    hub = services(request)
    hub.limiter.check("address_messages", client_address(request))
    async with hub.uows() as uow:
        await authorised_conversation(uow.session, conversation_id, bearer(request))
    hub.limiter.check("uploads", conversation_id)
    if (request.content_type or "").split(";")[0].strip().lower() not in ACCEPTED_TYPES:
        raise BadInput("Send a photo as JPEG, PNG, WebP or GIF, with its Content-Type.", "invalid_image")
    photo = await clean_photo(await _body(request))
    async with hub.uows() as uow:
        stored = await attachments.store(uow, conversation_id, photo)
        await uow.commit()
    return json(attachments.summary(stored), status=201, headers=CORS)


async def _body(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_UPLOAD_BYTES:
        raise PayloadTooLarge(f"Photos can be up to {MAX_UPLOAD_BYTES // 1_000_000} MB.")
    stream = cast(Http, request.stream)  # a streaming route's body, read as it arrives
    stream.request_max_size = MAX_UPLOAD_BYTES
    chunks, size = [], 0
    while (chunk := await stream.read()) is not None:
        size += len(chunk)
        if size > MAX_UPLOAD_BYTES:
            raise PayloadTooLarge(f"Photos can be up to {MAX_UPLOAD_BYTES // 1_000_000} MB.")
        chunks.append(chunk)
    return b"".join(chunks)


@photos.get("/api/conversations/<conversation_id:str>/attachments/<attachment_id:str>")
async def shopper_photo(request: Request, conversation_id: str, attachment_id: str) -> HTTPResponse:
    async with services(request).uows() as uow:
        await authorised_conversation(uow.session, conversation_id, bearer(request))
        photo = await attachments.read(uow, attachment_id, conversation_id)
        return _photo(photo.data, photo.content_type, {**PHOTO_HEADERS, **CORS})


@photos.options("/api/conversations/<conversation_id:str>/attachments")
async def upload_preflight(request: Request, conversation_id: str) -> HTTPResponse:
    return empty(headers=CORS)


@photos.options("/api/conversations/<conversation_id:str>/attachments/<attachment_id:str>")
async def photo_preflight(request: Request, conversation_id: str, attachment_id: str) -> HTTPResponse:
    return empty(headers=CORS)


@photos.get("/api/agent/attachments/<attachment_id:str>")
@requires("agent")
async def agent_photo(request: Request, uow: UnitOfWork, agent: Agent, attachment_id: str) -> HTTPResponse:
    photo = await attachments.read(uow, attachment_id)
    ticket = await latest_ticket(uow.session, photo.conversation_id)
    if ticket is None:  # agents see the conversations that reached the desk, as with transcripts
        raise NotFound("No such photo.")
    audit.record(uow.session, agent, VIEW_PHOTO, await audit_subject(uow.session, photo.conversation_id), ticket.id)
    return _photo(photo.data, photo.content_type, PHOTO_HEADERS)


def _photo(data: bytes, content_type: str, headers: dict[str, Any]) -> HTTPResponse:
    extension = "png" if content_type == "image/png" else "jpg"
    return raw(data, content_type=content_type,
               headers={**headers, "Content-Disposition": f'inline; filename="photo.{extension}"'})
