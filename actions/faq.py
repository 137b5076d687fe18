"""Answers from the help articles: quoted with title and reference when retrieval is confident;
when it is not, the likely articles as options (buttons and numbers), or a plain question when
there is one. It never guesses, never offers the same options twice, and after "none of these"
and one more miss it brings in a person."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import services
from actions.articles import (
    FAQ_ACTION,
    best_answer,
    offer_articles,
    payload_intent,
    quoted_last_turn,
    topic_articles,
    utter_article,
)
from actions.clarify import Choice, done, offer_options, pending
from actions.empathy import Empathy
from actions.handoff import hand_off
from actions.parts import answer_other_parts, answer_parts
from actions.products import answer_promo_question, find_promo, shopper_tier
from knowledge_base.faq import Article, FaqIndex
from knowledge_base.faq.retrieval import MAX_SUGGESTIONS
from knowledge_base.shop.destinations import unserved_destination

# Questions about a problem get the article and, with it, the offer of a person.
_PROBLEM_INTENTS = frozenset({"payment_issue", "delivery_problem", "warranty"})
# A message NLU could not place gets options only when they match it this well (gibberish and
# chit-chat rarely do); set with the conversation benchmark.
FALLBACK_SUGGEST = 0.22


# After "none of these" the shopper said it again in other words: the best article answers when
# it leads the next one by this much (retrieval's own margin is 0.04), even below retrieval's
# confidence bar.
REPHRASE_LEAD = 0.1


def rephrased_answer(faq: FaqIndex, text: str, intent: str | None, skip: Collection[str] = ()) -> Article | None:
    """The article clearly ahead of the others (leaving out `skip`), if one is."""
    scored = [(article, score) for article, score in faq.rank(text, intent).scored if article.id not in skip]
    if not scored or scored[0][1] < faq.tuning.suggest:
        return None
    runner_up = scored[1][1] if len(scored) > 1 else 0.0
    return scored[0][0] if scored[0][1] - runner_up >= REPHRASE_LEAD else None


def _dispute(article: Article, intent: str | None) -> bool:
    return bool(article.hand_off) and intent in article.intents


class ActionAnswerFaq(Action):
    def name(self) -> str:
        return FAQ_ACTION

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        shop = services.current()
        choice = Choice.of(tracker)
        if choice is not None:
            return self._answer_choice(shop.faq, dispatcher, tracker, choice) + done()
        text = tracker.latest_message.get("text") or ""
        earlier = tracker.get_slot("follow_up")
        query = f"{earlier} {text}" if earlier else text
        intent = None if earlier else tracker.get_intent_of_latest_message()
        events: list[EventType] = [SlotSet("follow_up", None)]
        if tracker.get_slot("topic_missing"):
            # "What about the fees?" with nothing before it: which topic, never a guess.
            return [*events, SlotSet("topic_missing", None), *offer_topics(shop.faq, dispatcher, text)]
        topic = payload_intent(text)
        if topic is not None:
            # A starter button ("Shipping costs and times"): its overview, or its articles to pick.
            articles, overview = topic_articles(shop.faq, topic)
            if overview:
                return events + self._quote(dispatcher, tracker, articles, topic)
            if articles:
                return events + offer_articles(dispatcher, articles) + [SlotSet("last_options", [a.id for a in articles])]
        country = unserved_destination(query)
        if country is not None:
            dispatcher.utter_message(response="utter_no_shipping_to", country=country)
            return events
        if find_promo(shop, text)[1] is not None:
            # A code the shop knows, asked about in other words ("does FREESHIP work over 50?").
            return events + answer_promo_question(shop, dispatcher, text, shopper_tier(shop, tracker))
        found = best_answer(shop.faq, query, intent)
        if earlier and not found.confident:
            # A follow-up on the same topic asks for something the last answer did not say
            # ("how much is shipping to Italy?" ... "and how long does it take?").
            leader = rephrased_answer(shop.faq, query, intent, skip=quoted_last_turn(tracker.events))
            if leader is not None:
                return events + self._quote(dispatcher, tracker, [leader], intent)
        if not found.confident and found.suggestions and _dispute(found.suggestions[0], intent):
            # A payment dispute is for a person anyway: explain and hand over, no menu first.
            return events + self._quote(dispatcher, tracker, [found.suggestions[0]], intent)
        if found.confident and found.article is not None:
            if found.article.hand_off:
                return events + self._quote(dispatcher, tracker, [found.article], intent)
            with Empathy(dispatcher, [tracker.latest_message], shop.annoyed_threshold):
                return events + self._quote(dispatcher, tracker, [found.article], intent)
        if not earlier and answer_parts(shop, dispatcher, tracker):
            # Two questions that match nothing well together ("gift wrapping, and klarna?"):
            # each part answered on its own.
            return [*events, SlotSet("clarify_declined", None), SlotSet("last_options", None)]
        if tracker.get_slot("clarify_declined"):
            # The one more try after "none of these": an article clearly ahead of the others is
            # the answer (also one of the titles offered: the shopper may not have recognised
            # it); otherwise a person.
            clear = rephrased_answer(shop.faq, query, intent)
            if clear is not None:
                return events + self._quote(dispatcher, tracker, [clear], intent)
            return events + hand_off(dispatcher, tracker, ["repeated_fallback"])
        offered = [a.id for a in found.suggestions]
        last = tracker.get_slot("last_options") or []
        if found.suggestions and not same_options(offered, last):
            return events + offer_articles(dispatcher, found.suggestions) + [SlotSet("last_options", offered)]
        if earlier and last:
            # A reply to the menu that narrows nothing ("hmm"): the menu stands, not asked again.
            return events + ask_again_which(shop.faq, dispatcher, last)
        dispatcher.utter_message(response="utter_faq_unknown")
        return events

    def _answer_choice(self, faq: FaqIndex, dispatcher: CollectingDispatcher, tracker: Tracker,
                       choice: Choice) -> list[EventType]:
        articles = [a for a in faq.articles if a.id in choice.chosen]
        if articles:
            # Picked instead of giving an order number: the order form that asked for one ends.
            ended = [ActiveLoop(None), SlotSet("requested_slot", None)] if tracker.active_loop.get("name") else []
            return ended + self._quote(dispatcher, tracker, articles, None)
        if choice.yes:
            dispatcher.utter_message(response="utter_clarify_which")
            return []
        dispatcher.utter_message(response="utter_clarify_rephrase")
        return [SlotSet("clarify_declined", True)]

    def _quote(self, dispatcher: CollectingDispatcher, tracker: Tracker, articles: Sequence[Article],
               intent: str | None) -> list[EventType]:
        for article in articles:
            utter_article(dispatcher, article)
        events: list[EventType] = [SlotSet("clarify_declined", None), SlotSet("last_options", None)]
        reason = next((article.hand_off for article in articles if article.hand_off), None)
        if reason:
            return events + hand_off(dispatcher, tracker, [reason])
        answer_other_parts(services.current(), dispatcher, tracker, quoted={a.id for a in articles})
        if intent in _PROBLEM_INTENTS:
            dispatcher.utter_message(response="utter_offer_human")
        return events


class ActionClarifyFallback(Action):
    """A message NLU is unsure about: the help articles it may be about, as options, when they
    match it well enough; otherwise a request to say it another way."""

    def name(self) -> str:
        return "action_clarify_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        shop = services.current()
        faq = shop.faq
        text = tracker.latest_message.get("text") or ""
        if find_promo(shop, text)[1] is not None:
            # "is FLASH5 broken?": NLU missed it, but the shop knows the code.
            return answer_promo_question(shop, dispatcher, text, shopper_tier(shop, tracker))
        found = best_answer(faq, text, None)
        offered = [a.id for a in found.suggestions]
        if found.suggestions and found.score >= FALLBACK_SUGGEST and not tracker.get_slot("last_options"):
            return [*offer_articles(dispatcher, found.suggestions), SlotSet("last_options", offered)]
        if answer_parts(shop, dispatcher, tracker):
            return []
        dispatcher.utter_message(response="utter_please_rephrase")
        return []


def same_options(offered: Sequence[str], last: Sequence[str] | None) -> bool:
    """The same menu as the one just offered, in whatever order: never asked twice."""
    return bool(offered) and set(offered) == set(last or ())


def ask_again_which(faq: FaqIndex, dispatcher: CollectingDispatcher, last: Sequence[str]) -> list[EventType]:
    """The options offered still stand: ask which (by tap, number or words), without the menu again."""
    by_id = {article.id: article for article in faq.articles}
    options = [(i, by_id[i].title) for i in last if i in by_id]
    dispatcher.utter_message(response="utter_clarify_which")
    return [pending(FAQ_ACTION, "articles", options)] if len(options) > 1 else []


# A menu for a question that leans on nothing: the articles its words point to, else these.
GENERAL_TOPICS = ("shipping-costs", "returns-policy", "payment-methods")


def offer_topics(faq: FaqIndex, dispatcher: CollectingDispatcher, text: str) -> list[EventType]:
    scored = faq.rank(text, None).scored
    likely = [article for article, score in scored[:MAX_SUGGESTIONS] if score >= faq.tuning.suggest]
    if len(likely) < 2:
        by_id = {article.id: article for article in faq.articles}
        likely = [by_id[i] for i in GENERAL_TOPICS if i in by_id]
    options = [(article.id, article.title) for article in likely]
    return [*offer_options(dispatcher, FAQ_ACTION, "articles", options, "utter_ask_topic"),
            SlotSet("last_options", [i for i, _ in options])]
