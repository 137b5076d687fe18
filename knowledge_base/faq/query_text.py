"""Turning whatever a shopper typed into text the index can compare safely.

Chat input can be empty, enormous, pasted HTML, or bytes decoded as text. None of it
may raise, and none of it may look like a real question by accident.
"""

from __future__ import annotations

import html
import re
import unicodedata

# Caps keep the cost of one query bounded whatever arrives: the raw cap bounds the
# regex work, the final cap bounds the vectorizers (a question fits in far less).
MAX_RAW_CHARS = 20_000
MAX_QUERY_CHARS = 600

_TAG = re.compile(r"<(script|style)\b.*?</\1\s*>|<[^<>]{0,500}>", re.I | re.S)
_SPACES = re.compile(r"\s+")


def clean_query(raw: object) -> str:
    """Lowercased plain text of ``raw``, or "" when nothing usable is left."""
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", errors="replace")
    if not isinstance(raw, str):
        return ""
    text = html.unescape(_TAG.sub(" ", raw[:MAX_RAW_CHARS]))
    text = "".join(char if _is_text(char) else " " for char in text)
    return _SPACES.sub(" ", text).strip().lower()[:MAX_QUERY_CHARS]


def _is_text(char: str) -> bool:
    # Letters, marks, digits, punctuation and symbols stay; control characters, the
    # replacement character and private-use code points are treated as spaces.
    return char != "\ufffd" and unicodedata.category(char)[0] in "LMNPS"
