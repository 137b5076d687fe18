"""Conversation memory: understanding answers to the bot's options (bot/choices.py), splitting a
message into its requests (bot/segments.py), where a context-dependent message goes
(bot/dialogue_rules.py), and the Rasa policy around it on real trackers."""

from pathlib import Path
from typing import Any

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.choices import Option, resolve
from bot.dialogue_policy import DialoguePolicy, answers_pending_question
from bot.dialogue_rules import (
    Message,
    Moment,
    Pending,
    Route,
    leans_on_context,
    mentioned_tasks,
    route,
    switch_target,
)
from bot.escalation_rules import Turn, asks_for_person, decide, only_a_mood
from bot.segments import primary_intent, split_requests

ARTICLES = (Option("express-delivery", "Can I get express delivery?"),
            Option("shipping-costs", "How much does shipping cost?"),
            Option("shipping-times", "How long does delivery take?"))
TASKS = frozenset({"order_status", "return_item"})


@pytest.mark.parametrize(("text", "chosen"), [
    ("2", ("shipping-costs",)), ("the last one", ("shipping-times",)), ("the first one", ("express-delivery",)),
    ("option 3", ("shipping-times",)), ("How much does shipping cost?", ("shipping-costs",)),
    ("express", ("express-delivery",)), ("both the cost and how long it takes", ARTICLES and
                                         ("express-delivery", "shipping-costs", "shipping-times")),
])
def test_answers_to_options(text: str, chosen: tuple[str, ...]) -> None:
    assert resolve(text, ARTICLES).chosen == chosen


def test_none_yes_and_no() -> None:
    assert resolve("none of these", ARTICLES).none and resolve("neither", ARTICLES).none
    one = (Option("charged-twice", "I was charged twice"),)
    assert resolve("yes please", one).chosen == ("charged-twice",)
    assert resolve("yes", ARTICLES).yes and not resolve("yes", ARTICLES).chosen
    assert resolve("no thanks", one).no
    assert not resolve("where is my order 10002", ARTICLES).understood


def test_a_message_splits_where_a_new_request_starts() -> None:
    assert split_requests("how much is shipping to Spain and how long does it take?") == [
        "how much is shipping to Spain", "how long does it take?"]
    assert split_requests("where is my order 10002? also do you take klarna?") == [
        "where is my order 10002?", "also do you take klarna?"]
    assert split_requests("my parcel never came and I want to speak to a human now") == [
        "my parcel never came", "I want to speak to a human now"]
    assert split_requests("cancel and refund my order") == ["cancel and refund my order"]
    assert split_requests("yes and thanks") == ["yes and thanks"]


def test_an_order_task_in_one_part_comes_first() -> None:
    assert primary_intent(("payment_methods", 0.7), [("payment_methods", 0.8), ("order_status", 0.9)], TASKS) == (
        "order_status", 0.9)
    assert primary_intent(("order_status", 0.6), [("payment_methods", 0.9)], TASKS) == ("order_status", 0.6)
    assert primary_intent(("delivery_options", 0.8), [("order_status", 0.4)], TASKS) == ("delivery_options", 0.8)


def test_a_request_for_a_person_inside_a_longer_message() -> None:
    assert asks_for_person("my parcel never came and I want to speak to a human now")
    assert asks_for_person("can you connect me with a real person")
    assert not asks_for_person("I don't want to talk to a person, just tell me where it is")
    latest = Turn("my parcel never came and I want a refund", "delivery_problem",
                  segments=(("delivery_problem", 0.8), ("request_human", 0.9)))
    decision = decide([latest])
    assert decision is not None and decision.reasons[0] == "explicit_request"


def test_a_bad_mood_alone_is_not_anger_to_hand_off() -> None:
    assert decide([Turn("this is so annoying", "out_of_scope", 0.4, anger=0.97, cues=("annoyance: annoying",))]) is None
    assert decide([Turn("ugh where is my order??", "order_status", anger=0.95,
                        cues=("punctuation: ??", "annoyance: ugh"))]) is None
    angry = decide([Turn("where the hell is my order", "order_status", anger=0.99, cues=("profanity: the hell",))])
    assert angry is not None and angry.reasons == ("anger",)


