"""FAQ retrieval against the shipped articles: clear questions get their article, the rest
gets suggestions or nothing, and no input makes it raise or guess."""

from __future__ import annotations

import pytest

from knowledge_base.faq import Article, FaqIndex, FaqSettings, load_articles, retrieval
from knowledge_base.faq.query_text import MAX_QUERY_CHARS, clean_query


@pytest.fixture(scope="module")
def index() -> FaqIndex:
    return FaqIndex.build(load_articles(FaqSettings().articles_dir))


@pytest.mark.parametrize(
    ("query", "intent", "article_id"),
    [
        ("how long does delivery to austria take", None, "shipping-times"),
        ("where do i get a return label", "return_item", "how-to-return"),
        ("i forgot my password", None, "password-reset"),
        ("do you accept paypal", "payment_methods", "paypal"),
        ("my parcel arrived damaged", None, "damaged-parcel"),
        ("can i pay in instalments with klarna", None, "klarna-instalments"),
        ("how do i delete my account", "account_help", "delete-account"),
        ("can I pick up my order at your store?", None, "store-pickup"),
    ],
)
def test_clear_questions_get_their_article_confidently(index: FaqIndex, query: str, intent: str | None,
                                                       article_id: str) -> None:
    answer = index.answer(query, intent=intent)

    assert answer.confident
    assert answer.article is not None and answer.article.id == article_id
    assert answer.suggestions == []


@pytest.mark.parametrize(
    "query",
    ["what's the weather like tomorrow", "tell me a joke", "who won the football last night",
     "what is the capital of australia", "asdkjh qwpoeiru zxmcnv", "Wie lange dauert der Versand nach Wien?",
     "¿Cuánto tarda el envío?", "配送にはどのくらいかかりますか"],
)
def test_irrelevant_gibberish_and_foreign_queries_are_not_confident(index: FaqIndex, query: str) -> None:
    answer = index.answer(query)

    assert not answer.confident
    assert answer.article is None


def test_a_weak_match_offers_suggestions_without_an_answer(index: FaqIndex) -> None:
    answer = index.answer("money")

    assert not answer.confident and answer.article is None
    assert 1 <= len(answer.suggestions) <= 3
    assert all(isinstance(article, Article) for article in answer.suggestions)


def test_the_intent_prior_favours_articles_listed_for_that_intent(index: FaqIndex) -> None:
    plain = {a.id: score for a, score in index.rank("refund for my order").scored}
    boosted = {a.id: score for a, score in index.rank("refund for my order", intent="refund_status").scored}

    assert boosted["refund-timing"] > plain["refund-timing"]
    assert boosted["shipping-times"] == plain["shipping-times"]


@pytest.mark.parametrize(
    "query",
    ["", "   \n\t ", "!!!???", None, 42, b"\xff\xfe\x00binary", "\x00\x01\x02\x1b[31m", "\ufffd" * 50,
     "<script>alert('refund')</script>", "<b></b><i></i>", "a" * 1_000_000, "shipping " * 100_000],
)
def test_bad_input_never_raises_and_is_never_confident_nonsense(index: FaqIndex, query: object) -> None:
    answer = index.answer(query)  # type: ignore[arg-type]

    assert not (answer.confident and answer.article is None)
    assert 0.0 <= answer.score <= 1.0
    assert len(answer.suggestions) <= 3
    if query != "shipping " * 100_000:
        assert not answer.confident


def test_html_is_read_as_its_text(index: FaqIndex) -> None:
    answer = index.answer("<p>how do I <b>reset</b> my password?</p><script>steal()</script>")

    assert answer.confident and answer.article is not None and answer.article.id == "password-reset"


def test_clean_query_strips_markup_and_caps_length() -> None:
    assert clean_query("<div>Where is &amp; my <b>PARCEL</b></div>") == "where is & my parcel"
    assert clean_query("<script>var x = 1;</script>hello") == "hello"
    assert len(clean_query("x" * 100_000)) == MAX_QUERY_CHARS
    assert clean_query(None) == "" and clean_query("\x00\x07") == ""


def test_a_kept_ranking_is_the_one_a_fresh_index_computes(index: FaqIndex) -> None:
    questions = [("how long does delivery to austria take", None), ("do you accept paypal", "payment_methods"),
                 ("do you accept paypal", None), ("<b>where</b> is my parcel", "order_status")]
    first = [index.rank(query, intent) for query, intent in questions]
    again = [index.rank(query, intent) for query, intent in questions]
    fresh = FaqIndex.build(load_articles(FaqSettings().articles_dir))
    computed = [fresh.rank(query, intent) for query, intent in questions]
    assert all(a is b for a, b in zip(first, again))  # kept, not computed again
    assert [[(a.id, s) for a, s in r.scored] for r in again] == [[(a.id, s) for a, s in r.scored] for r in computed]
    assert [r.knows_a_word for r in again] == [r.knows_a_word for r in computed]
    assert first[1].scored != first[2].scored  # the intent is part of what is kept


def test_rankings_kept_are_bounded(index: FaqIndex, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(retrieval, "RANKINGS_KEPT", 3)
    oldest = index.rank("question number 0 about shipping")
    for number in range(1, 6):
        index.rank(f"question number {number} about shipping")
    assert index.rank("question number 0 about shipping") is not oldest
    assert index.rank("question number 5 about shipping") is index.rank("question number 5 about shipping")


def test_building_an_index_needs_articles() -> None:
    with pytest.raises(ValueError, match="without articles"):
        FaqIndex.build([])
