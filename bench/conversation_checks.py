"""What counts as a right conversation: loading the scripted conversations and judging the
bot's replies against their expectations (facts and outcomes, never wording).

Pure functions over plain data, so the benchmark (bench/conversations.py) and the fast subset
in the test suite (tests/integration/test_conversation_bench.py) judge alike.

A conversation file (bench/data/conversations/<split>/<category>.yml) holds a list of
conversations; each has an `id`, a `category`, optional `customer` (an email the shop's page
proved) and a list of `turns`, each a `say` and what must hold of the bot's answer:

- `says`: every one of these appears in the reply (case-insensitive), e.g. a carrier, "#10012"
- `says_any`: at least one of these appears
- `not_says`: none of these appears
- `matches`: a regular expression the reply matches (a return number: `R-\\d{5}`)
- `article`: the help article(s) the reply quotes (their `ref.`; `"*"`: any article)
- `buttons`: every one of these is part of some button's title (`true`: any button)
- `handoff`: the conversation goes to a person at this turn, for this reason

Conversation-level `end` checks the shop afterwards: `orders: {"10001": "cancelled"}`,
`address: {"10001": "Hauptstr"}` (part of the shipping address), `returns: {"10012": 1}`.
A turn without `handoff` must not hand off. A reply that is empty, says the same thing twice,
or falls back to "I didn't get that" / "outside what I can help with" / a bare "anything else?"
is unhelpful, unless the turn's own expectations ask for exactly that.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

SPLITS = ("tuning", "held_out")
UNHELPFUL_MARKERS = (
    "didn't quite get that",
    "outside what i can help with",
    "don't have a reliable answer",
)
DEAD_END = "is there anything else i can help with?"
_TURN_KEYS = frozenset({"say", "says", "says_any", "not_says", "matches", "article", "buttons", "handoff"})


@dataclass(frozen=True)
class Turn:
    say: str
    expect: Mapping[str, Any]


@dataclass(frozen=True)
class Conversation:
    id: str
    category: str
    split: str
    turns: tuple[Turn, ...]
    customer: str | None = None
    end: Mapping[str, Any] = field(default_factory=dict)
    smoke: bool = False

    @property
    def handoff(self) -> str | None:
        """The reason this conversation must reach a person with, if it must."""
        return next((turn.expect["handoff"] for turn in self.turns if turn.expect.get("handoff")), None)


@dataclass(frozen=True)
class Reply:
    """What the shopper saw after one message, and where the conversation stands."""

    texts: tuple[str, ...]
    buttons: tuple[str, ...]
    handoff_reasons: tuple[str, ...] = ()
    seconds: float = 0.0

    @property
    def text(self) -> str:
        return "\n".join(self.texts)


@dataclass(frozen=True)
class TurnResult:
    turn: Turn
    reply: Reply
    problems: tuple[str, ...]

    @property
    def right(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class ConversationResult:
    conversation: Conversation
    turns: tuple[TurnResult, ...]
    end_problems: tuple[str, ...] = ()

    @property
    def right(self) -> bool:
        return not self.end_problems and all(turn.right for turn in self.turns)

    @property
    def handed_off(self) -> tuple[str, ...]:
        return next((t.reply.handoff_reasons for t in self.turns if t.reply.handoff_reasons), ())


def load_conversations(directory: Path, splits: Iterable[str] = SPLITS) -> list[Conversation]:
    conversations: list[Conversation] = []
    for split in splits:
        for path in sorted((directory / split).glob("*.yml")):
            for raw in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
                conversations.append(_conversation(raw, split, path))
    ids = [c.id for c in conversations]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"conversation ids used twice: {duplicates}")
    return conversations


def _conversation(raw: Mapping[str, Any], split: str, path: Path) -> Conversation:
    turns = []
    for turn in raw["turns"]:
        unknown = set(turn) - _TURN_KEYS
        if unknown or "say" not in turn:
            raise ValueError(f"{path}: {raw.get('id')}: bad turn keys {sorted(unknown) or 'no say'}")
        turns.append(Turn(str(turn["say"]), {k: v for k, v in turn.items() if k != "say"}))
    return Conversation(id=str(raw["id"]), category=str(raw.get("category") or path.stem), split=split,
                        turns=tuple(turns), customer=raw.get("customer"), end=raw.get("end") or {},
                        smoke=bool(raw.get("smoke")))


def judge_turn(turn: Turn, reply: Reply) -> TurnResult:
    expect = turn.expect
    text = reply.text.lower()
    problems: list[str] = []
    wanted = [str(s) for s in _listed(expect.get("says"))]
    problems += [f"missing {s!r}" for s in wanted if s.lower() not in text]
    any_of = [str(s) for s in _listed(expect.get("says_any"))]
    if any_of and not any(s.lower() in text for s in any_of):
        problems.append(f"none of {any_of}")
    problems += [f"said {s!r}" for s in _listed(expect.get("not_says")) if str(s).lower() in text]
    for pattern in _listed(expect.get("matches")):
        if not re.search(str(pattern), reply.text, re.IGNORECASE):
            problems.append(f"no match for /{pattern}/")
    for article in _listed(expect.get("article")):
        quoted = "ref. " if article == "*" else f"ref. {str(article).lower()}"
        if quoted not in text:
            problems.append(f"article {article} not quoted")
    problems += _button_problems(expect.get("buttons"), reply.buttons)
    problems += _handoff_problems(expect.get("handoff"), reply.handoff_reasons)
    if not reply.handoff_reasons:
        problems += unhelpful(reply, allowed=[s.lower() for s in wanted + any_of])
    return TurnResult(turn, reply, tuple(problems))


def unhelpful(reply: Reply, allowed: Sequence[str] = ()) -> list[str]:
    """Replies no shopper is helped by, whatever the conversation expected."""
    texts = [t.strip() for t in reply.texts if t.strip()]
    if not texts:
        return ["no reply"]
    problems = []
    repeated = sorted({t for t in texts if texts.count(t) > 1})
    if repeated:
        problems.append(f"said twice: {repeated[0][:60]!r}")
    joined = "\n".join(texts).lower()
    for marker in UNHELPFUL_MARKERS:
        if marker in joined and not any(marker in a or a in marker for a in allowed):
            problems.append(f"unhelpful: {marker!r}")
    if joined.strip() == DEAD_END and DEAD_END not in allowed:
        problems.append("dead end: only 'anything else?'")
    return problems


def _button_problems(expected: Any, buttons: Sequence[str]) -> list[str]:
    if expected is None:
        return []
    if expected is True:
        return [] if buttons else ["no buttons"]
    titles = [b.lower() for b in buttons]
    return [f"no button {b!r}" for b in _listed(expected) if not any(str(b).lower() in t for t in titles)]


def _handoff_problems(expected: Any, reasons: Sequence[str]) -> list[str]:
    if not expected:
        return [f"handed off ({', '.join(reasons)})"] if reasons else []
    if not reasons:
        return [f"not handed off (expected {expected})"]
    return [] if expected in reasons else [f"handed off for {list(reasons)}, expected {expected}"]


def judge_end(conversation: Conversation, orders: Mapping[str, Mapping[str, Any]]) -> tuple[str, ...]:
    """Conversation-level expectations against the shop's orders afterwards
    (`orders[number] = {"status", "address", "returns"}`)."""
    problems: list[str] = []
    end = conversation.end
    for number, status in (end.get("orders") or {}).items():
        got = orders.get(str(number), {}).get("status")
        if got != status:
            problems.append(f"order {number} is {got}, expected {status}")
    for number, part in (end.get("address") or {}).items():
        got = str(orders.get(str(number), {}).get("address", ""))
        if str(part).lower() not in got.lower():
            problems.append(f"order {number} ships to {got!r}, expected {part!r} in it")
    for number, count in (end.get("returns") or {}).items():
        got = orders.get(str(number), {}).get("returns")
        if got != count:
            problems.append(f"order {number} has {got} returns, expected {count}")
    return tuple(problems)


def _listed(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]
