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
# Words around a topic that say nothing about it ("a delivery question", "info about returns").
_EMPTY_WORDS = frozenset("""
question questions query queries info information help about regarding concerning inquiry enquiry thing things
stuff topic have quick
""".split())
# Words in front of a question that say nothing about it ("never mind, do you take paypal?",
# "hi, actually ..."): left out when the articles are searched, so they do not dilute the match.
_PREAMBLE = re.compile(
    r"^\s*(?:(?:hi|hello|hey|ok(?:ay)?|oh|ah|hmm+|well|so|sorry|actually|no wait|wait|never ?mind|forget (?:it|that)"
    r"|one more thing|quick question|btw|by the way|also|thanks|cool)\b[\s,.!:;-]*)+", re.IGNORECASE)
# A button's payload ("/delivery_options") names an intent and holds no words to search with.
_PAYLOAD = re.compile(r"^\s*/(?P<intent>\w+)(?:\{.*\})?\s*$", re.S)
# What a button naming a topic answers: the articles of its overview, in order. A topic without
# one gets its articles as options.
OVERVIEWS = {
    "delivery_options": ("shipping-costs", "shipping-times"),
    "payment_methods": ("payment-methods",),
    "warranty": ("warranty",),
}


def best_answer(faq: FaqIndex, text: str, intent: str | None) -> FaqAnswer:
    """The index's answer, except that a topic of a word or two gets options when its best
    article is not far ahead of the next one (a menu, not one lone option)."""
    text = topic_words(without_preamble(text))
    found = faq.answer(text, intent=intent)
    vague = len(_WORD.findall(text.lower())) <= VAGUE_WORDS
    if not vague or (not found.confident and len(found.suggestions) != 1):
        return found
    scored = faq.rank(text, intent).scored
    if found.confident and len(scored) > 1 and scored[0][1] - scored[1][1] >= VAGUE_MARGIN:
        return found
    options = [article for article, score in scored[:MAX_SUGGESTIONS] if score >= faq.tuning.suggest]
    if len(options) == 1:
        # "delivery question": the other articles of the one topic that matched, to pick from.
        kin = [article for article, _ in scored[1:] if set(article.intents) & set(options[0].intents)]
        options += kin[: MAX_SUGGESTIONS - 1]
    return FaqAnswer(article=None, score=found.score, confident=False, suggestions=options)


def topic_words(text: str) -> str:
    """A short message without the words that name no topic ("delivery question" -> "delivery")."""
    words = _WORD.findall(text.lower())
    kept = [word for word in words if word not in _EMPTY_WORDS]
    if not kept or len(kept) == len(words) or len(kept) > VAGUE_WORDS:
        return text
    return " ".join(kept)


def without_preamble(text: str) -> str:
    """The question without the words in front of it that say nothing about it (all of it
    when nothing else is left)."""
    rest = _PREAMBLE.sub("", text or "", count=1)
    return rest if rest.strip() else text


def payload_intent(text: str) -> str | None:
    """The intent a button's payload names ("/delivery_options"), None for words."""
    match = _PAYLOAD.match(text or "")
    return match["intent"] if match else None


def topic_articles(faq: FaqIndex, intent: str) -> tuple[list[Article], bool]:
    """The articles a button for `intent` answers: its overview (True), or else the articles
    of that intent to pick from (False)."""
    by_id = {article.id: article for article in faq.articles}
    overview = [by_id[i] for i in OVERVIEWS.get(intent, ()) if i in by_id]
    if overview:
        return overview, True
    return [article for article in faq.articles if intent in article.intents][:MAX_SUGGESTIONS], False


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
    return _quoted(events, turns_back=0)


def quoted_last_turn(events: Sequence[Mapping[str, Any]]) -> set[str]:
    """The help articles the bot quoted in answer to the shopper's message before the latest."""
    return _quoted(events, turns_back=1)


def _quoted(events: Sequence[Mapping[str, Any]], turns_back: int) -> set[str]:
    quoted: set[str] = set()
    users = 0
    for event in reversed(events):
        if event.get("event") == "user":
            users += 1
            if users > turns_back:
                break
            continue
        if users < turns_back:
            continue
        metadata = event.get("metadata") or {}
        if event.get("event") == "bot" and metadata.get("utter_action") == "utter_faq_answer":
            quoted.add(str(metadata.get("article_id")))
    return quoted
