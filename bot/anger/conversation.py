"""Anger over a whole conversation: rising scores, and frustration without angry words.

A shopper who asks the same thing three times, or writes "as I said", is frustrated even if
no single message reads angry. A pure function over the shopper's turns, oldest first.
"""

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.anger.text import normalise

_FRUSTRATION = re.compile(
    r"\balready (?:told|said|explained|asked|gave|sent)\b|\bi (?:just )?(?:told|said) (?:you|that)\b"
    r"|\bas i (?:said|mentioned|explained|wrote)\b|\blike i said\b|\bsame question\b"
    r"|\bnot what i (?:asked|said|meant)\b|\b(?:you're|you are|ur) not listening\b"
    r"|\bread my (?:message|question)\b|\b(?:didn't|doesn't|does not|did not) (?:answer|help)\b"
    r"|\bagain\b|\bstill (?:waiting|no|not|nothing)\b|\b(?:second|third|fourth|2nd|3rd|4th) time\b"
    r"|\bi (?:asked|keep asking)\b|\bhow many times\b",
    re.IGNORECASE,
)
_WORDS = re.compile(r"\w+")


@dataclass(frozen=True)
class ShopperTurn:
    text: str
    score: float


@dataclass(frozen=True)
class ConversationSettings:
    window: int = 4
    # Two rises in a row, the latest score this much above the window's lowest: rising.
    rise: float = 0.3
    # Share of the shorter message's words found in the other, from which one repeats the
    # other ("where is my order" inside "I told you, where is my order").
    repeat_similarity: float = 0.8
    repeat_weight: float = 0.25
    phrase_weight: float = 0.2
    rising_weight: float = 0.15


@dataclass(frozen=True)
class ConversationAnger:
    latest: float
    peak: float
    rising: bool
    repeated_messages: int
    frustration_cues: tuple[str, ...]
    # Latest anger raised by repetition, frustration phrases and a rising trend; 0-1.
    frustration: float

    def as_dict(self) -> dict[str, object]:
        return {
            "latest": round(self.latest, 4),
            "peak": round(self.peak, 4),
            "rising": self.rising,
            "repeated_messages": self.repeated_messages,
            "frustration_cues": list(self.frustration_cues),
            "frustration": round(self.frustration, 4),
        }


def assess_conversation(
    turns: Sequence[ShopperTurn], settings: ConversationSettings = ConversationSettings()
) -> ConversationAnger:
    if not turns:
        return ConversationAnger(0.0, 0.0, False, 0, (), 0.0)
    scores = [min(max(float(turn.score), 0.0), 1.0) for turn in turns]
    latest = scores[-1]
    rising = _is_rising(scores[-settings.window :], settings.rise)
    repeats = _count_repeats(turns, settings.repeat_similarity)
    phrases = tuple(dict.fromkeys(m.lower() for m in _FRUSTRATION.findall(turns[-1].text or "")))
    lift = (
        settings.repeat_weight * repeats
        + settings.phrase_weight * len(phrases)
        + settings.rising_weight * rising
    )
    cues = phrases + ((f"repeated message x{repeats}",) if repeats else ())
    return ConversationAnger(
        latest=latest,
        peak=max(scores),
        rising=rising,
        repeated_messages=repeats,
        frustration_cues=cues + (("anger rising",) if rising else ()),
        frustration=min(1.0, latest + lift),
    )


def _is_rising(window: list[float], rise: float) -> bool:
    """One angry message after a calm one is a mood; a climb over three turns is a trend."""
    if len(window) < 3:
        return False
    return window[-1] > window[-2] > window[-3] and window[-1] - min(window[:-1]) >= rise


def _count_repeats(turns: Sequence[ShopperTurn], threshold: float) -> int:
    """How many earlier shopper messages the latest one says again."""
    latest = words_of(turns[-1].text)
    if not latest:
        return 0
    earlier = (words_of(turn.text) for turn in turns[:-1])
    return sum(1 for words in earlier if _similarity(latest, words) >= threshold)


@functools.lru_cache(maxsize=4096)
def words_of(text: str) -> frozenset[str]:
    """The normalised words of a message. Kept: every shopper message compares the latest with
    each one before it, so a conversation's earlier messages are asked about again and again."""
    return frozenset(_WORDS.findall(normalise(text)))


def _similarity(first: frozenset[str], second: frozenset[str]) -> float:
    """Overlap over the shorter message; messages under three words must match exactly."""
    shorter = min(len(first), len(second))
    if shorter < 3:
        return float(first == second)
    return len(first & second) / shorter
