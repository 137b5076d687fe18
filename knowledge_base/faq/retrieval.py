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
(canonical stems and bigrams, see ``lexicon``) and a character (3-5 gram, robust to
typos) cosine similarity. The score is damped by the share of the query's words the
articles never use, and when the caller passes the NLU intent, articles listed for that
intent get a multiplicative boost. Thresholds and weights were chosen with
``bench/faq.py``; its docstring gives the measurements.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from knowledge_base.faq.articles import Article
from knowledge_base.faq.lexicon import analyze
from knowledge_base.faq.query_text import clean_query

MAX_SUGGESTIONS = 3
# Rankings kept per (query, intent): the index never changes once built, so a kept ranking is the
# one computing it again would give. One shopper turn ranks the same text two to four times (the
# promo check, the answer, the other parts of the message) and shoppers ask the same questions
# in the same words (and the starter buttons send fixed texts); a ranking costs ~4.6 ms
# (scikit-learn's two transforms and the products, cProfile), a kept one a dictionary lookup.
RANKINGS_KEPT = 1024


@dataclass(frozen=True, slots=True)
class RetrievalTuning:
    """Chosen with bench/faq.py (see its docstring); change them only with a new measurement."""

    confident: float = 0.28
    margin: float = 0.04
    suggest: float = 0.16
    intent_boost: float = 0.25
    question_weight: float = 0.3
    word_weight: float = 0.5
    coverage_exponent: float = 0.5


@dataclass(frozen=True, slots=True)
class FaqAnswer:
    article: Article | None
    score: float
    confident: bool
    suggestions: list[Article] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Ranking:
    scored: tuple[tuple[Article, float], ...]  # a tuple: one ranking may be handed out many times
    knows_a_word: bool


def decide(ranking: Ranking, tuning: RetrievalTuning) -> FaqAnswer:
    """Apply the answer policy of this module's docstring to a ranking."""
    if not ranking.scored:
        return FaqAnswer(article=None, score=0.0, confident=False)
    best, best_score = ranking.scored[0]
    runner_up = ranking.scored[1][1] if len(ranking.scored) > 1 else 0.0
    if ranking.knows_a_word and best_score >= tuning.confident and best_score - runner_up >= tuning.margin:
        return FaqAnswer(article=best, score=best_score, confident=True)
    suggestions = [article for article, score in ranking.scored[:MAX_SUGGESTIONS] if score >= tuning.suggest]
    return FaqAnswer(article=None, score=best_score, confident=False, suggestions=suggestions)


class FaqIndex:
    """Use ``FaqIndex.build``; the constructor takes vectorizers already fitted on the articles."""

    def __init__(self, articles: list[Article], tuning: RetrievalTuning, word: TfidfVectorizer,
                 char: TfidfVectorizer) -> None:
        self.articles = articles
        self.tuning = tuning
        self._word = word
        self._char = char
        self._owners = np.array([index for index, _ in _question_owners(articles)])
        documents = _documents(articles)
        self._word_matrix = word.transform(documents)
        self._char_matrix = char.transform(documents)
        self._rankings: OrderedDict[tuple[str, str | None], Ranking] = OrderedDict()

    @classmethod
    def build(cls, articles: list[Article], tuning: RetrievalTuning | None = None) -> FaqIndex:
        if not articles:
            raise ValueError("cannot build an FAQ index without articles")
        documents = _documents(articles)
        word = TfidfVectorizer(analyzer=analyze, sublinear_tf=True)
        char = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)
        word.fit(documents)
        char.fit(documents)
        return cls(articles, tuning or RetrievalTuning(), word, char)

    def answer(self, query: str, intent: str | None = None) -> FaqAnswer:
        return decide(self.rank(query, intent), self.tuning)

    def rank(self, query: str, intent: str | None = None) -> Ranking:
        """Every article with its score, best first; ``decide`` turns it into an answer."""
        text = clean_query(query)
        if not text:
            return Ranking(scored=(), knows_a_word=False)
        key = (text, intent)
        kept = self._rankings.get(key)
        if kept is not None:
            self._rankings.move_to_end(key)
            return kept
        ranking = self._rank(text, intent)
        self._rankings[key] = ranking
        while len(self._rankings) > RANKINGS_KEPT:
            self._rankings.popitem(last=False)
        return ranking

    def _rank(self, text: str, intent: str | None) -> Ranking:
        word_query = self._word.transform([text])
        scores = self._scores(word_query, self._char.transform([text])) * self._coverage(text)
        if intent:
            boost = np.array([1.0 + self.tuning.intent_boost if intent in a.intents else 1.0 for a in self.articles])
            scores = np.minimum(scores * boost, 1.0)
        order = np.argsort(-scores, kind="stable")
        return Ranking(scored=tuple((self.articles[i], float(scores[i])) for i in order), knows_a_word=word_query.nnz > 0)

    def _coverage(self, text: str) -> float:
        """Share of the query's words the articles use, damped: "what does unsavory mean" is
        half about something the knowledge base never mentions, so its match counts less."""
        words = [term for term in analyze(text) if " " not in term]
        if not words:
            return 0.0
        known = sum(word in self._word.vocabulary_ for word in words)
        return (known / len(words)) ** self.tuning.coverage_exponent

    def _scores(self, word_query: Any, char_query: Any) -> np.ndarray:
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
