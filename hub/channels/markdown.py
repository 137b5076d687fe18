"""The Markdown the bot writes (help articles, order answers), for channels that cannot show it
as it is: a small, safe subset parsed into blocks, then rendered as Telegram's HTML or as plain text.

The subset, the same as the widget's renderer (static/widget/markdown.js): one line is one line
(chat text, not documents); `- ` / `1. ` list items; `|` tables with a `|---|` separator row;
`#` headings; **bold**, *italic*, `code`, [words](https://...) and bare http(s) links. A link to
anything but http(s) or mailto keeps its words only. Nothing else is markup: `<b>` stays text.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

_LIST_ITEM = re.compile(r"^\s*(?:([-*+])|(\d{1,3})[.)])\s+(.*)$")
_HEADING = re.compile(r"^#{1,6}\s+(.*)$")
_TABLE_SEPARATOR = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
_INLINE = re.compile(
    r"(?P<escape>\\[\\`*_\[\]()#+\-.!|])"
    r"|`(?P<code>[^`\n]+)`"
    r"|\*\*(?P<bold>[^*\n]+?)\*\*|__(?P<bold2>[^_\n]+?)__"
    r"|(?<![\w*])\*(?P<italic>[^*\s](?:[^*\n]*[^*\s])?)\*(?![\w*])"
    r"|(?<![\w_])_(?P<italic2>[^_\s](?:[^_\n]*[^_\s])?)_(?![\w_])"
    r"|\[(?P<label>[^\]\n]+)\]\((?P<target>(?:[^()\s]|\([^()\s]*\))+)\)"
    r"|(?P<url>https?://[^\s<>\"]+)"
)
_SAFE_TARGET = re.compile(r"^(https?://|mailto:)[^\s<>\"]+$", re.IGNORECASE)
_TRAILING = ".,;:!?'"


@dataclass(frozen=True)
class Span:
    kind: str  # text | bold | italic | code | link
    text: str
    href: str | None = None


@dataclass(frozen=True)
class Block:
    kind: str  # line | heading | list | table
    lines: tuple[tuple[Span, ...], ...] = ()
    ordered: bool = False
    start: int = 1
    rows: tuple[tuple[tuple[Span, ...], ...], ...] = ()  # tables: the header row first


def parse(text: str) -> list[Block]:
    lines = text.replace("\r\n", "\n").split("\n")
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.lstrip().startswith("|") and index + 1 < len(lines) and _TABLE_SEPARATOR.match(lines[index + 1].strip()):
            end = index + 2
            while end < len(lines) and lines[end].lstrip().startswith("|"):
                end += 1
            blocks.append(_table(lines[index], lines[index + 2:end]))
            index = end
            continue
        item = _LIST_ITEM.match(line)
        if item:
            ordered = item.group(2) is not None
            end, items = index, []
            while end < len(lines) and (match := _LIST_ITEM.match(lines[end])) and (match.group(2) is not None) == ordered:
                items.append(inline(match.group(3)))
                end += 1
            blocks.append(Block("list", tuple(items), ordered, int(item.group(2) or 1)))
            index = end
            continue
        heading = _HEADING.match(line)
        blocks.append(Block("heading", (inline(heading.group(1)),)) if heading else Block("line", (inline(line),)))
        index += 1
    return blocks


def _table(header: str, body: list[str]) -> Block:
    rows = [_cells(header), *(_cells(row) for row in body)]
    width = len(rows[0])
    return Block("table", rows=tuple(tuple(inline(cell) for cell in (row + [""] * width)[:width]) for row in rows))


def _cells(row: str) -> list[str]:
    row = row.strip()
    row = row[1:] if row.startswith("|") else row
    row = row[:-1] if row.endswith("|") and not row.endswith("\\|") else row
    return [cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", row)]


def inline(text: str) -> tuple[Span, ...]:
    spans: list[Span] = []
    position = 0
    for match in _INLINE.finditer(text):
        if match.start() > position:
            spans.append(Span("text", text[position:match.start()]))
        spans.extend(_span(match))
        position = match.end()
    if position < len(text):
        spans.append(Span("text", text[position:]))
    return tuple(_merge(spans))


def _span(match: re.Match[str]) -> list[Span]:
    groups = match.groupdict()
    if groups["escape"]:
        return [Span("text", groups["escape"][1])]
    if groups["code"]:
        return [Span("code", groups["code"])]
    if groups["bold"] or groups["bold2"]:
        return [Span("bold", groups["bold"] or groups["bold2"])]
    if groups["italic"] or groups["italic2"]:
        return [Span("italic", groups["italic"] or groups["italic2"])]
    if groups["label"]:
        target = groups["target"]
        return [Span("link", groups["label"], target) if _SAFE_TARGET.match(target) else Span("text", groups["label"])]
    url = groups["url"]
    trimmed = _trim_url(url)
    spans = [Span("link", trimmed, trimmed)]
    return [*spans, Span("text", url[len(trimmed):])] if trimmed != url else spans


def _trim_url(url: str) -> str:
    """Sentence punctuation and an unbalanced closing bracket after a bare link are not part of it."""
    while url and (url[-1] in _TRAILING or (url[-1] == ")" and url.count("(") < url.count(")"))):
        url = url[:-1]
    return url


def _merge(spans: list[Span]) -> list[Span]:
    merged: list[Span] = []
    for span in spans:
        if merged and span.kind == "text" and merged[-1].kind == "text":
            merged[-1] = Span("text", merged[-1].text + span.text)
        elif span.text:
            merged.append(span)
    return merged


def has_markup(text: str) -> bool:
    """Whether rendering changes anything: plain text is sent as it is."""
    return any(
        block.kind != "line" or any(span.kind != "text" for span in block.lines[0]) for block in parse(text)
    )


# ---- Telegram: its HTML parse mode (https://core.telegram.org/bots/api#html-style) ----

def telegram_blocks(text: str) -> list[tuple[str, str]]:
    """(HTML, plain text) per block, each complete in itself, so a long answer splits between them."""
    return [(_telegram_block(block), _plain_block(block)) for block in parse(text)]


def _telegram_block(block: Block) -> str:
    if block.kind == "heading":
        return f"<b>{_telegram_spans(block.lines[0])}</b>"
    if block.kind == "list":
        marks = [f"{block.start + n}." if block.ordered else "•" for n in range(len(block.lines))]
        return "\n".join(f"{mark} {_telegram_spans(line)}" for mark, line in zip(marks, block.lines, strict=True))
    if block.kind == "table":
        # Telegram has no tables and a phone is narrow: one line per row, cells named by their header.
        header, *rows = block.rows
        return "\n".join(_telegram_row(header, row) for row in rows) if rows else _telegram_spans(_joined(header))
    return _telegram_spans(block.lines[0])


def _telegram_row(header: tuple[tuple[Span, ...], ...], row: tuple[tuple[Span, ...], ...]) -> str:
    first, *rest = row
    details = [f"{_telegram_spans(name)}: {_telegram_spans(cell)}" for name, cell in zip(header[1:], rest, strict=True) if cell]
    return f"• <b>{_telegram_spans(first)}</b>" + (f" — {'; '.join(details)}" if details else "")


def _joined(cells: tuple[tuple[Span, ...], ...]) -> tuple[Span, ...]:
    spans: list[Span] = []
    for n, cell in enumerate(cells):
        spans.extend([Span("text", " · ")] if n else [])
        spans.extend(cell)
    return tuple(spans)


def _telegram_spans(spans: tuple[Span, ...]) -> str:
    parts = []
    for span in spans:
        text = html.escape(span.text, quote=False)
        if span.kind == "bold":
            parts.append(f"<b>{text}</b>")
        elif span.kind == "italic":
            parts.append(f"<i>{text}</i>")
        elif span.kind == "code":
            parts.append(f"<code>{text}</code>")
        elif span.kind == "link" and span.href:
            parts.append(f'<a href="{html.escape(span.href, quote=True)}">{text}</a>')
        else:
            parts.append(text)
    return "".join(parts)


# ---- plain text: what a channel shows when its formatting is refused ----

def plain_text(text: str) -> str:
    return "\n".join(_plain_block(block) for block in parse(text))


def _plain_block(block: Block) -> str:
    if block.kind == "list":
        marks = [f"{block.start + n}." if block.ordered else "•" for n in range(len(block.lines))]
        return "\n".join(f"{mark} {_plain_spans(line)}" for mark, line in zip(marks, block.lines, strict=True))
    if block.kind == "table":
        return "\n".join(" · ".join(_plain_spans(cell) for cell in row) for row in block.rows)
    return _plain_spans(block.lines[0])


def _plain_spans(spans: tuple[Span, ...]) -> str:
    return "".join(f"{span.text} ({span.href})" if span.kind == "link" and span.href and span.href != span.text
                   else span.text for span in spans)
