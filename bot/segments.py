"""Splitting a shopper's message into the requests it holds ("where is 10002? also do you take
Klarna?"), so each part can be classified on its own. Pure functions, no Rasa.

A split happens only where a new request clearly starts: after a question mark or a full stop
followed by more words, at "also", "plus", "and" or "but" followed by a question or request
word ("and how long...", "and I want to..."), and at a semicolon. Parts under three words stay
with their neighbour, so "yes and thanks" or "cancel and refund" remain one request.
"""

from __future__ import annotations

import re

MAX_SEGMENTS = 4
MIN_WORDS = 3

_QUESTION_START = (
    r"(?:how|what|when|where|which|who|why|is|are|can|could|do|does|did|will|would|should|may|"
    r"i(?:'d| would| want| need|'m| am)|please|tell|give|send|connect|put|let|get|check|track|cancel|"
    r"change|return|speak|talk|also)\b"
)
_BOUNDARY = re.compile(
    r"(?<=[?!])\s+(?=\S)"
    r"|(?<=[a-z0-9)])\.\s+(?=[A-Za-z])"
    r"|\s*;\s*"
    r"|,?\s+(?:and also|also|plus|and|but|oh and|btw|by the way)\s+(?=" + _QUESTION_START + r")"
    r"|,\s+(?=(?:also|actually|and)\b)",
    re.IGNORECASE,
)
_WORD = re.compile(r"\w+")


def split_requests(text: str) -> list[str]:
    """The parts of `text` that read as requests of their own; [text] when there is one."""
    pieces = [piece.strip(" ,") for piece in _BOUNDARY.split(text or "")]
    pieces = [piece for piece in pieces if piece]
    merged: list[str] = []
    for piece in pieces:
        if (merged and _words(piece) < MIN_WORDS) or (merged and _words(merged[-1]) < MIN_WORDS):
            merged[-1] = f"{merged[-1]} {piece}"
        else:
            merged.append(piece)
    if len(merged) > MAX_SEGMENTS:
        merged = [*merged[: MAX_SEGMENTS - 1], " ".join(merged[MAX_SEGMENTS - 1 :])]
    return merged if len(merged) > 1 else [text]


def _words(text: str) -> int:
    return len(_WORD.findall(text))


def primary_intent(whole: tuple[str, float], parts: list[tuple[str, float]], task_intents: frozenset[str],
                   min_confidence: float = 0.6) -> tuple[str, float]:
    """The intent the bot acts on first: an order task asked in one part wins over a question
    in another (the question is answered alongside), otherwise the whole message's intent."""
    if whole[0] in task_intents:
        return whole
    tasks = [part for part in parts if part[0] in task_intents and part[1] >= min_confidence]
    return max(tasks, key=lambda part: part[1]) if tasks else whole
