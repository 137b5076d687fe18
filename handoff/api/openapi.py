"""The hub's OpenAPI 3.1 description, served at /openapi.json.

Written by hand from one table of routes so that request bodies and roles are described as they
really are (handoff/API.md has the prose); tests check every route of the app appears here.
"""

from __future__ import annotations

from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json

openapi = Blueprint("hub_openapi")

_TEXT = {"type": "object", "required": ["text"], "properties": {"text": {"type": "string", "minLength": 1}}}
_OBJ = {"type": "object"}

# (method, path, summary, auth, request body schema or None)
ROUTES: list[tuple[str, str, str, str, dict[str, Any] | None]] = [
    ("post", "/api/conversations", "Open a conversation; returns its id and token", "none",
     {"type": "object", "properties": {"display_name": {"type": "string"}, "identity": {
         "type": "object", "properties": {"customer_email": {"type": "string"}, "signature": {"type": "string"}}}}}),
    ("get", "/api/conversations/{conversation_id}", "Conversation state, queue place, agent, pending rating", "conversation",
     None),
    ("post", "/api/conversations/{conversation_id}/messages", "Send a shopper message (text or button payload)", "conversation",
     {"type": "object", "required": ["text"], "properties": {
         "text": {"type": "string"}, "client_message_id": {"type": "string"},
         "attachment_ids": {"type": "array", "maxItems": 4, "items": {"type": "string"}}}}),
    ("post", "/api/conversations/{conversation_id}/attachments",
     "Upload a photo (the raw JPEG, PNG, WebP or GIF as the body, up to 10 MB); send it with a message's attachment_ids",
     "conversation", None),
    ("get", "/api/conversations/{conversation_id}/attachments/{attachment_id}", "A photo of this conversation",
     "conversation", None),
    ("get", "/api/conversations/{conversation_id}/messages", "Shopper-visible messages after a sequence number", "conversation",
     None),
    ("post", "/api/agent/login", "Log in; returns a session token (a second factor's code when the account has one or "
     "its role needs one: 401 second_factor_required / second_factor_enrolment with the secret to add)", "none",
     {"type": "object", "required": ["email", "password"], "properties": {"email": {"type": "string"},
                                                                          "password": {"type": "string"},
                                                                          "code": {"type": "string"}}}),
    ("get", "/api/agent/attachments/{attachment_id}", "A shopper's photo (audited)", "agent", None),
    ("post", "/api/agent/logout", "End this session", "agent", None),
    ("get", "/api/agent/me", "The logged-in agent", "agent", None),
    ("put", "/api/agent/me/password", "Change your password; your other sessions end", "agent",
     {"type": "object", "required": ["current_password", "new_password"], "properties": {
         "current_password": {"type": "string"}, "new_password": {"type": "string", "minLength": 10}}}),
    ("put", "/api/agent/me/status", "Set presence", "agent",
     {"type": "object", "required": ["status"], "properties": {"status": {"enum": ["online", "away", "offline"]}}}),
    ("put", "/api/agent/me/assignment", "Supervisors and admins: take auto-assigned tickets or not", "agent",
     {"type": "object", "required": ["takes_tickets"], "properties": {"takes_tickets": {"type": "boolean"}}}),
    ("get", "/api/agent/agents", "Agents (transfer targets)", "agent", None),
    ("get", "/api/agent/teams", "Teams", "agent", None),
    ("get", "/api/agent/queue", "Waiting tickets, ordered by severity, tier, waiting time", "agent", None),
    ("get", "/api/agent/tickets", "Tickets: ?view=mine|unassigned|assigned|open|resolved|all, team, severity, reason, "
     "channel, label, q (search), limit", "agent", None),
    ("get", "/api/agent/labels", "Labels in use, with their ticket counts", "agent", None),
    ("put", "/api/agent/tickets/{ticket_id}/labels", "Set a ticket's labels", "agent",
     {"type": "object", "required": ["labels"], "properties": {"labels": {"type": "array", "items": {"type": "string"}}}}),
    ("get", "/api/agent/tickets/{ticket_id}", "Ticket with transcript, notes and transitions (audited)", "agent", None),
    ("get", "/api/agent/tickets/{ticket_id}/messages", "Transcript after a sequence number (audited)", "agent", None),
    ("get", "/api/agent/tickets/{ticket_id}/customer", "Customer, orders and past tickets (audited)", "agent", None),
    ("post", "/api/agent/tickets/{ticket_id}/claim", "Take a waiting ticket (409 when someone was first)", "agent", None),
    ("post", "/api/agent/tickets/{ticket_id}/messages", "Reply to the shopper (holder only)", "agent", _TEXT),
    ("post", "/api/agent/tickets/{ticket_id}/notes", "Internal note", "agent", _TEXT),
    ("post", "/api/agent/tickets/{ticket_id}/transfer", "Transfer to an agent or a team", "agent",
     {"type": "object", "properties": {"agent_id": {"type": "integer"}, "team": {"type": ["string", "null"]}}}),
    ("post", "/api/agent/tickets/{ticket_id}/snooze", "Snooze for some minutes", "agent",
     {"type": "object", "required": ["minutes"], "properties": {"minutes": {"type": "integer", "minimum": 1, "maximum": 10080}}}),
    ("post", "/api/agent/tickets/{ticket_id}/resolve", "Resolve: the bot takes over and asks for a rating", "agent", None),
    ("get", "/api/agent/tickets/{ticket_id}/canned", "Canned replies filled in for this ticket", "agent", None),
    ("get", "/api/agent/canned", "Canned replies", "agent", None),
    ("post", "/api/agent/canned", "Add a canned reply", "supervisor",
     {"type": "object", "required": ["shortcut", "title", "text"], "properties": {
         "shortcut": {"type": "string"}, "title": {"type": "string"}, "text": {"type": "string"}}}),
    ("delete", "/api/agent/canned/{reply_id}", "Delete a canned reply", "supervisor", None),
    ("get", "/api/admin/agents", "All agent accounts", "admin", None),
    ("post", "/api/admin/agents", "Create an agent account", "admin",
     {"type": "object", "required": ["email", "display_name", "password"], "properties": {
         "email": {"type": "string"}, "display_name": {"type": "string"}, "password": {"type": "string", "minLength": 10},
         "role": {"enum": ["agent", "supervisor", "admin"]}, "teams": {"type": "array", "items": {"type": "string"}},
         "capacity": {"type": "integer"}}}),
    ("patch", "/api/admin/agents/{agent_id}", "Change an agent account", "admin", _OBJ),
    ("get", "/api/admin/audit", "Audit log, newest first: ?agent_id, action, from, to (ISO dates or times, UTC), "
     "q (subject), before_id (the page's next_before_id), limit", "supervisor", None),
    ("get", "/api/admin/audit/csv", "The audit log as CSV, same filters (the export is audited)", "supervisor", None),
    ("get", "/api/admin/sla", "SLA targets per severity and business hours", "supervisor", None),
    ("put", "/api/admin/sla", "Change SLA targets and/or business hours (audited)", "admin",
     {"type": "object", "properties": {"targets": _OBJ, "business_hours": {
         "type": "object", "required": ["enabled", "timezone", "week"], "properties": {
             "enabled": {"type": "boolean"}, "timezone": {"type": "string"}, "week": _OBJ}}}}),
    ("get", "/api/admin/feedback", "What the hub asks after the rating: the optional NPS question", "supervisor", None),
    ("put", "/api/admin/feedback", "Turn the NPS question after the rating on or off (audited)", "admin",
     {"type": "object", "required": ["nps"], "properties": {"nps": {
         "type": "object", "required": ["enabled"], "properties": {"enabled": {"type": "boolean"}}}}}),
    ("get", "/api/admin/teams", "Teams with their intents", "agent", None),
    ("post", "/api/admin/teams", "Create a team", "admin",
     {"type": "object", "required": ["name", "title"], "properties": {
         "name": {"type": "string"}, "title": {"type": "string"}, "intents": {"type": "array", "items": {"type": "string"}}}}),
    ("patch", "/api/admin/teams/{team_id}", "Change a team's name, title or intents (a new name follows"
     " into its tickets and agents)",
     "admin", _OBJ),
    ("delete", "/api/admin/teams/{team_id}", "Delete a team (409 in_use while open tickets or agents are in it)", "admin", None),
    ("patch", "/api/admin/canned/{reply_id}", "Change a canned reply", "supervisor", _OBJ),
    ("get", "/api/contacts", "Contacts: ?q (name, email, phone, customer number), tier, tag, channel, identified, "
     "before_id, limit (masked without the personal data permission)", "supervisor", None),
    ("get", "/api/contacts/{contact_id}", "A contact: conversations and tickets on every channel, tags, notes, history "
     "(audited; agents: contacts with a ticket)", "agent", None),
    ("put", "/api/contacts/{contact_id}/tags", "Set a contact's own tags (rule tags stay)", "agent",
     {"type": "object", "required": ["tags"], "properties": {"tags": {"type": "array", "items": {"type": "string"}}}}),
    ("post", "/api/contacts/{contact_id}/notes", "Note about a contact", "agent", _TEXT),
    ("post", "/api/contacts/{contact_id}/reveal", "Reveal masked email, phone or address with a reason (audited)", "agent",
     {"type": "object", "required": ["reason"], "properties": {
         "fields": {"type": "array", "items": {"enum": ["email", "phone", "address"]}},
         "reason": {"type": "string", "minLength": 5, "maxLength": 500}}}),
    ("get", "/api/contacts/{contact_id}/export", "A shopper's data as ?format=json or csv (audited; masked without the "
     "personal data permission)", "admin", None),
    ("post", "/api/contacts/{contact_id}/erase", "Erase a shopper: contact, messages, photos, Rasa's tracker (audited)",
     "admin", {"type": "object", "required": ["reason"], "properties": {
         "reason": {"type": "string", "minLength": 5, "maxLength": 500}}}),
    ("get", "/api/agent/me/second-factor", "Whether the agent has a second factor, whether their role needs one",
     "agent", None),
    ("post", "/api/agent/me/second-factor", "Start enrolling a second factor: the secret and otpauth URI", "agent", None),
    ("post", "/api/agent/me/second-factor/confirm", "Finish the enrolment with the app's code: recovery codes, once",
     "agent", {"type": "object", "required": ["code"], "properties": {"code": {"type": "string", "maxLength": 40}}}),
    ("delete", "/api/admin/agents/{agent_id}/second-factor", "Remove an agent's second factor (audited)", "admin", None),
    ("get", "/api/admin/privacy", "Tier and tag rules, personal data roles, second factor roles, retention", "supervisor",
     None),
    ("put", "/api/admin/privacy", "Change them (audited)", "admin", _OBJ),
    ("get", "/api/reports", "The reports and exports there are", "supervisor", None),
    ("get", "/api/reports/{name}", "A report (bot, service, agents, volume, topics, staffing, quality): ?from, to "
     "(YYYY-MM-DD, UTC), team, channel, compare=1|0 (the previous period of the same length); metrics in "
     "docs/METRICS.md", "supervisor", None),
    ("get", "/api/reports/{name}/csv", "A report as CSV (period, metric, value), or name=tickets: one row per "
     "conversation (audited)", "supervisor", None),
    ("post", "/api/reviews/samples", "Draw a quality review sample of resolved conversations (audited): size 1-50, "
     "from, to, kind bot|human|both, agent_id or team, seed (the same seed draws the same conversations)", "supervisor",
     {"type": "object", "required": ["from", "to"], "properties": {
         "size": {"type": "integer", "minimum": 1, "maximum": 50}, "from": {"type": "string", "format": "date"},
         "to": {"type": "string", "format": "date"}, "kind": {"enum": ["bot", "human", "both"]},
         "agent_id": {"type": "integer"}, "team": {"type": "string"}, "seed": {"type": "string", "maxLength": 40}}}),
    ("get", "/api/reviews/samples", "The latest samples with how many of each are scored", "supervisor", None),
    ("get", "/api/reviews/samples/{sample_id}", "A sample with its reviews", "supervisor", None),
    ("delete", "/api/reviews/samples/{sample_id}", "Discard a sample's unscored conversations (audited; its drawer "
     "or an admin; scored reviews stay)", "supervisor", None),
    ("get", "/api/reviews/mine", "The scored reviews of the agent's own tickets", "agent", None),
    ("get", "/api/reviews/{review_id}", "A review with the conversation's transcript, masked (audited; agents: their "
     "own scored reviews)", "agent", None),
    ("put", "/api/reviews/{review_id}", "Score a review, or change the scores of one you scored (audited)", "supervisor",
     {"type": "object", "required": ["resolved", "correct", "tone"], "properties": {
         "resolved": {"type": "boolean"}, "correct": {"type": "boolean"},
         "tone": {"type": "integer", "minimum": 1, "maximum": 5}, "note": {"type": "string", "maxLength": 2000}}}),
    ("delete", "/api/reviews/{review_id}", "Take one unscored conversation out of its sample (audited; the "
     "sample's drawer or an admin)", "supervisor", None),
    ("get", "/api/agent/ws", "Websocket: queue and conversation events (first frame {type: auth, token})", "agent", None),
    ("get", "/health", "Liveness", "none", None),
    ("get", "/ready", "Readiness: migrated, database and (scaled) Redis answer; 503 otherwise", "none", None),
    ("get", "/openapi.json", "This description", "none", None),
]

_ERROR = {"description": "Error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def spec() -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for method, path, summary, auth, body in ROUTES:
        operation: dict[str, Any] = {"summary": summary, "responses": {"200": {"description": "OK"}, "default": _ERROR}}
        if auth != "none":
            operation["security"] = [{"bearer": []}]
            operation["description"] = f"Needs a {auth} token."
        if body is not None:
            operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
        params = [part[1:-1] for part in path.split("/") if part.startswith("{")]
        if params:
            operation["parameters"] = [{"name": p, "in": "path", "required": True, "schema": {"type": "string"}} for p in params]
        paths.setdefault(path, {})[method] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "ShopDesk hub", "version": "1", "description": "See handoff/API.md for shapes and events."},
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": {"type": "object", "properties": {"error": {"type": "object", "properties": {
                "code": {"type": "string"}, "message": {"type": "string"}}}}}},
        },
    }


@openapi.get("/openapi.json")
async def describe(request: Request) -> HTTPResponse:
    return json(spec())
