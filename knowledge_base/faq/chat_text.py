"""Articles are Markdown for the people who edit them; a chat message is the small Markdown subset
every channel renders (hub/channels/markdown.py, the widget's markdown.js): bold and italic, list
items and table rows on lines of their own, links to web pages. Links to other articles keep
their words, a paragraph's wrapped lines are joined, and paragraphs are separated by one line
break so a channel shows the answer as one message.
"""

from __future__ import annotations

import re

_LINK = re.compile(r"\[([^\]]+)\]\(([^)]*)\)")
_WEB_LINK = re.compile(r"^(https?://|mailto:)", re.IGNORECASE)
_HEADING = re.compile(r"^#{1,6}\s+")
_OWN_LINE = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+|^\s*\|")


def to_chat_text(markdown: str) -> str:
    paragraphs = [block for block in re.split(r"\n\s*\n", markdown.strip()) if block.strip()]
    return "\n".join(_paragraph(block) for block in paragraphs)


def _paragraph(block: str) -> str:
    lines: list[str] = []
    for raw in block.splitlines():
        line = _inline(raw.strip())
        if not line:
            continue
        if _OWN_LINE.match(raw) or not lines:
            lines.append(line)
        else:
            lines[-1] = f"{lines[-1]} {line}"
    return "\n".join(lines)


def _inline(text: str) -> str:
    text = _HEADING.sub("", text)
    return _LINK.sub(lambda link: link.group(0) if _WEB_LINK.match(link.group(2)) else link.group(1), text)
