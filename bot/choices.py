"""Understanding a shopper's answer to a question with options ("Is it about one of these?",
"Which items?"): a number, an ordinal, words of an option's title, "both", "all of them",
"none of these". Pure functions, no Rasa: the dialogue policy decides with them whether a
message answers the pending question, and the action that asked picks the options with them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_ORDINALS = {
    "first": 0, "1st": 0, "one": 0, "second": 1, "2nd": 1, "two": 1, "third": 2, "3rd": 2, "three": 2,
    "fourth": 3, "4th": 3, "four": 3, "fifth": 4, "5th": 4, "five": 4,
}
_LAST = re.compile(r"\b(?:last|latter|bottom)\b(?: one)?", re.IGNORECASE)
_NUMBER = re.compile(r"^\s*(?:option|number|nr\.?|no\.?|#)?\s*(\d)\s*[.)!]?\s*$", re.IGNORECASE)
_ORDINAL = re.compile(r"\b(first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th)\b|\bthe (one|two|three) ?\b",
                      re.IGNORECASE)
_ALL = re.compile(r"\b(?:both|all(?: of (?:them|these|those|it))?|each|every(?:thing| one)|the whole (?:order|thing|lot)"
                  r"|everything|the lot|all items|both items|both of (?:them|these|those))\b", re.IGNORECASE)
_NONE = re.compile(r"^\s*(?:no+|nope|nah)?[,.! ]*(?:none|neither|nothing)(?: of (?:them|these|those|it))?\b"
                   r"|\b(?:none of (?:them|these|those|the above)|neither of (?:them|these|those)|not (?:those|these|any of)"
                   r"|something else|none fits?|none applies|nothing like that)\b", re.IGNORECASE)
_YES = re.compile(r"^\s*(?:y(?:es|ep|eah|up)?|sure|ok(?:ay)?|please|yes please|that one|correct|right|exactly"
                  r"|go ahead|do it|that'?s it)\b[\s.!]*(?:please|thanks|do it|start it|go ahead)?[\s.!]*$", re.IGNORECASE)
_NO = re.compile(r"^\s*(?:no+|nope|nah|no thanks?|no,? thank you|not really|not now|that'?s fine|never ?mind)\b",
                 re.IGNORECASE)
_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    """
    a an the i me my we you your it its is are was be do does did can could how what when where which who why
    to of in on at for and or but with about from this that these those one ones please thanks want would like
    just only get have has had need know so any some there here not no yes ok okay if
    """.split()
)


# Share of a message's telling words an option's title must have for the message to pick it.
MIN_SHARED = 0.5


@dataclass(frozen=True)
class Option:
    id: str
    title: str


@dataclass(frozen=True)
class Answer:
    """How a message answers a question with options: the chosen ones, "none", yes or no."""

    chosen: tuple[str, ...] = ()
    none: bool = False
    yes: bool = False
    no: bool = False

    @property
    def understood(self) -> bool:
        return bool(self.chosen) or self.none or self.yes or self.no


def resolve(text: str, options: Sequence[Option]) -> Answer:
    """What `text` says about `options`; Answer() when it is no answer to them."""
    if not options:
        return Answer()
    if _NONE.search(text):
        return Answer(none=True)
    if _ALL.search(text):
        return Answer(chosen=tuple(option.id for option in options))
    picked = _by_position(text, options) or _by_words(text, options)
    if picked:
        return Answer(chosen=picked)
    if _YES.search(text):
        return Answer(chosen=(options[0].id,), yes=True) if len(options) == 1 else Answer(yes=True)
    if _NO.search(text):
        return Answer(no=True)
    return Answer()


def _by_position(text: str, options: Sequence[Option]) -> tuple[str, ...]:
    number = _NUMBER.match(text)
    if number:
        index = int(number.group(1)) - 1
        return (options[index].id,) if 0 <= index < len(options) else ()
    indices = []
    for match in _ORDINAL.finditer(text):
        word = (match.group(1) or match.group(2) or "").lower()
        if word in _ORDINALS:
            indices.append(_ORDINALS[word])
    if _LAST.search(text):
        indices.append(len(options) - 1)
    return tuple(dict.fromkeys(options[i].id for i in indices if 0 <= i < len(options)))


def _by_words(text: str, options: Sequence[Option]) -> tuple[str, ...]:
    """Options whose title shares the most telling words with the message (ties: all of them).
    The shared words must be at least half of what the message says: "my card got declined"
    shares only "card" with "Gift cards", and is a question of its own."""
    said = _content_words(text)
    if not said:
        return ()
    overlaps = [(len(said & _content_words(option.title)), option.id) for option in options]
    best = max(count for count, _ in overlaps)
    if best == 0 or best < len(said) * MIN_SHARED:
        return ()
    return tuple(option_id for count, option_id in overlaps if count == best)


def _content_words(text: str) -> set[str]:
    return {_stem(word) for word in _WORD.findall(text.lower()) if word not in _STOP and len(word) > 2}


def _stem(word: str) -> str:
    """A crude stem, the same for "delete", "deleting" and "deleted", "ship" and "shipping"."""
    for suffix in ("ing", "es", "s", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "aeiou":
        word = word[:-1]  # "shipping", "wrapped"
    return word
