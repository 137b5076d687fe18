"""A shopper's data on request, for admins: the export (JSON or CSV) and the erasure of a contact
(handoff/erasure.py), each one audited; an erasure needs a reason."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.exceptions import ServiceUnavailable
from sanic.response import HTTPResponse, json, text

from handoff import audit, data_export, masked_views
from handoff.api.context import services
from handoff.api.guard import requires
from handoff.api.requests import client_address, json_body
from handoff.contact_actions import checked_reason, subject
from handoff.contacts import get_contact
from handoff.erasure import erase_contact
from handoff.errors import BadInput, NotFound
from handoff.models import Agent, Contact
from handoff.rasa_trackers import TrackerStore, TrackerStoreUnavailable
from handoff.uow import UnitOfWork

personal_data = Blueprint("personal_data", url_prefix="/api/contacts")


@personal_data.get("/<contact_id:int>/export")
@requires("admin")
async def export(request: Request, uow: UnitOfWork, agent: Agent, contact_id: int) -> HTTPResponse:
    kind = request.args.get("format") or "json"
    if kind not in data_export.FORMATS:
        raise BadInput(f"'format' must be one of {', '.join(data_export.FORMATS)}.", "invalid_field")
    contact = await _contact(uow, contact_id)
    masker = await masked_views.masker_for(uow.session, agent)
    data = await data_export.export(uow.session, contact, masker)
    audit.record(uow.session, agent, audit.EXPORT, subject(contact), address=client_address(request), details={
        "what": "contact", "format": kind, "masked": not masker.reveals, "conversations": len(data["conversations"])})
    disposition = {"Content-Disposition": f'attachment; filename="contact-{contact.id}.{kind}"'}
    if kind == "csv":
        return text(data_export.as_csv(data), content_type="text/csv; charset=utf-8", headers=disposition)
    return json(data, headers=disposition)


@personal_data.post("/<contact_id:int>/erase")
@requires("admin")
async def erase(request: Request, uow: UnitOfWork, agent: Agent, contact_id: int) -> HTTPResponse:
    reason = checked_reason(json_body(request).get("reason"))
    contact = await _contact(uow, contact_id)
    try:
        erased = await erase_contact(uow.session, TrackerStore(services(request).settings.tracker_url), contact)
    except TrackerStoreUnavailable as error:
        raise ServiceUnavailable("Rasa's tracker store could not be reached; nothing was erased. Try again.") from error
    audit.record(uow.session, agent, audit.ERASE, subject(contact), address=client_address(request),
                 details={"reason": reason, **erased.as_json()})
    return json({"contact_id": contact.id, "erased": erased.as_json()})


async def _contact(uow: UnitOfWork, contact_id: int) -> Contact:
    contact = await get_contact(uow.session, contact_id)
    if contact is None or contact.erased_at is not None:
        raise NotFound("No such contact.")
    return contact
