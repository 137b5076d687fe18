"""Who may see an order: the rules behind the order form, without Rasa.

A shopper proves ownership with the email or phone number on the order, or the channel
proves it for them (the hub passes a verified identity in the message metadata).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from knowledge_base.shop.rules import contact_matches
from knowledge_base.shop.views import OrderView

MAX_CONTACT_ATTEMPTS = 3


@dataclass(frozen=True)
class ChannelIdentity:
    """Contact details the channel itself verified (e.g. a logged-in shop account)."""

    email: str | None = None
    phone: str | None = None

    @classmethod
    def from_metadata(cls, metadata: Mapping[str, Any] | None) -> ChannelIdentity:
        metadata = metadata or {}
        return cls(email=_text(metadata.get("customer_email")), phone=_text(metadata.get("customer_phone")))

    def owns(self, order: OrderView) -> bool:
        return any(contact_matches(order.customer, contact) for contact in (self.email, self.phone) if contact)


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def is_verified(order: OrderView, contact: str | None, identity: ChannelIdentity) -> bool:
    return identity.owns(order) or (contact is not None and contact_matches(order.customer, contact))
