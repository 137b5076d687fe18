"""Email addresses, phone numbers and postal addresses as a viewer may see them: in full for the
roles with the personal data permission (privacy_settings), masked for everyone else, who reveal a
value by giving a reason (audited). Pure functions; every serializer that shows a customer (the
API, the console's live feed, CSV exports) passes its values through a `Masker`.

Masked values keep enough to recognise (first letters, the last digits, the city's initial), never
enough to use; in free text (messages, notes, comments) emails, phones and street addresses are
masked where they appear, and order and tracking numbers stay readable.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from knowledge_base.shop.rules import mask_email, mask_phone

EMAIL_FIELDS = frozenset({"email", "customer_email", "contact_email"})
PHONE_FIELDS = frozenset({"phone"})
ADDRESS_FIELDS = frozenset({"address", "shipping_address"})

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# A phone starts with + or 0, holds 8-15 digits in groups; longer digit runs are tracking numbers.
_PHONE = re.compile(r"(?<![\w+])(?:\+|0)\d(?:[ \-./]?\(?\d\)?){6,14}(?![\w])")
# "Hauptstr. 5, 10115 Berlin": street and house number, then postcode and town.
_STREET = re.compile(r"\b[A-ZÄÖÜ][\w.\-äöüß]*(?: [\w.\-äöüß]+){0,3} \d{1,4}[a-z]?,? \d{4,5} [A-ZÄÖÜ][\w\-äöüß]+")
MASKED_ADDRESS = "\u2022\u2022\u2022"


@dataclass(frozen=True)
class Masker:
    reveals: bool  # the viewer has the personal data permission

    def email(self, value: str | None) -> str | None:
        return value if self.reveals or not value else mask_email(value) or "***"

    def phone(self, value: str | None) -> str | None:
        return value if self.reveals or not value else mask_phone(value)

    def address(self, value: Any) -> Any:
        if self.reveals or not value:
            return value
        if isinstance(value, dict):
            return {key: _masked_part(key, item) for key, item in value.items()}
        return mask_address(str(value))

    def text(self, value: str | None) -> str | None:
        return value if self.reveals or not value else mask_text(value)

    def fields(self, data: Mapping[str, Any], texts: Iterable[str] = ()) -> dict[str, Any]:
        """A copy of `data` with its email, phone and address fields masked, and the named text fields."""
        masked = dict(data)
        if self.reveals:
            return masked
        text_fields = set(texts)
        for key, value in data.items():
            if key in EMAIL_FIELDS:
                masked[key] = self.email(value)
            elif key in PHONE_FIELDS:
                masked[key] = self.phone(value)
            elif key in ADDRESS_FIELDS:
                masked[key] = self.address(value)
            elif key in text_fields and isinstance(value, str):
                masked[key] = self.text(value)
        return masked


FULL = Masker(reveals=True)
MASKED = Masker(reveals=False)


def mask_address(address: str) -> str:
    """"Hauptstr. 5, 10115 Berlin, DE" -> "•••, 1•••• B•••, DE": the town's initial and the country."""
    parts = [part.strip() for part in address.split(",")]
    kept = []
    for index, part in enumerate(parts):
        if index == 0 or not part:
            kept.append(MASKED_ADDRESS)
        elif index == len(parts) - 1 and len(part) <= 3:
            kept.append(part)
        else:
            kept.append(" ".join(word[:1] + "\u2022\u2022\u2022" for word in part.split()))
    return ", ".join(kept)


def _masked_part(key: str, value: Any) -> Any:
    if key == "country" or not isinstance(value, str) or not value:
        return value
    return value[:1] + "\u2022\u2022\u2022" if key == "city" else MASKED_ADDRESS


def mask_text(text: str) -> str:
    text = _EMAIL.sub(lambda m: mask_email(m.group(0)), text)
    text = _STREET.sub(lambda m: mask_address(m.group(0)), text)
    return _PHONE.sub(lambda m: mask_phone(m.group(0)), text)
