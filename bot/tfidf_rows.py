"""TF-IDF rows of a few messages at a time, and linear scores over them, without scikit-learn's
and SciPy's per-call overhead.

`TfidfVectorizer.transform` of one short message builds about seven sparse matrices (the counts,
their sorted copy, the product with the IDF diagonal, the normalised copy, each checked) and
validates its input each time; with the weighting and stacking around it, that was 0.3 ms per
vectoriser and most of the anger scorer's 4 ms per message (cProfile, bench/README.md "Load").
A message has a few dozen n-grams, so its row is a dozen numpy operations on small arrays here,
and a linear model's score is its weights at those indices times the values: the same numbers
as scikit-learn's to rounding (tests/bot/test_tfidf_rows.py). Training keeps scikit-learn's own
transform; only the per-message path uses this.

Pure numpy, no Rasa import.
"""

from collections.abc import Callable

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

Row = tuple[np.ndarray, np.ndarray]  # (sorted column indices, values), as one CSR row holds them

_EMPTY_INDICES = np.zeros(0, dtype=np.intp)
_EMPTY_VALUES = np.zeros(0, dtype=np.float64)


class TfidfRows:
    """`vectorizer.transform([document])` as (indices, values) of its one row.

    Takes a fitted TfidfVectorizer; raises ValueError for settings it does not reproduce
    (binary counts, an l1 norm), so a model trained otherwise is never scored wrongly.
    """

    def __init__(self, vectorizer: TfidfVectorizer) -> None:
        if vectorizer.binary or vectorizer.norm not in ("l2", None):
            raise ValueError("TfidfRows reproduces l2 or no norm with counted terms only")
        self._analyze: Callable[[str], list[str]] = vectorizer.build_analyzer()
        self._vocabulary: dict[str, int] = vectorizer.vocabulary_
        self._idf: np.ndarray | None = vectorizer.idf_ if vectorizer.use_idf else None
        self._sublinear = bool(vectorizer.sublinear_tf)
        self._l2 = vectorizer.norm == "l2"
        self.width = len(self._vocabulary)

    def row(self, document: str) -> Row:
        counts: dict[int, int] = {}
        vocabulary = self._vocabulary
        for term in self._analyze(document):
            column = vocabulary.get(term)
            if column is not None:
                counts[column] = counts.get(column, 0) + 1
        if not counts:
            return _EMPTY_INDICES, _EMPTY_VALUES
        indices = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
        values = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        order = np.argsort(indices)
        indices, values = indices[order], values[order]
        if self._sublinear:
            values = np.log(values) + 1.0
        if self._idf is not None:
            values = values * self._idf[indices]
        if self._l2:
            norm = float(np.sqrt(values @ values))
            if norm > 0.0:
                values = values / norm
        return indices, values


def weighted_sum(weights: np.ndarray, row: Row, offset: int = 0, scale: float = 1.0) -> np.ndarray:
    """`row @ weights[offset:offset + width]` for weights of shape (features,) or (features, k)."""
    indices, values = row
    if not len(indices):
        return np.zeros(weights.shape[1:], dtype=np.float64)
    return (values * scale) @ weights[indices + offset]
