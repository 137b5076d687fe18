"""Product search over a small catalogue: word matches weighted by where they occur,
tolerant of plurals and one or two typos ("hoddie", "runing shoes size 42").

A pure function over product views; a real shop platform would bring its own search.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from knowledge_base.shop.views import ProductView

MAX_QUERY_LENGTH = 200
FUZZY_MATCH = 0.8
_WORD = re.compile(r"[^\W_]+")
_STOPWORDS = frozenset(
    "a an and any are available buy can colour color cost costs do does for got have how i in "
    "is it looking me much my need of or price sell size sizes some still stock that the there "
    "this to want what which with you your".split()
)
_WEIGHTS = {"name": 3.0, "category": 2.0, "attribute": 1.0, "description": 0.5}


def search_products(products: Iterable[ProductView], query: str, limit: int = 3) -> list[ProductView]:
    """The best `limit` matches for `query`, best first; in-stock products win ties."""
    terms = [term for term in _terms(query[:MAX_QUERY_LENGTH]) if term not in _STOPWORDS]
    if not terms or limit < 1:
        return []
    catalogue = [(product, _fields(product.name, product.category, product.description, product.attributes))
                 for product in products]
    close = _close_words(terms, catalogue)
    scored = [(_score(fields, terms, close), product) for product, fields in catalogue]
    matches = [(score, product) for score, product in scored if score > 0]
    matches.sort(key=lambda pair: (-pair[0], not pair[1].in_stock, pair[1].sku))
    return [product for _, product in matches[:limit]]


def _terms(text: str) -> list[str]:
    return [_stem(word) for word in _WORD.findall(text.lower())]


def _stem(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


Fields = tuple[tuple[str, frozenset[str]], ...]


def _score(fields: Fields, terms: list[str], close: dict[str, frozenset[str]]) -> float:
    """Zero unless a term names the product itself (name, category or description): a size or
    colour alone ("what's the status of it" has an "s") is no product query."""
    describes_product = any(_best(term, words, close) for term in terms for name, words in fields if name != "attribute")
    if not describes_product:
        return 0.0
    return sum(max(_best(term, words, close) * _WEIGHTS[name] for name, words in fields) for term in terms)


@lru_cache(maxsize=4096)
def _fields(name: str, category: str, description: str, attributes: tuple[tuple[str, tuple[str, ...]], ...]) -> Fields:
    """A product's words by where they occur; kept per product text (a search reads the whole
    catalogue, whose texts rarely change: only its stock does, and that is not in here)."""
    attribute_words = frozenset(word for _, values in attributes for value in values for word in _terms(value))
    return (
        ("name", frozenset(_terms(name))),
        ("category", frozenset(_terms(category))),
        ("attribute", attribute_words),
        ("description", frozenset(_terms(description))),
    )


def _close_words(terms: list[str], catalogue: list[tuple[ProductView, Fields]]) -> dict[str, frozenset[str]]:
    """For each term that may match with typos, the catalogue's words within its distance."""
    lexicon = _lexicon(tuple(fields for _, fields in catalogue))
    return {term: lexicon.near(term) for term in set(terms) if not term.isdigit() and len(term) >= 4}


class _Lexicon:
    """A catalogue's distinct words by length, and each term's near words once worked out: one
    comparison per distinct word of a fitting length, not one per word of every product field."""

    KEPT = 16384

    def __init__(self, catalogue: tuple[Fields, ...]) -> None:
        self._by_length: dict[int, list[str]] = {}
        for word in sorted(frozenset().union(*(words for fields in catalogue for _, words in fields))):
            self._by_length.setdefault(len(word), []).append(word)
        self._near: dict[str, frozenset[str]] = {}

    def near(self, term: str) -> frozenset[str]:
        found = self._near.get(term)
        if found is None:
            allowed = 1 if len(term) <= 6 else 2
            found = frozenset(word for length in range(len(term) - allowed, len(term) + allowed + 1)
                              for word in self._by_length.get(length, ()) if _within(term, word, allowed))
            if len(self._near) >= self.KEPT:
                self._near.clear()
            self._near[term] = found
        return found


@lru_cache(maxsize=4)
def _lexicon(catalogue: tuple[Fields, ...]) -> _Lexicon:
    return _Lexicon(catalogue)


def _best(term: str, words: frozenset[str], close: dict[str, frozenset[str]]) -> float:
    if term in words:
        return 1.0
    near = close.get(term)  # None: a number or a short word, which must match exactly
    return FUZZY_MATCH if near and not near.isdisjoint(words) else 0.0


def _within(a: str, b: str, allowed: int) -> bool:
    """Optimal-string-alignment distance (typos, including swapped letters) at most `allowed`."""
    if abs(len(a) - len(b)) > allowed or b.isdigit():
        return False
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, char_b in enumerate(b, 1):
            cost = char_a != char_b
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1] <= allowed
