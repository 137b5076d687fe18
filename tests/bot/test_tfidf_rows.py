"""TF-IDF rows and linear scores per message (bot/tfidf_rows.py): scikit-learn's numbers without
its sparse matrices, for the vectoriser settings the models use and for hostile text."""

import numpy as np
import pytest
from scipy.sparse import csr_matrix
from sklearn.feature_extraction.text import TfidfVectorizer

from bot.tfidf_rows import TfidfRows, weighted_sum

CORPUS = [
    "where is my order 10002?",
    "where is my refund",
    "do you take klarna or paypal",
    "my parcel never arrived!!! where is it",
    "can i return the scarf",
    "return the whole order please",
    "hello",
    "hello again, where is my parcel",
]
# Written for this test: unseen words, repeats, empty, symbols only, a long paste, emoji, accents.
SHOPPERS = ["where where where is my parcel", "", "?!?", "unseen words only", "x" * 3000, "😡 order 😡",
            "Wo ist meine Bestellung? Übermorgen?", "PARCEL parcel Parcel", "refund refund. refund!"]

SETTINGS = [
    {"analyzer": "word", "ngram_range": (1, 2), "sublinear_tf": True, "lowercase": False},
    {"analyzer": "char_wb", "ngram_range": (2, 5), "sublinear_tf": True, "lowercase": False, "min_df": 2},
    {"analyzer": "word", "ngram_range": (1, 2), "sublinear_tf": True, "min_df": 2},  # lowercases
    {"analyzer": "word", "use_idf": False},
    {"analyzer": "char", "ngram_range": (1, 3), "norm": None, "smooth_idf": False},
]


@pytest.mark.parametrize("settings", SETTINGS)
def test_a_row_is_the_vectorisers_row(settings: dict[str, object]) -> None:
    vectoriser = TfidfVectorizer(**settings).fit(CORPUS)
    rows = TfidfRows(vectoriser)
    assert rows.width == len(vectoriser.get_feature_names_out())
    for text in CORPUS + SHOPPERS:
        expected = vectoriser.transform([text])
        expected.sort_indices()
        indices, values = rows.row(text)
        assert indices.tolist() == expected.indices.tolist(), text
        assert np.allclose(values, expected.data, rtol=0, atol=1e-15), text


def test_a_weighted_sum_is_the_sparse_product() -> None:
    vectoriser = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4)).fit(CORPUS)
    rows = TfidfRows(vectoriser)
    rng = np.random.default_rng(3)
    weights = rng.normal(size=(rows.width + 5, 4))
    for text in CORPUS + SHOPPERS:
        matrix = vectoriser.transform([text])
        padded = csr_matrix((matrix.data, matrix.indices + 5, matrix.indptr), shape=(1, rows.width + 5))
        assert np.allclose(weighted_sum(weights, rows.row(text), offset=5, scale=0.5), (padded @ weights)[0] * 0.5,
                           rtol=0, atol=1e-12)
        assert np.allclose(weighted_sum(weights[:, 0], rows.row(text), offset=5), (padded @ weights[:, 0])[0])
    assert weighted_sum(weights, rows.row("")).tolist() == [0.0] * 4


@pytest.mark.parametrize("settings", [{"binary": True}, {"norm": "l1"}])
def test_settings_it_does_not_reproduce_are_refused(settings: dict[str, object]) -> None:
    vectoriser = TfidfVectorizer(**settings).fit(CORPUS)
    with pytest.raises(ValueError, match="TfidfRows"):
        TfidfRows(vectoriser)
