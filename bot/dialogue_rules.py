"""Where a message goes when its meaning depends on the conversation: pure functions, no Rasa.

`bot.dialogue_policy` turns a tracker into a `Moment` and a `Route` into Rasa predictions. The
rules in data/rules/ map a message to its answer on its own; these cover what they cannot see:

- an answer to a question with options the bot just asked ("the first one", "both", "none of
  these", "yes") goes back to the action that asked (`pending_choice`);
- a different order task asked in the middle of one ("no wait, change the address instead")
  drops the old task and starts the new one;
- "my other order" lists the shopper's orders;
- an elliptical follow-up ("and FREESHIP?", "and to the UK?", "how much are they?") goes to the
  action that answered the previous question, with that question as context.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.choices import Option, resolve
from bot.escalation_rules import only_a_mood

# Order task of each intent (the order_task slot's values).
TASK_OF_INTENT = {
    "order_status": "status", "track_shipment": "track", "cancel_order": "cancel",
    "change_address": "change_address", "return_item": "return", "refund_status": "refund",
    "invoice_request": "invoice", "delivery_problem": "delivery_problem",
}
TASK_FORMS = frozenset({"order_form", "cancel_form", "address_form"})
ARTICLES = "articles"
ARTICLES_ACTION = "action_answer_faq"
MOOD_ACTION = "utter_ask_what_is_wrong"
_NO_REQUEST = frozenset({"out_of_scope", "nlu_fallback", "feedback_negative"})
REPHRASE_ACTION = "utter_clarify_rephrase"
# Actions that answer a question on their own, so a follow-up can go back to them.
FOLLOW_UP_ACTIONS = frozenset({"action_check_promo_code", "action_answer_faq", "action_product_info"})
# Intents a follow-up never overrides: they carry their own meaning whatever came before.
_OWN_MEANING = frozenset({"request_human", "complaint", "greet", "goodbye", "thank_you", "bot_challenge",
                          "feedback_negative", *TASK_OF_INTENT})

_SWITCH_CUE = re.compile(
    r"\b(?:instead|actually|rather|wait|hold on|hang on|never ?mind|forget (?:it|that|about it)|changed my mind"
    r"|on second thoughts?|i meant|sorry,? i meant|scratch that|not cancel|don'?t cancel|just)\b", re.IGNORECASE)
_NEGATION = r"(?:don'?t|do not|not|no need to|never|won'?t)\s+(?:\w+\s+){0,2}"
_TASK_WORDS: tuple[tuple[str, str], ...] = (
    ("change_address", r"\baddress\b|\bwhere it'?s (?:delivered|going)\b|\bdeliver(?:ed)? to\b|\bship(?:ped)? to a\b"),
    ("cancel", r"\bcancel\w*"),
    ("return", r"\breturn\w*|\bsend (?:it|them|\w+)? ?back\b"),
    ("track", r"\btrack\w*|\bwhere(?:'s| is)\b"),
    ("invoice", r"\binvoice\w*|\breceipt\b"),
    ("refund", r"\brefund\w*"),
)
# Words a shopper puts in front of a follow-up ("ok and FREESHIP", "hmm, what about the UK").
_FILLER = r"(?:(?:ok(?:ay)?|oh|ah|hmm+|right|great|thanks|cool|alright|so|well)[,.!]*\s+)*"
_ELLIPTICAL = re.compile(
    r"^\s*" + _FILLER + r"(?:and|what about|how about|also|plus|or)\b|^\s*" + _FILLER
    + r"(?:in|for|to)\s+\w+\s*\??\s*$", re.IGNORECASE)
_PRONOUN_QUESTION = re.compile(r"\b(?:it|they|them|those|these|that one|this one)\b", re.IGNORECASE)
_OTHER_ORDER = re.compile(
    r"\b(?:other|another|second|different|older|previous|rest of my|all my)\s+(?:\w+\s+)?orders?\b"
    r"|\bmy orders\b|\bthe other ones?\b", re.IGNORECASE)
_ORDER_NUMBER = re.compile(r"\b\d{5}\b")
# Letting the current task go without naming another ("never mind, do you take paypal?").
_DROP_CUE = re.compile(r"\b(?:never ?mind|forget (?:it|that|about it)|doesn'?t matter|no matter|skip (?:it|that)"
                       r"|leave it|not important)\b", re.IGNORECASE)
# The action answering a question of each intent on its own (as data/rules/ map them).
QUESTION_ACTIONS = {
    "delivery_options": ARTICLES_ACTION, "payment_methods": ARTICLES_ACTION, "payment_issue": ARTICLES_ACTION,
    "account_help": ARTICLES_ACTION, "warranty": ARTICLES_ACTION, "product_info": "action_product_info",
    "promo_code": "action_check_promo_code",
}
# Words that name no topic: what a follow-up says around the thing it leans on.
_NO_TOPIC_WORDS = frozenset("""
and or also plus what about how much many long is are was it its it's that this those these they them the a an
to for in of with so ok okay oh hmm well then there one ones cost costs price prices charge charges fee fees
again too do does can could you your i me my would will be please thanks right
""".split())
# An unplaced reply of a few words to a menu of articles narrows the topic ("gift" ... "wrapping").
REFINE_WORDS = 4


@dataclass(frozen=True)
class Message:
    text: str
    intent: str | None
    confidence: float = 1.0
    entities: tuple[str, ...] = ()
    # The anger scorer's cues ("annoyance: ugh", "threat: chargeback").
    cues: tuple[str, ...] = ()

    @property
    def only_a_mood(self) -> bool:
        """Annoyed words and stress marks, nothing hostile, no complaint ("ugh, this is so annoying")."""
        return only_a_mood(self.text, self.cues)


@dataclass(frozen=True)
class Pending:
    """A question with options the bot asked in its last turn, and the action that asked it."""

    action: str
    options: tuple[Option, ...]
    kind: str = "options"

    @classmethod
    def from_slot(cls, value: Any) -> Pending | None:
        if not isinstance(value, Mapping) or not value.get("action"):
            return None
        options = tuple(Option(str(o.get("id")), str(o.get("title") or "")) for o in value.get("options") or ()
                        if isinstance(o, Mapping) and o.get("id"))
        return cls(str(value["action"]), options, str(value.get("kind") or "options"))


@dataclass(frozen=True)
class Moment:
    """What the policy knows right after a shopper message."""

    latest: Message
    active_loop: str | None = None
    order_task: str | None = None
    verified: bool = False
    # The shopper said "none of these" to the bot's suggestions: the next message gets one more
    # try in the help articles, whatever NLU made of it.
    clarify_declined: bool = False
    pending: Pending | None = None
    # The action that answered the previous message, and that message's text.
    previous_answer: str | None = None
    previous_text: str = ""


@dataclass(frozen=True)
class Route:
    """Actions to run for the message, in order; then the bot listens (or a form takes over)."""

    actions: tuple[str, ...]
    slots: Mapping[str, Any] = field(default_factory=dict)
    why: str = ""
    # The message answers the bot's own question: no fallback, whatever NLU made of it.
    answers_question: bool = False


def route(moment: Moment, min_confidence: float = 0.5) -> Route | None:
    """Where the latest message goes, when the conversation changes its meaning; None otherwise."""
    latest = moment.latest
    if latest.intent == "request_human" and latest.confidence >= min_confidence:
        return None
    if latest.intent == "complaint" and latest.confidence >= min_confidence and not latest.only_a_mood:
        return None
    for decide in (_answer_to_pending, _change_of_course, _drop_for_question, _other_order, _same_task_new_order,
                   _rephrased, _follow_up, _no_context, _refined_topic, _mood_only, _bare_order_number):
        found = decide(moment, min_confidence)
        if found is not None:
            return found
    return None


def _answer_to_pending(moment: Moment, min_confidence: float) -> Route | None:
    pending = moment.pending
    if pending is None:
        return None
    latest = moment.latest
    answer = resolve(latest.text, pending.options)
    if not answer.understood and pending.kind == "offer" and latest.intent in ("affirm", "deny"):
        answer = resolve("yes" if latest.intent == "affirm" else "no", pending.options)
    if not answer.understood:
        return None
    if _new_task(moment, min_confidence) and not answer.chosen:
        return None
    if answer.none and pending.kind == ARTICLES:
        # One more try in the shopper's words; the next miss goes to a person.
        return Route((REPHRASE_ACTION,), {"choice": None, "pending_choice": None, "clarify_declined": True},
                     "none of the suggestions", answers_question=True)
    choice = {"chosen": list(answer.chosen), "none": answer.none, "yes": answer.yes, "no": answer.no}
    return Route((pending.action,), {"choice": choice, "pending_choice": None}, "answer to the bot's question",
                 answers_question=True)


def _refined_topic(moment: Moment, min_confidence: float) -> Route | None:
    """A few words NLU cannot place, said to the bot's menu of articles: they narrow the topic
    the menu was for ("gift", menu, "wrapping"), so the articles are asked again with both."""
    pending, latest = moment.pending, moment.latest
    if pending is None or pending.kind != ARTICLES or moment.active_loop is not None:
        return None
    if len(latest.text.split()) > REFINE_WORDS or _ORDER_NUMBER.search(latest.text):
        return None
    if latest.intent not in _NO_REQUEST and latest.confidence >= min_confidence:
        return None
    return Route((ARTICLES_ACTION,), {"follow_up": moment.previous_text, "pending_choice": None},
                 "narrows the topic of the menu", answers_question=True)


def _drop_for_question(moment: Moment, min_confidence: float) -> Route | None:
    """ "Never mind, do you take paypal?" in the middle of a task: the task ends, the question is answered."""
    latest = moment.latest
    if moment.active_loop not in TASK_FORMS or not _DROP_CUE.search(latest.text):
        return None
    answer = QUESTION_ACTIONS.get(latest.intent or "")
    if answer is None or latest.confidence < min_confidence:
        return None
    return Route(("action_deactivate_loop", answer), {}, "left the task for a question")


def _same_task_new_order(moment: Moment, min_confidence: float) -> Route | None:
    """ "And for 10012?" right after a task: the same task for the order it names."""
    latest = moment.latest
    if moment.active_loop is not None or moment.order_task is None or not moment.verified:
        return None
    if not _ORDER_NUMBER.search(latest.text) or not is_elliptical(latest.text):
        return None
    task = TASK_OF_INTENT.get(latest.intent or "")
    if task is not None and task != moment.order_task and latest.confidence >= 0.8:
        return None  # a task of its own ("and cancel 10012"): the rules start it
    return Route(("order_form",), {"order_task": moment.order_task}, "the same task for another order")


def _change_of_course(moment: Moment, min_confidence: float) -> Route | None:
    if moment.active_loop not in TASK_FORMS:
        return None
    target = switch_target(moment.latest, moment.order_task, min_confidence)
    if target is None:
        return None
    return Route(("action_switch_task", "order_form"), {"order_task": target}, f"switch to {target}")


def switch_target(latest: Message, current: str | None, min_confidence: float = 0.5) -> str | None:
    """The order task a message switches to in the middle of `current`, if it clearly does."""
    if not _SWITCH_CUE.search(latest.text):
        return None
    mentioned = [task for task in mentioned_tasks(latest.text) if task != current]
    if mentioned:
        return mentioned[0]
    task = TASK_OF_INTENT.get(latest.intent or "")
    if task and task != current and latest.confidence >= min_confidence:
        return task
    return None


def mentioned_tasks(text: str) -> list[str]:
    """Tasks a message asks for in words, without the ones it negates ("don't cancel it")."""
    found = []
    for task, pattern in _TASK_WORDS:
        for match in re.finditer(pattern, text, re.IGNORECASE):
            before = text[max(0, match.start() - 25): match.start()]
            if not re.search(_NEGATION + r"$", before, re.IGNORECASE):
                found.append((match.start(), task))
                break
    return [task for _, task in sorted(found)]


def _other_order(moment: Moment, min_confidence: float) -> Route | None:
    latest = moment.latest
    if not moment.verified or moment.active_loop is not None:
        return None
    if not _OTHER_ORDER.search(latest.text) or _ORDER_NUMBER.search(latest.text):
        return None
    task = TASK_OF_INTENT.get(latest.intent or "") if latest.confidence >= 0.8 else None
    return Route(("order_form",), {"order_id": None, "order_task": task or moment.order_task or "status"},
                 "the shopper's other orders")


def _rephrased(moment: Moment, min_confidence: float) -> Route | None:
    if not moment.clarify_declined or moment.active_loop is not None:
        return None
    if moment.latest.intent in _OWN_MEANING and moment.latest.confidence >= min_confidence:
        return None
    # It answers the bot's "in other words?": the articles get their one more try, not a fallback.
    return Route(("action_answer_faq",), {}, "rephrased after none of the suggestions", answers_question=True)


def _follow_up(moment: Moment, min_confidence: float) -> Route | None:
    latest = moment.latest
    if moment.active_loop is not None or moment.previous_answer not in FOLLOW_UP_ACTIONS:
        return None
    if not is_elliptical(latest.text):
        return None
    if latest.intent in _OWN_MEANING and latest.confidence >= 0.8:
        return None
    assert moment.previous_answer is not None
    return Route((moment.previous_answer,), {"follow_up": moment.previous_text}, "follow-up question")


def _no_context(moment: Moment, min_confidence: float) -> Route | None:
    """ "What about the fees?" with nothing before it to be about: the bot asks which topic,
    it does not guess one. A follow-up that names its topic ("what about delivery to Italy?")
    is a question of its own."""
    latest = moment.latest
    if moment.active_loop is not None or moment.pending is not None or moment.previous_answer is not None:
        return None
    if moment.order_task is not None or moment.verified or not leans_on_context(latest.text):
        return None
    if latest.intent in _OWN_MEANING and latest.confidence >= 0.8:
        return None
    return Route((ARTICLES_ACTION,), {"topic_missing": True}, "a follow-up with nothing to follow",
                 answers_question=True)


def leans_on_context(text: str) -> bool:
    """A follow-up that names nothing of its own: "and how much is that?", "what about the fees"."""
    if not is_elliptical(text) or _ORDER_NUMBER.search(text):
        return False
    return not [w for w in re.findall(r"[a-z0-9']+", text.lower()) if w not in _NO_TOPIC_WORDS]


def _bare_order_number(moment: Moment, min_confidence: float) -> Route | None:
    """An order number in a message NLU could not place ("can you tell me where 10011 is"): it is
    about that order, so the task at hand or else its status, never "that's outside what I can
    help with"."""
    latest = moment.latest
    if moment.active_loop is not None or not _ORDER_NUMBER.search(latest.text):
        return None
    if latest.intent not in _NO_REQUEST or latest.intent == "feedback_negative":
        return None
    task = moment.order_task or "status"
    return Route(("order_form",), {"order_task": task}, "an order number, nothing else understood")


def _mood_only(moment: Moment, min_confidence: float) -> Route | None:
    """A bad mood with no request in it gets a question, not "that's outside what I can do"."""
    latest = moment.latest
    if moment.active_loop is not None or not latest.only_a_mood:
        return None
    if latest.intent not in (*_NO_REQUEST, "complaint") and latest.confidence >= min_confidence:
        return None
    return Route((MOOD_ACTION,), {}, "annoyed, no request")


def is_elliptical(text: str) -> bool:
    """A short message that leans on the one before ("and FREESHIP?", "how much are they?")."""
    words = text.split()
    if not words or len(words) > 7:
        return False
    return bool(_ELLIPTICAL.search(text)) or (len(words) <= 5 and bool(_PRONOUN_QUESTION.search(text)))


def _new_task(moment: Moment, min_confidence: float) -> bool:
    latest = moment.latest
    return latest.intent in TASK_OF_INTENT and latest.confidence >= max(min_confidence, 0.8)


def steps_done(route_: Route, executed: Sequence[str]) -> int:
    """How many of the route's actions already ran since the message (in order)."""
    done = 0
    for name in executed:
        if done < len(route_.actions) and name == route_.actions[done]:
            done += 1
    return done
