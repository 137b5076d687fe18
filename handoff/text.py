"""Shopper and agent text as the hub accepts it: cleaned, never empty, never huge."""

from __future__ import annotations

import re

from handoff.errors import BadInput

# Control characters (but not newline and tab) carry no meaning in a chat and break renderers.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b\u2028\u2029\ufeff]")


def clean_text(raw: object, limit: int, field: str = "text") -> str:
    if not isinstance(raw, str):
        raise BadInput(f"'{field}' must be a string.", "invalid_field")
    text = _CONTROL.sub("", raw).replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise BadInput(f"'{field}' is empty.", "empty_text")
    if len(text) > limit:
        raise BadInput(f"'{field}' is longer than {limit} characters.", "text_too_long")
    return text
