"""FAQ retrieval: TF-IDF word and character n-grams with cosine similarity.

Answer policy (the caller relies on it):
- ``confident``: ``article`` is set; the bot quotes it and shows its title and id.
- weak match: ``article`` is None and ``suggestions`` holds up to three articles; the bot
  asks the shopper to rephrase, offering those titles or a person.
- nothing relevant: no article and no suggestions.
The index never guesses: a confident answer needs a high score, a clear lead over the
runner-up and at least one word of the query that the articles actually use.

An article's score is a blend of the query's best match among its title and sample
questions and its match with the whole article text; each match averages a word
(1-2 gram) and a character (3-5 gram, robust to typos) cosine similarity. When the
caller passes the NLU intent, articles listed for that intent get a multiplicative
boost. Thresholds and weights were chosen with ``bench/faq.py``; its docstring gives
the measurements.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from knowledge_base.faq.articles import Article
from knowledge_base.faq.query_text import clean_query

MAX_SUGGESTIONS = 3


@dataclass(frozen=True, slots=True)
class RetrievalTuning:
    confident: float = 0.42
    margin: float = 0.04
    suggest: float = 0.22
    intent_boost: float = 0.25
    question_weight: float = 0.6
    word_weight: float = 0.5


@dataclass(frozen=True, slots=True)
class FaqAnswer:
    article: Article | None
    score: float
    confident: bool
    suggestions: list[Article] = field(default_factory=list)


class FaqIndex:
    def __init__(self, articles: list[Article], tuning: RetrievalTuning, word: TfidfVectorizer,
                 char: TfidfVectorizer, owners: np.ndarray) -> None:
        self.articles = articles
        self.tuning = tuning
        self._word = word
        self._char = char
        self._owners = owners
        documents = _documents(articles)
        self._word_matrix = word.transform(documents)
        self._char_matrix = char.transform(documents)

    @classmethod
    def build(cls, articles: list[Article], tuning: RetrievalTuning | None = None) -> FaqIndex:
        if not articles:
            raise ValueError("cannot build an FAQ index without articles")
        documents = _documents(articles)
        word = TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True,
                               stop_words="english", token_pattern=r"(?u)\b\w\w+\b")
        char = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)
        word.fit(documents)
        char.fit(documents)
        owners = np.array([index for index, _ in _question_owners(articles)])
        return cls(articles, tuning or RetrievalTuning(), word, char, owners)

    def answer(self, query: str, intent: str | None = None) -> FaqAnswer:
        ranked, knows_a_word = self._rank(query, intent)
        if not ranked:
            return FaqAnswer(article=None, score=0.0, confident=False)
        (best, best_score), runner_up = ranked[0], (ranked[1][1] if len(ranked) > 1 else 0.0)
        tuning = self.tuning
        if knows_a_word and best_score >= tuning.confident and best_score - runner_up >= tuning.margin:
            return FaqAnswer(article=best, score=best_score, confident=True)
        suggestions = [article for article, score in ranked[:MAX_SUGGESTIONS] if score >= tuning.suggest]
        return FaqAnswer(article=None, score=best_score, confident=False, suggestions=suggestions)

    def rank(self, query: str, intent: str | None = None) -> list[tuple[Article, float]]:
        """Every article with its score, best first (for benchmarks and debugging)."""
        return self._rank(query, intent)[0]

    def _rank(self, query: str, intent: str | None) -> tuple[list[tuple[Article, float]], bool]:
        text = clean_query(query)
        if not text:
            return [], False
        word_query = self._word.transform([text])
        char_query = self._char.transform([text])
        scores = self._scores(word_query, char_query)
        if intent:
            boost = np.array([1.0 + self.tuning.intent_boost if intent in a.intents else 1.0 for a in self.articles])
            scores = np.minimum(scores * boost, 1.0)
        order = np.argsort(-scores, kind="stable")
        return [(self.articles[i], float(scores[i])) for i in order], word_query.nnz > 0

    def _scores(self, word_query, char_query) -> np.ndarray:
        weight = self.tuning.word_weight
        similarity = weight * (self._word_matrix @ word_query.T).toarray().ravel()
        similarity += (1.0 - weight) * (self._char_matrix @ char_query.T).toarray().ravel()
        article_count = len(self.articles)
        whole_text = similarity[:article_count]
        best_question = np.zeros(article_count)
        np.maximum.at(best_question, self._owners, similarity[article_count:])
        question_weight = self.tuning.question_weight
        return question_weight * best_question + (1.0 - question_weight) * whole_text


def _documents(articles: list[Article]) -> list[str]:
    """One row per article (whole text) followed by one row per title or sample question."""
    whole = [" ".join((a.title, *a.questions, a.body)).lower() for a in articles]
    return whole + [question.lower() for _, question in _question_owners(articles)]


def _question_owners(articles: list[Article]) -> list[tuple[int, str]]:
    return [(index, question) for index, article in enumerate(articles)
            for question in (article.title, *article.questions)]
