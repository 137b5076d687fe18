"""Shopper and agent text as the hub accepts it: cleaned, never empty, never huge."""

from __future__ import annotations

import re

from handoff.errors import BadInput

# Control characters (but not newline and tab) carry no meaning in a chat and break renderers.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b\u2028\u2029\ufeff]")
# Half of a UTF-16 pair with no other half: JSON's "\ud800" decodes to it, and no database or
# UTF-8 encoder can store it.
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")


def has_lone_surrogate(text: str) -> bool:
    return _LONE_SURROGATE.search(text) is not None


def clean_text(raw: object, limit: int, field: str = "text") -> str:
    if not isinstance(raw, str):
        raise BadInput(f"'{field}' must be a string.", "invalid_field")
    if has_lone_surrogate(raw):
        raise BadInput(f"'{field}' must be valid Unicode (it holds a lone surrogate).", "invalid_text")
    text = _CONTROL.sub("", raw).replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise BadInput(f"'{field}' is empty.", "empty_text")
    if len(text) > limit:
        raise BadInput(f"'{field}' is longer than {limit} characters.", "text_too_long")
    return text


def safe_cell(value: object) -> str:
    """A spreadsheet reads a leading = + - @ as a formula; such text is quoted with a leading '."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _is_number(text) else text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