def test_an_answer_to_the_bots_question_is_no_fallback() -> None:
    earlier = Turn("gift", "product_info", bot_actions=("action_product_info",))
    assert decide([earlier, Turn("all of it", "nlu_fallback", 0.2, answers_question=True)], "vip") is None


def test_an_answer_to_the_bots_menu_is_no_anger() -> None:
    # "option 2" scores 0.51 on its own, without a single cue: it answers the menu.
    menu = Turn("returns", "return_item", bot_actions=("action_answer_faq",))
    assert decide([menu, Turn("option 2", "nlu_fallback", 0.3, anger=0.51, answers_question=True)]) is None
    assert decide([menu, Turn("option 2 you idiots", "nlu_fallback", 0.3, anger=0.8, cues=("insult: idiots",),
                              answers_question=True)]) is not None


def test_a_mood_filed_as_a_complaint_is_not_handed_off() -> None:
    assert decide([Turn("i'm so fed up with this", "complaint", 0.6, anger=0.93, cues=("annoyance: fed up",))]) is None
    formal = decide([Turn("I want to make a formal complaint", "complaint", 0.97, anger=0.4)])
    assert formal is not None and formal.reasons == ("complaint",)


def test_title_words_match_in_any_form_of_the_word() -> None:
    options = (Option("privacy-data", "What data do you keep, and how can I see it?"),
               Option("delete-account", "How do I delete my account and data?"))
    assert resolve("deleting it", options).chosen == ("delete-account",)
    assert resolve("the shipping one", ARTICLES).chosen == ("shipping-costs",)


def pending_articles() -> Pending:
    return Pending("action_answer_faq", ARTICLES, "articles")


def test_an_answer_goes_back_to_the_action_that_asked() -> None:
    found = route(Moment(Message("the second one", "nlu_fallback", 0.2), pending=pending_articles()))
    assert found is not None and found.actions == ("action_answer_faq",) and found.answers_question
    assert found.slots["choice"]["chosen"] == ["shipping-costs"]


def test_none_of_the_suggestions_gets_one_request_to_rephrase() -> None:
    found = route(Moment(Message("none of these", "deny"), pending=pending_articles()))
    assert found is not None and found.actions == ("utter_clarify_rephrase",)
    assert found.slots["clarify_declined"] is True
    retry = route(Moment(Message("do you sell my data", "out_of_scope", 0.6), clarify_declined=True))
    assert retry is not None and retry.actions == ("action_answer_faq",)
    # It answers the bot's "in other words?": the articles try once more, no fallback count;
    # the answer action hands off when they still find nothing.
    assert retry.answers_question


def test_a_new_request_is_no_answer_to_the_options() -> None:
    assert route(Moment(Message("where is my order 10002", "order_status", 0.95), pending=pending_articles())) is None


def test_changing_course_mid_task() -> None:
    switching = Moment(Message("no wait, don't cancel it, change the address instead", "cancel_order", 0.7),
                       active_loop="cancel_form", order_task="cancel")
    found = route(switching)
    assert found is not None and found.actions == ("action_switch_task", "order_form")
    assert found.slots == {"order_task": "change_address"}
    assert switch_target(Message("sorry I meant change the address, not cancel", "cancel_order"), "cancel") == \
        "change_address"
    assert switch_target(Message("10002", "order_status"), "cancel") is None
    assert mentioned_tasks("don't cancel it, return it") == ["return"]


def test_other_orders_and_follow_ups() -> None:
    other = route(Moment(Message("what about my other order?", "order_status", 0.6), verified=True, order_task="invoice"))
    assert other is not None and other.actions == ("order_form",) and other.slots["order_task"] == "invoice"
    follow = route(Moment(Message("and FREESHIP?", "nlu_fallback", 0.2), previous_answer="action_check_promo_code",
                          previous_text="is WELCOME10 still valid?"))
    assert follow is not None and follow.actions == ("action_check_promo_code",)
    assert follow.slots == {"follow_up": "is WELCOME10 still valid?"}
    assert route(Moment(Message("thanks", "thank_you", 0.95), previous_answer="action_check_promo_code")) is None



