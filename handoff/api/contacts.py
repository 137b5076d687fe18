"""Contact routes: the list (supervisor and up), one contact's page, tags, notes, and revealing a
masked value with a reason. Every view of customer data and every reveal leaves an audit row."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json

from handoff import audit, contact_actions, contact_facts, masked_views, privacy_settings
from handoff.api.context import services
from handoff.api.guard import requires
from handoff.api.requests import MAX_ID, client_address, int_arg, json_body
from handoff.contact_actions import subject
from handoff.contact_rules import TIERS, clean_tag
from handoff.contact_views import ContactFilter, contact_json, contact_page, list_contacts, note_json, tags_of
from handoff.errors import BadInput
from handoff.models import Agent
from handoff.text import clean_text
from handoff.uow import UnitOfWork

contacts = Blueprint("contacts", url_prefix="/api/contacts")
_CHANNELS = ("webchat", "telegram", "api")


@contacts.get("/")
@requires("supervisor")
async def find(request: Request, uow: UnitOfWork, agent: Agent) -> HTTPResponse:
    found = contact_filter(request)
    masker = await masked_views.masker_for(uow.session, agent)
    listed = await list_contacts(uow.session, found)
    audit.record(uow.session, agent, audit.VIEW_CONTACTS, None, details={"q": bool(found.text), "rows": len(listed)})
    return json({"contacts": [masked_views.contact(item, masker) for item in listed], "tiers": list(TIERS)})


def contact_filter(request: Request) -> ContactFilter:
    tier, channel, tag = request.args.get("tier") or None, request.args.get("channel") or None, request.args.get("tag")
    if tier is not None and tier not in TIERS:
        raise BadInput(f"'tier' must be one of {', '.join(TIERS)}.", "invalid_field")
    if channel is not None and channel not in _CHANNELS:
        raise BadInput(f"'channel' must be one of {', '.join(_CHANNELS)}.", "invalid_field")
    identified = {"true": True, "false": False, None: None}.get(request.args.get("identified"))
    return ContactFilter(text=(request.args.get("q") or "")[:200] or None, tier=tier, channel=channel,
                         tag=clean_tag(tag) if tag else None, identified=identified,
                         limit=int_arg(request, "limit", 50, 1, 500),
                         before_id=int_arg(request, "before_id", 0, 0, MAX_ID) or None)


@contacts.get("/<contact_id:int>")
@requires("agent")
async def page(request: Request, uow: UnitOfWork, agent: Agent, contact_id: int) -> HTTPResponse:
    contact = await contact_actions.open_contact(uow.session, contact_id, agent)
    await contact_facts.refresh(uow.session, services(request).desk.directory, contact,
                                await privacy_settings.contact_rules(uow.session))
    audit.record(uow.session, agent, audit.VIEW_CUSTOMER, subject(contact), address=client_address(request))
    view = await contact_page(uow.session, contact)
    return json(masked_views.contact(view, await masked_views.masker_for(uow.session, agent)))


@contacts.put("/<contact_id:int>/tags")
@requires("agent")
async def set_tags(request: Request, uow: UnitOfWork, agent: Agent, contact_id: int) -> HTTPResponse:
    contact = await contact_actions.open_contact(uow.session, contact_id, agent)
    await contact_actions.set_tags(uow.session, contact, agent, json_body(request).get("tags"))
    tags = (await tags_of(uow.session, [contact.id])).get(contact.id)
    return json({"tags": contact_json(contact, tags)["tags"]})


@contacts.post("/<contact_id:int>/notes")
@requires("agent")
async def add_note(request: Request, uow: UnitOfWork, agent: Agent, contact_id: int) -> HTTPResponse:
    contact = await contact_actions.open_contact(uow.session, contact_id, agent)
    text = clean_text(json_body(request).get("text"), services(request).settings.max_text)
    note = await contact_actions.add_note(uow.session, contact, agent, text)
    masker = await masked_views.masker_for(uow.session, agent)
    return json(masked_views.note(note_json(note, agent.display_name), masker), status=201)


@contacts.post("/<contact_id:int>/reveal")
@requires("agent")
async def reveal(request: Request, uow: UnitOfWork, agent: Agent, contact_id: int) -> HTTPResponse:
    contact = await contact_actions.open_contact(uow.session, contact_id, agent)
    return json(contact_actions.reveal(uow.session, contact, agent, json_body(request), client_address(request)))
