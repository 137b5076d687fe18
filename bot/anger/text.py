"""Turning whatever a shopper sent into text the anger model can read, without ever raising.

The raw form (case kept) feeds the shouting and punctuation cues; the normalised form
(lower case, order numbers and digits folded) feeds the model's n-grams.
"""

import re
import unicodedata

# Anger shows in the first lines; a pasted essay or a binary blob must cost no more than a
# normal message.
MAX_CHARS = 1000

ORDER_TOKEN = "ordernum"
NUMBER_TOKEN = "0"

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffd]")
# An order reference: '#' and digits, a word mixing letters and at least three digits
# (SD-10023), or a bare run of four or more digits.
_ORDER = re.compile(
    r"#\s?\d+\b"
    r"|\b(?=(?:[\w-]*?\d){3})(?=[\w-]*[^\W\d_])\w+(?:-\w+)*\b"
    r"|\b\d{4,}\b"
)
_NUMBER = re.compile(r"\d+")
# A contact detail says nothing about mood: "anna.schmidt@example.com" alone is no message.
_EMAIL = re.compile(r"\S+@\S+\.\w+")
# "soooo" -> "soo": stretched words keep one marker of emphasis but share n-grams.
_STRETCHED = re.compile(r"([^\W\d_])\1{2,}")
_PUNCT_RUN = re.compile(r"([!?.])[!?.]*")
_SPACES = re.compile(r"\s+")

# Word tokens, "?" and "!", and any symbol that is not plain ASCII punctuation: emoji carry
# tone ("😡", "🙄", "🙏").
TOKEN_PATTERN = r"(?u)\b\w+\b|[?!]|[^\w\s!-/:-@\[-`{-~]"


def raw_text(message: object) -> str:
    """The message as a bounded, printable string with case kept; '' for non-text."""
    if isinstance(message, (bytes, bytearray)):
        message = bytes(message[: MAX_CHARS * 4]).decode("utf-8", errors="replace")
    if not isinstance(message, str):
        return ""
    text = unicodedata.normalize("NFKC", message[: MAX_CHARS * 2])[:MAX_CHARS]
    return _SPACES.sub(" ", _CONTROL.sub(" ", text)).strip()


def normalise(message: object) -> str:
    """The form the model's n-grams are trained and run on."""
    text = _EMAIL.sub(" ", raw_text(message).lower())
    text = _ORDER.sub(f" {ORDER_TOKEN} ", text)
    text = _NUMBER.sub(NUMBER_TOKEN, text)
    text = _STRETCHED.sub(r"\1\1", text)
    text = _PUNCT_RUN.sub(r"\1", text)
    return _SPACES.sub(" ", text).strip()
