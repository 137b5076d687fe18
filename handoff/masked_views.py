"""The console's JSON shapes (handoff/serialize.py, handoff/API.md) as one viewer may see them:
every customer email, phone and address, and the ones inside message texts, masked unless the
viewer's role has the personal data permission (handoff/masking.py). Applied at the edge (API
responses, the live feed's frames) so that events and stored data stay whole."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handoff.masking import Masker
from handoff.models import Agent
from handoff.privacy_settings import personal_data_roles


async def masker_for(session: AsyncSession, agent: Agent) -> Masker:
    return Masker(reveals=agent.role in await personal_data_roles(session))


def ticket(view: dict[str, Any], masker: Masker) -> dict[str, Any]:
    if masker.reveals:
        return view
    masked = masker.fields(view, texts=("preview", "trigger_text"))
    if isinstance(view.get("customer"), dict):
        masked["customer"] = masker.fields(view["customer"])
    if isinstance(view.get("csat"), dict):
        masked["csat"] = masker.fields(view["csat"], texts=("comment",))
    for key, shape in (("messages", message), ("notes", note)):
        if isinstance(view.get(key), list):
            masked[key] = [shape(item, masker) for item in view[key]]
    return masked


def message(view: dict[str, Any], masker: Masker) -> dict[str, Any]:
    if masker.reveals:
        return view
    masked = masker.fields(view, texts=("text",))
    custom = view.get("custom")
    if isinstance(custom, dict) and isinstance(custom.get("message"), str):
        masked["custom"] = {**custom, "message": masker.text(custom["message"])}
    return masked


def note(view: dict[str, Any], masker: Masker) -> dict[str, Any]:
    return masker.fields(view, texts=("text",))


def customer_panel(panel: dict[str, Any], masker: Masker) -> dict[str, Any]:
    if masker.reveals:
        return panel
    masked = dict(panel)
    if isinstance(panel.get("customer"), dict):
        masked["customer"] = masker.fields(panel["customer"])
    masked["orders"] = [masker.fields(order) for order in panel.get("orders", [])]
    masked["past_tickets"] = [ticket(item, masker) for item in panel.get("past_tickets", [])]
    masked["conversations"] = [masker.fields(item, texts=("preview",)) for item in panel.get("conversations", [])]
    if isinstance(panel.get("contact"), dict):
        masked["contact"] = contact(panel["contact"], masker)
    return masked


def contact(view: dict[str, Any], masker: Masker) -> dict[str, Any]:
    if masker.reveals:
        return {**view, "masked": False}
    masked = masker.fields(view)
    masked["masked"] = True
    for key in ("conversations",):
        if isinstance(view.get(key), list):
            masked[key] = [masker.fields(item, texts=("preview",)) for item in view[key]]
    if isinstance(view.get("tickets"), list):
        masked["tickets"] = [ticket(item, masker) for item in view["tickets"]]
    if isinstance(view.get("notes"), list):
        masked["notes"] = [note(item, masker) for item in view["notes"]]
    return masked


def frame(data: dict[str, Any], masker: Masker) -> dict[str, Any]:
    """A live-feed frame's data (handoff/api/ws.py) for this viewer."""
    if masker.reveals:
        return data
    masked = dict(data)
    if isinstance(data.get("ticket"), dict):
        masked["ticket"] = ticket(data["ticket"], masker)
    if isinstance(data.get("queue"), list):
        masked["queue"] = [ticket(item, masker) for item in data["queue"]]
    if isinstance(data.get("message"), dict):
        masked["message"] = message(data["message"], masker)
    if isinstance(data.get("note"), dict):
        masked["note"] = note(data["note"], masker)
    return masked