def test_title_words_pick_an_option_only_when_they_are_most_of_the_message() -> None:
    cards = (Option("gift-cards", "Gift cards"), Option("payment-methods", "Which payment methods do you accept?"))
    assert resolve("gift cards", cards).chosen == ("gift-cards",)
    assert not resolve("my card got declined", cards).understood


def test_a_few_unplaced_words_narrow_the_topic_of_the_menu() -> None:
    found = route(Moment(Message("wrapping", "nlu_fallback", 0.2), pending=pending_articles(), previous_text="gift"))
    assert found is not None and found.actions == ("action_answer_faq",) and found.answers_question
    assert found.slots["follow_up"] == "gift"
    # A request of its own is not narrowing anything.
    assert route(Moment(Message("my card got declined", "payment_issue", 0.9), pending=pending_articles())) is None


def test_leaving_a_task_for_a_question() -> None:
    found = route(Moment(Message("never mind, do you take paypal?", "payment_methods", 0.8), active_loop="order_form",
                         order_task="status"))
    assert found is not None and found.actions == ("action_deactivate_loop", "action_answer_faq")
    assert route(Moment(Message("do you take paypal?", "payment_methods", 0.8), active_loop="order_form")) is None


def test_the_same_task_for_another_order() -> None:
    found = route(Moment(Message("and for 10012?", "invoice_request", 0.5), verified=True, order_task="invoice"))
    assert found is not None and found.actions == ("order_form",) and found.slots == {"order_task": "invoice"}
    # Not verified yet: still about that order, the task at hand (the form asks who they are).
    unverified = route(Moment(Message("and for 10012?", "nlu_fallback", 0.2), order_task="invoice"))
    assert unverified is not None and unverified.slots == {"order_task": "invoice"}
    assert route(Moment(Message("and cancel 10012", "cancel_order", 0.95), verified=True, order_task="invoice")) is None


def test_an_order_number_nlu_could_not_place_is_about_that_order() -> None:
    found = route(Moment(Message("can you tell me where 10011 is", "out_of_scope", 0.57)))
    assert found is not None and found.actions == ("order_form",) and found.slots == {"order_task": "status"}
    assert route(Moment(Message("can you tell me where 10011 is", "order_status", 0.9))) is None
    assert route(Moment(Message("can you tell me where 10011 is", "out_of_scope", 0.6), active_loop="order_form")) is None


def test_a_follow_up_with_nothing_to_follow_asks_what_it_is_about() -> None:
    for text in ("what about the fees", "and how much is that?", "how much are they?", "and the price?"):
        found = route(Moment(Message(text, "nlu_fallback", 0.3)))
        assert found is not None and found.actions == ("action_answer_faq",), text
        assert found.slots == {"topic_missing": True} and found.answers_question
    # It names its own topic, or there is something before it to follow.
    for text in ("what about the delivery time to Italy?", "and FREESHIP?", "and to the UK?", "and for 10012?"):
        assert not leans_on_context(text), text
    after = Moment(Message("what about the fees", "nlu_fallback", 0.3), previous_answer="action_answer_faq",
                   previous_text="how much is shipping to spain")
    assert route(after) == Route(("action_answer_faq",), {"follow_up": "how much is shipping to spain"},
                                 "follow-up question")
    assert route(Moment(Message("and how much is that?", "product_info", 0.5), order_task="status", verified=True)) is None


def test_a_mood_is_no_complaint() -> None:
    fed_up = Message("i'm so fed up with this", "complaint", 0.6, cues=("annoyance: fed up",))
    found = route(Moment(fed_up))
    assert found is not None and found.actions == ("utter_ask_what_is_wrong",)
    formal = Message("I'm fed up and I want to make a complaint", "complaint", 0.9, cues=("annoyance: fed up",))
    assert route(Moment(formal)) is None
    assert only_a_mood("HONESTLY FED UP", ("annoyance: honestly", "shouting: HONESTLY FED UP"))
    assert not only_a_mood("fed up, you are useless", ("annoyance: fed up", "insult: useless"))


