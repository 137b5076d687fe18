"""The greeting a new widget conversation opens with: the bot's own `utter_greet` (text and starter
buttons) read from the Rasa domain once, when the hub starts, and stored by the hub itself.

Why not ask Rasa to greet: most shoppers who open the chat never write. The hub storing the
greeting costs one insert; a Rasa turn (trigger_intent) costs Rasa's CPU and a tracker for each of
them (bench/welcome.py measures both). The wording still has one home, domain.yml.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from handoff.conversations import append_message, get_conversation
from handoff.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)
GREETING = "utter_greet"


@dataclass(frozen=True)
class Welcome:
    text: str
    buttons: list[dict[str, str]] = field(default_factory=list)


# Used only when the domain cannot be read: the hub still greets.
FALLBACK = Welcome(
    "Hi! I'm the shop's assistant. I can check an order, track a parcel, start a return or answer questions "
    "about shipping, payment and more. What can I do for you?",
    [{"title": "Where is my order?", "payload": "/order_status"}, {"title": "Return something", "payload": "/return_item"}],
)


def load_welcome(domain_file: Path) -> Welcome:
    try:
        domain = yaml.safe_load(domain_file.read_text(encoding="utf-8"))
        return welcome_from(domain)
    except (OSError, yaml.YAMLError, ValueError) as error:
        log.warning("no greeting in %s (%s); the widget opens with the built-in one", domain_file, error)
        return FALLBACK


def welcome_from(domain: Any) -> Welcome:
    """The first variant of utter_greet; ValueError when the domain has no usable one."""
    variants = ((domain or {}).get("responses") or {}).get(GREETING) if isinstance(domain, dict) else None
    first = variants[0] if isinstance(variants, list) and variants else None
    if not isinstance(first, dict) or not isinstance(first.get("text"), str) or not first["text"].strip():
        raise ValueError(f"{GREETING} has no text")
    buttons = [
        {"title": str(b["title"]), "payload": str(b["payload"])}
        for b in first.get("buttons") or [] if isinstance(b, dict) and b.get("title") and b.get("payload")
    ]
    return Welcome(first["text"].strip(), buttons)


async def greet(uows: UnitOfWorkFactory, conversation_id: str, welcome: Welcome) -> None:
    """Stores the greeting as the bot's first message (delivered like any other after the commit)."""
    async with uows() as uow:
        conversation = await get_conversation(uow.session, conversation_id)
        await append_message(uow, conversation, direction="out", author_kind="bot",
                             text=welcome.text, buttons=list(welcome.buttons))
        await uow.commit()
