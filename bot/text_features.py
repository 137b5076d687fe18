"""Shopper-text normalisation and the TF-IDF features the intent model reads.

Pure scikit-learn, no Rasa import, so it is unit-testable and reusable by other engine
components (the anger scorer can share `normalise_text`).
"""

import os
import re
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

# Longer messages are cut: the intent is in the first lines, and a pasted essay (or a binary
# blob) must not cost more than a normal message to parse.
MAX_CHARS = 1000

EMAIL_TOKEN = "emailaddr"
PHONE_TOKEN = "phonenum"
ORDER_TOKEN = "ordernum"
NUMBER_TOKEN = "0"

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# A phone candidate: 8 or more digits, possibly split by spaces, dots, dashes or brackets
# (as data/nlu/entities.yml reads phones).
_PHONE_CANDIDATE = re.compile(r"(?<![\w#])\+?\(?\d(?:[\s()./-]{0,2}\d){7,}(?!\w)")
# An order reference: '#' and digits, a word mixing letters with at least three digits
# (SD-10023, A1B2C3; not "2nd" or "ps5"), or a bare run of four or more digits.
_ORDER = re.compile(
    r"#\s?\d+\b"
    r"|\b(?=(?:[\w-]*?\d){3})(?=[\w-]*[^\W\d_])\w+(?:-\w+)*\b"
    r"|\b\d{4,}\b"
)
_NUMBER = re.compile(r"\d+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Three or more of the same letter become two: "pleeeease" -> "pleease", but "good" stays.
_REPEATED = re.compile(r"([^\W\d_])\1{2,}")
_REPEATED_PUNCT = re.compile(r"([!?.])\1+")
_SPACES = re.compile(r"\s+")

# Shoppers repeat the same short messages ("hi", "thanks", "yes", an email): the intent model's
# ranking and the anger scorer's score of a message are kept per text, SHOPDESK_NLU_CACHE of
# each (0: none), for texts of at most CACHE_MAX_CHARS characters.
DEFAULT_NLU_CACHE_SIZE = 4096
CACHE_MAX_CHARS = MAX_CHARS

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

# Word tokens, plus any symbol that is not plain punctuation (emoji carry tone: "😡", "🙏"),
# plus "?" and "!".
WORD_TOKEN_PATTERN = r"(?u)\b\w+\b|[?!]|[^\w\s!-/:-@\[-`{-~]"


def normalise_text(text: object) -> str:
    """Return the form of a shopper message the intent model is trained and run on.

    Never raises: anything that is not a string becomes an empty message.
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    if not isinstance(text, str):
        return ""
    text = unicodedata.normalize("NFKC", text[: MAX_CHARS * 2])[:MAX_CHARS]
    text = _CONTROL.sub(" ", text).lower()
    text = _EMAIL.sub(f" {EMAIL_TOKEN} ", text)
    text = _PHONE_CANDIDATE.sub(_phone_or_order, text)
    text = _ORDER.sub(f" {ORDER_TOKEN} ", text)
    text = _NUMBER.sub(NUMBER_TOKEN, text)
    text = _REPEATED.sub(r"\1\1", text)
    text = _REPEATED_PUNCT.sub(r"\1", text)
    return _SPACES.sub(" ", text).strip()


def _phone_or_order(match: re.Match[str]) -> str:
    """A bare run of under ten digits is more likely an order number than a phone."""
    candidate = match.group(0)
    if candidate.isdigit() and len(candidate) < 10:
        return candidate
    return f" {PHONE_TOKEN} "


def build_vectoriser() -> FeatureUnion:
    """Word 1-2 grams and in-word character 2-5 grams, both TF-IDF with sublinear tf.

    Word n-grams carry phrasing ("where is"), character n-grams carry typos and word forms
    ("refnd", "refunded"). Both expect text already passed through `normalise_text`.
    """
    words = TfidfVectorizer(
        analyzer="word",
        ngram_range=(1, 2),
        token_pattern=WORD_TOKEN_PATTERN,
        sublinear_tf=True,
        lowercase=False,
    )
    chars = TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=(2, 5),
        sublinear_tf=True,
        lowercase=False,
        min_df=2,
    )
    return FeatureUnion([("words", words), ("chars", chars)])


class LruCache(Generic[K, V]):
    """A bounded least-recently-used map, safe across threads. For values of pure functions of
    their key: whoever reads one gets what computing it again would give."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.hits = 0
        self.misses = 0
        self._values: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            value = self._values.get(key)
            if value is None:
                self.misses += 1
                return None
            self._values.move_to_end(key)
            self.hits += 1
            return value

    def __contains__(self, key: K) -> bool:
        """Whether `key` is kept (neither a hit nor a miss, and not made the most recent)."""
        with self._lock:
            return key in self._values

    def put(self, key: K, value: V) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._values[key] = value
            self._values.move_to_end(key)
            while len(self._values) > self.size:
                self._values.popitem(last=False)


def cache_size(variable: str, default: int) -> int:
    """How many entries the environment variable asks for; `default` when it is unset."""
    setting = os.environ.get(variable)
    if setting is None or not setting.strip():
        return default
    try:
        return max(0, int(setting))
    except ValueError:
        raise ValueError(f"{variable} must be a number of entries, not {setting!r}") from None


def nlu_cache_size() -> int:
    return cache_size("SHOPDESK_NLU_CACHE", DEFAULT_NLU_CACHE_SIZE)


def cache_key(text: object) -> str | None:
    """A text short enough to be kept under; None for anything else (never kept)."""
    return text if type(text) is str and len(text) <= CACHE_MAX_CHARS else None
