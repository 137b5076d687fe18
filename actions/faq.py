"""Answers from the help articles: quoted with title and reference when retrieval is confident,
suggestions or an offer of a person when it is not. It never guesses."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import services
from actions.empathy import Empathy
from knowledge_base.faq import Article, FaqAnswer, FaqIndex
from knowledge_base.faq.chat_text import to_chat_text

# Questions about a problem get the article and, with it, the offer of a person.
_PROBLEM_INTENTS = frozenset({"payment_issue", "delivery_problem", "warranty"})


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


def answer_from_articles(faq: FaqIndex, dispatcher: CollectingDispatcher, text: str, intent: str | None) -> bool:
    """Utters the best article, or suggestions, or says it doesn't know. True when it answered."""
    found = utter_confident_article(faq, dispatcher, text, intent)
    if found.confident:
        return True
    if found.suggestions:
        titles = "\n".join(f"- {article.title}" for article in found.suggestions)
        dispatcher.utter_message(response="utter_faq_suggestions", titles=titles)
        return False
    dispatcher.utter_message(response="utter_faq_unknown")
    return False


class ActionAnswerFaq(Action):
    def name(self) -> str:
        return "action_answer_faq"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        shop = services.current()
        intent = tracker.get_intent_of_latest_message()
        with Empathy(dispatcher, [tracker.latest_message], shop.annoyed_threshold):
            answered = answer_from_articles(shop.faq, dispatcher, tracker.latest_message.get("text") or "", intent)
            if answered and intent in _PROBLEM_INTENTS:
                dispatcher.utter_message(response="utter_offer_human")
        return []