def test_a_follow_up_after_a_filler_word() -> None:
    follow = route(Moment(Message("ok and FREESHIP", "affirm", 0.6), previous_answer="action_check_promo_code",
                          previous_text="and WELCOME10?"))
    assert follow is not None and follow.actions == ("action_check_promo_code",)

DOMAIN = Domain.from_yaml("""
version: "3.1"
intents: [nlu_fallback, cancel_order, change_address]
slots:
  pending_choice: {type: any, influence_conversation: false, mappings: [{type: custom}]}
  choice: {type: any, influence_conversation: false, mappings: [{type: custom}]}
  order_task: {type: text, influence_conversation: false, mappings: [{type: custom}]}
responses:
  utter_clarify_rephrase: [{text: "other words?"}]
actions: [action_answer_faq, action_switch_task]
forms:
  order_form: {required_slots: []}
  cancel_form: {required_slots: []}
""")


def _policy(tmp_path: Path) -> DialoguePolicy:
    (tmp_path / "storage").mkdir(exist_ok=True)
    return DialoguePolicy(DialoguePolicy.get_default_config(), LocalModelStorage(tmp_path / "storage"),
                          Resource("dialogue"), ExecutionContext(GraphSchema({}), "test"))


def _predicted(prediction: Any) -> str | None:
    probabilities = prediction.probabilities
    best = max(range(len(probabilities)), key=probabilities.__getitem__)
    return DOMAIN.action_names_or_texts[best] if probabilities[best] > 0 else None


def test_the_policy_routes_an_answer_then_listens(tmp_path: Path) -> None:
    offered = {"action": "action_answer_faq", "kind": "articles",
               "options": [{"id": o.id, "title": o.title} for o in ARTICLES]}
    events: list[Any] = [ActionExecuted(ACTION_LISTEN_NAME), UserUttered("delivery", {"name": "nlu_fallback"}),
                         ActionExecuted("action_answer_faq"), SlotSet("pending_choice", offered),
                         ActionExecuted(ACTION_LISTEN_NAME), UserUttered("2", {"name": "nlu_fallback", "confidence": 0.1})]
    tracker = DialogueStateTracker.from_events("s", events, slots=DOMAIN.slots)
    assert answers_pending_question(tracker)
    first = _policy(tmp_path).predict_action_probabilities(tracker, DOMAIN)
    assert _predicted(first) == "action_answer_faq" and first.is_no_user_prediction
    assert {e.key: e.value for e in first.optional_events}["choice"]["chosen"] == ["shipping-costs"]
    tracker.update(ActionExecuted("action_answer_faq"))
    assert _predicted(_policy(tmp_path).predict_action_probabilities(tracker, DOMAIN)) == ACTION_LISTEN_NAME


def test_the_policy_switches_task_then_leaves_it_to_the_order_form(tmp_path: Path) -> None:
    events: list[Any] = [ActionExecuted(ACTION_LISTEN_NAME), SlotSet("order_task", "cancel"), ActiveLoop("cancel_form"),
                         ActionExecuted(ACTION_LISTEN_NAME),
                         UserUttered("no wait, change the address instead", {"name": "change_address", "confidence": 0.8})]
    tracker = DialogueStateTracker.from_events("s", events, slots=DOMAIN.slots)
    policy = _policy(tmp_path)
    assert _predicted(policy.predict_action_probabilities(tracker, DOMAIN)) == "action_switch_task"
    tracker.update(ActionExecuted("action_switch_task"))
    tracker.update(ActiveLoop(None))
    assert _predicted(policy.predict_action_probabilities(tracker, DOMAIN)) == "order_form"
    tracker.update(ActionExecuted("order_form"))
    assert _predicted(policy.predict_action_probabilities(tracker, DOMAIN)) is None
