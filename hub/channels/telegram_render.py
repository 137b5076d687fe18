"""How a stored message reads in Telegram: the bot's Markdown as Telegram HTML (lists, tables as
one line per row, bold, links), split between blocks when long; everyone else's text as it is."""

from __future__ import annotations

from dataclasses import dataclass

from handoff.delivery import OutboundMessage
from hub.channels import markdown
from hub.channels.telegram_limits import MAX_MESSAGE_LENGTH, split_text, utf16_length


@dataclass(frozen=True)
class Part:
    """One Telegram message; an `html` part goes with parse_mode HTML, and as `plain` if Telegram refuses it."""

    text: str
    html: bool = False
    plain: str = ""


def parts_of(message: OutboundMessage) -> list[Part]:
    text = message.text or ""
    if message.author_kind == "agent":
        # People type plain text; what they write is shown exactly, never read as markup.
        return [Part(part) for part in split_text(f"{message.author_name or 'Support team'}: {text}")]
    if not text:
        return [Part("Choose one:")] if message.buttons else []
    if message.author_kind != "bot" or not markdown.has_markup(text):
        return [Part(part) for part in split_text(text)]
    return pack(markdown.telegram_blocks(text))


def pack(blocks: list[tuple[str, str]], limit: int = MAX_MESSAGE_LENGTH) -> list[Part]:
    """Joins (HTML, plain) blocks into messages of at most `limit`; a block too long alone goes as plain text."""
    parts: list[Part] = []
    current: list[tuple[str, str]] = []
    for block in blocks:
        if utf16_length(block[0]) > limit:
            parts.extend(_joined(current))
            current = []
            parts.extend(Part(piece) for piece in split_text(block[1], limit))
            continue
        if current and utf16_length("\n".join([*(html for html, _ in current), block[0]])) > limit:
            parts.extend(_joined(current))
            current = []
        current.append(block)
    parts.extend(_joined(current))
    return parts


def _joined(blocks: list[tuple[str, str]]) -> list[Part]:
    if not blocks:
        return []
    return [Part("\n".join(html for html, _ in blocks), True, "\n".join(plain for _, plain in blocks))]
