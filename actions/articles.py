"""Quoting help articles in the chat, and offering the likely ones when none is certain."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.clarify import offer_options, offer_yes_no
from knowledge_base.faq import Article, FaqAnswer, FaqIndex
from knowledge_base.faq.chat_text import to_chat_text
from knowledge_base.faq.retrieval import MAX_SUGGESTIONS

FAQ_ACTION = "action_answer_faq"
# A message of one or two words ("card", "delivery") names a topic, not a question: unless one
# article is far ahead, the shopper picks. Measured on the conversation benchmark.
VAGUE_WORDS = 2
VAGUE_MARGIN = 0.1
_WORD = re.compile(r"[a-z]{3,}")


def best_answer(faq: FaqIndex, text: str, intent: str | None) -> FaqAnswer:
    """The index's answer, except that a topic of a word or two gets options when its best
    article is not far ahead of the next one."""
    found = faq.answer(text, intent=intent)
    if not found.confident or len(_WORD.findall(text.lower())) > VAGUE_WORDS:
        return found
    scored = faq.rank(text, intent).scored
    if len(scored) > 1 and scored[0][1] - scored[1][1] >= VAGUE_MARGIN:
        return found
    options = [article for article, score in scored[:MAX_SUGGESTIONS] if score >= faq.tuning.suggest]
    return FaqAnswer(article=None, score=found.score, confident=False, suggestions=options)


def utter_article(dispatcher: CollectingDispatcher, article: Article) -> None:
    dispatcher.utter_message(response="utter_faq_answer", answer=to_chat_text(article.body),
                             title=article.title, article_id=article.id)


def utter_confident_article(faq: FaqIndex, dispatcher: CollectingDispatcher, text: str,
                            intent: str | None) -> FaqAnswer:
    """Quotes the article retrieval is confident about, if any; says nothing otherwise."""
    found = faq.answer(text, intent=intent)
    if found.confident and found.article is not None:
        utter_article(dispatcher, found.article)
    return found


def answer_from_articles(faq: FaqIndex, dispatcher: CollectingDispatcher, text: str,
                         intent: str | None) -> tuple[bool, list[EventType]]:
    """Utters the best article, or the likely ones as options, or says it doesn't know.
    True when it answered; the events remember the options offered."""
    found = utter_confident_article(faq, dispatcher, text, intent)
    if found.confident:
        return True, []
    if found.suggestions:
        return False, offer_articles(dispatcher, found.suggestions)
    dispatcher.utter_message(response="utter_faq_unknown")
    return False, []


def offer_articles(dispatcher: CollectingDispatcher, articles: Sequence[Article]) -> list[EventType]:
    """A menu of the articles; one article is a yes/no question instead."""
    options = [(article.id, article.title) for article in articles]
    if len(options) == 1:
        return offer_yes_no(dispatcher, FAQ_ACTION, options[0], "utter_faq_one_option", title=options[0][1])
    return offer_options(dispatcher, FAQ_ACTION, "articles", options, "utter_faq_suggestions")


def quoted_this_turn(events: Sequence[Mapping[str, Any]]) -> set[str]:
    """The help articles the bot already quoted since the shopper's latest message (a question
    asked in the middle of a form is answered before the form asks again)."""
    quoted: set[str] = set()
    for event in reversed(events):
        if event.get("event") == "user":
            break
        metadata = event.get("metadata") or {}
        if event.get("event") == "bot" and metadata.get("utter_action") == "utter_faq_answer":
            quoted.add(str(metadata.get("article_id")))
    return quoted
