"""Articles are Markdown for the people who edit them; a chat bubble shows plain text.

Emphasis markers go, links keep their words, a paragraph's wrapped lines are joined, list
items stay on lines of their own, and paragraphs are separated by one line break so a
channel shows the answer as one message.
"""

from __future__ import annotations

import re

_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__|(?<!\w)\*(?!\s)|(?<!\w)_(?!\s))")
_HEADING = re.compile(r"^#{1,6}\s+")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")


def to_chat_text(markdown: str) -> str:
    paragraphs = [block for block in re.split(r"\n\s*\n", markdown.strip()) if block.strip()]
    return "\n".join(_paragraph(block) for block in paragraphs)


def _paragraph(block: str) -> str:
    lines: list[str] = []
    for raw in block.splitlines():
        line = _inline(raw.strip())
        if not line:
            continue
        if _LIST_ITEM.match(raw) or not lines:
            lines.append(_LIST_ITEM.sub("- ", line) if _LIST_ITEM.match(raw) else line)
        else:
            lines[-1] = f"{lines[-1]} {line}"
    return "\n".join(lines)


def _inline(text: str) -> str:
    text = _HEADING.sub("", text)
    text = _LINK.sub(r"\1", text)
    return _EMPHASIS.sub("", text)
