"""When a conversation should go to a person, and why: pure functions over the shopper's turns.

No Rasa import: `bot.escalation_policy` turns a tracker into `Turn`s and a decision into
a Rasa prediction; tests and bench/escalation.py call `decide` directly.

A merely annoyed shopper whose question the bot can answer is answered, not queued: anger
alone escalates from `anger_threshold`; between `annoyed_threshold` and that, only together
with something the bot cannot answer, a threat, or a conversation going round in circles.
"""

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.anger.conversation import ShopperTurn, assess_conversation

EXPLICIT_REQUEST = "explicit_request"
ANGER = "anger"
REPEATED_FALLBACK = "repeated_fallback"
UNRESOLVED_LOOP = "unresolved_loop"
COMPLAINT = "complaint"
NEGATIVE_FEEDBACK = "negative_feedback"
BOT_CANNOT_COMPLETE = "bot_cannot_complete"
VIP = "vip"

FALLBACK_INTENT = "nlu_fallback"
_HOSTILE_CUES = frozenset({"threat", "profanity", "insult"})
# Cues that only stress a message ("??", a word in capitals): with nothing else, a high score is
# a bad mood, not anger to hand off ("this is so annoying, where is my order??").
_WEAK_CUES = frozenset({"punctuation", "emphasis", "annoyance"})
# A request for a person said in so many words, also inside a longer message ("my parcel never
# came and I want to speak to a human now"); not when the shopper says they don't want one.
_ASKS_FOR_PERSON = re.compile(
    r"\b(?:speak|talk|chat|get through)\s+(?:to|with)\s+(?:a |an |some |your )?(?:real |actual |live )?"
    r"(?:human|person|people|someone|somebody|agent|representative|rep|operator|advisor|colleague|manager|staff)\b"
    r"|\b(?:connect|put|transfer|pass)\s+me\s+(?:through\s+)?(?:to|with)\s+(?:a |an |some |your )?(?:real |actual |live )?"
    r"(?:human|person|someone|somebody|agent|representative|operator|colleague|support|team)\b"
    r"|\b(?:real|actual|live)\s+(?:human|person)\b|\b(?:human|agent|person|representative) please\b"
    r"|\bcustomer service (?:agent|rep|representative|person)\b|\bcall me back\b",
    re.IGNORECASE,
)
# A complaint said in so many words, not only a mood.
_COMPLAINT_WORDS = re.compile(
    r"\bcomplain\w*|\bformal\b|\bescalat\w*|\bunacceptable\b|\bmanager\b|\bsupervisor\b|\bworst\b"
    r"|\bterrible (?:service|experience)\b|\bhow (?:you|your (?:staff|team|company)) (?:treat|handle)", re.IGNORECASE)
_NO_PERSON = re.compile(r"\b(?:don'?t|do not|doesn'?t|no need to|never|not)\s+(?:want|need|wish|have)\s+to\s*$"
                        r"|\bwithout (?:a |any )?$", re.IGNORECASE)


@dataclass(frozen=True)
class Turn:
    """One shopper message as NLU read it, and the actions the bot ran after it."""

    text: str
    intent: str | None = None
    confidence: float = 1.0
    anger: float = 0.0
    cues: tuple[str, ...] = ()
    bot_actions: tuple[str, ...] = ()
    # Entities found in it (order_id, email, phone): such a message answers a question.
    entities: tuple[str, ...] = ()
    # Its parts when it holds several requests, each classified on its own: (intent, confidence).
    segments: tuple[tuple[str, float], ...] = ()
    # It answers a question with options the bot just asked ("all of it"): understood, whatever
    # NLU made of it on its own.
    answers_question: bool = False


@dataclass(frozen=True)
class EscalationSettings:
    anger_threshold: float = 0.9
    annoyed_threshold: float = 0.5
    vip_anger_threshold: float = 0.5
    # Conversation-level frustration (repeats, "as I said", rising anger) that counts as anger.
    frustration_threshold: float = 0.75
    fallback_limit: int = 2
    vip_fallback_limit: int = 1
    # The same request this many times in the recent turns, not resolved: a loop.
    loop_limit: int = 3
    loop_window: int = 6
    negative_feedback_limit: int = 2
    min_confidence: float = 0.5
    human_intents: tuple[str, ...] = ("request_human",)
    complaint_intents: tuple[str, ...] = ("complaint",)
    negative_feedback_intents: tuple[str, ...] = ("feedback_negative",)
    # Intents the bot has no answer for; anything else it can answer.
    unanswerable_intents: tuple[str, ...] = (FALLBACK_INTENT, "out_of_scope")
    # Intents that are no request of their own (loops are counted over the others).
    smalltalk_intents: tuple[str, ...] = (
        "greet", "goodbye", "thank_you", "affirm", "deny", "bot_challenge",
    )
    # Bot actions that ask a shopper it did not understand to say it another way.
    rephrase_actions: tuple[str, ...] = ("utter_please_rephrase", "utter_clarify_rephrase", "action_clarify_fallback")
    # Bot actions that say it cannot do what was asked.
    cannot_complete_actions: tuple[str, ...] = ("utter_change_order_cannot",)
    vip_tiers: tuple[str, ...] = ("vip",)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "EscalationSettings":
        """Settings from a policy's config.yml entry; unknown keys are ignored."""
        values: dict[str, Any] = {}
        for name, default in cls().__dict__.items():
            if name in config and config[name] is not None:
                value = config[name]
                values[name] = tuple(value) if isinstance(default, tuple) else type(default)(value)
        return cls(**values)


@dataclass(frozen=True)
class Decision:
    """Why the conversation goes to a person. How urgent the ticket is, the hub judges from the
    reasons and the shopper's words (handoff/severity.py), in one place for every handoff."""

    reasons: tuple[str, ...]
    message: str
    anger: Mapping[str, Any]
    # Per reason, what triggered it, for the agent ("order_status asked 3 times").
    evidence: Mapping[str, str] = field(default_factory=dict)

    def context(self) -> dict[str, Any]:
        """The handoff_context slot value."""
        return {
            "anger": dict(self.anger),
            "message": self.message,
            "evidence": dict(self.evidence),
        }


def decide(
    turns: Sequence[Turn], tier: str | None = None, settings: EscalationSettings = EscalationSettings()
) -> Decision | None:
    """Whether the latest shopper message (turns[-1]) should go to a person, and why."""
    if not turns:
        return None
    is_vip = (tier or "").lower() in settings.vip_tiers
    evidence: dict[str, str] = {}
    for reason, check in _CHECKS:
        found = check(turns, settings, is_vip)
        if found:
            evidence[reason] = found
    if not evidence:
        return None
    reasons = tuple(evidence) + ((VIP,) if is_vip else ())
    latest = turns[-1]
    return Decision(
        reasons=reasons,
        message=latest.text,
        anger={"score": round(latest.anger, 4), "cues": list(latest.cues)},
        evidence=evidence,
    )


def _explicit_request(turns: Sequence[Turn], settings: EscalationSettings, is_vip: bool) -> str:
    latest = turns[-1]
    if latest.intent in settings.human_intents and latest.confidence >= settings.min_confidence:
        return "asked for a person"
    if any(intent in settings.human_intents and confidence >= settings.min_confidence
           for intent, confidence in latest.segments):
        return "asked for a person in a longer message"
    if asks_for_person(latest.text):
        return "asked for a person in so many words"
    return ""


def asks_for_person(text: str) -> bool:
    """Whether the message asks for a person in so many words (and not to be spared one)."""
    return any(not _NO_PERSON.search(text[:match.start()]) for match in _ASKS_FOR_PERSON.finditer(text or ""))


def _anger(turns: Sequence[Turn], settings: EscalationSettings, is_vip: bool) -> str:
    """Clearly angry; or annoyed and hostile, unanswerable, or going round in circles. A high
    score with nothing but stress marks behind it counts as annoyed."""
    latest = turns[-1]
    shown = f"anger {latest.anger:.2f}" + (f": {', '.join(latest.cues[:4])}" if latest.cues else "")
    threshold = settings.vip_anger_threshold if is_vip else settings.anger_threshold
    if latest.anger >= threshold and not _only_stressed(latest):
        return shown
    if latest.anger < settings.annoyed_threshold:
        return ""
    if latest.answers_question and not _hostile(latest):
        # "option 2" to the bot's own menu: understood, whatever a short odd text scores.
        return ""
    if _hostile(latest) or not (_answerable(latest, settings) or _only_stressed(latest)):
        return shown
    view = assess_conversation([ShopperTurn(turn.text, turn.anger) for turn in turns])
    circling = view.rising or view.repeated_messages > 0
    if circling and view.frustration >= settings.frustration_threshold:
        return f"frustration {view.frustration:.2f}: {', '.join(view.frustration_cues)}"
    return ""


def _repeated_fallback(turns: Sequence[Turn], settings: EscalationSettings, is_vip: bool) -> str:
    """Messages in a row the bot asked to rephrase: the latest not understood, the ones before it
    answered with a request to say it another way (after a fallback, or after "none of these" to
    the bot's suggestions). A low-confidence message that a form still understood (a bare email or
    order number) was not asked to rephrase, and breaks the run."""
    limit = settings.vip_fallback_limit if is_vip else settings.fallback_limit
    if turns[-1].intent != FALLBACK_INTENT or turns[-1].answers_question:
        return ""
    count = 1
    for turn in reversed(turns[:-1]):
        if not set(turn.bot_actions) & set(settings.rephrase_actions):
            break
        count += 1
    return f"{count} messages in a row not understood" if count >= limit else ""


def _unresolved_loop(turns: Sequence[Turn], settings: EscalationSettings, is_vip: bool) -> str:
    latest = turns[-1]
    ignored = set(settings.smalltalk_intents) | set(settings.unanswerable_intents)
    if latest.intent is None or latest.intent in ignored:
        return ""
    # A message carrying an order number or a contact answers the order form; its intent
    # (often the task's own) is no new request.
    recent = Counter(turn.intent for turn in turns[-settings.loop_window :] if not turn.entities)
    if recent[latest.intent] >= settings.loop_limit:
        return f"{latest.intent} asked {recent[latest.intent]} times"
    repeats = assess_conversation([ShopperTurn(t.text, t.anger) for t in turns]).repeated_messages
    return f"same message sent {repeats + 1} times" if repeats + 1 >= settings.loop_limit else ""


def _complaint(turns: Sequence[Turn], settings: EscalationSettings, is_vip: bool) -> str:
    latest = turns[-1]
    if latest.intent in settings.complaint_intents and latest.confidence >= settings.min_confidence:
        return "" if only_a_mood(latest.text, latest.cues) else "formal complaint"
    return ""


def only_a_mood(text: str, cues: Sequence[str]) -> bool:
    """Words of a bad mood and stress marks, nothing hostile, no complaint in so many words
    ("i'm so fed up with this"): the bot asks what is wrong, it does not file a complaint."""
    kinds = {str(cue).split(":")[0] for cue in cues}
    return "annoyance" in kinds and kinds <= _WEAK_CUES | {"shouting"} and not _COMPLAINT_WORDS.search(text or "")


def _negative_feedback(turns: Sequence[Turn], settings: EscalationSettings, is_vip: bool) -> str:
    latest = turns[-1]
    if latest.intent not in settings.negative_feedback_intents:
        return ""
    count = sum(1 for turn in turns if turn.intent in settings.negative_feedback_intents)
    limit = 1 if is_vip else settings.negative_feedback_limit
    return f"answer not helpful ({count}x)" if count >= limit else ""


def _bot_cannot_complete(turns: Sequence[Turn], settings: EscalationSettings, is_vip: bool) -> str:
    """The bot said it cannot do this, and the shopper still wants it (asks again or says yes)."""
    if len(turns) < 2:
        return ""
    previous, latest = turns[-2], turns[-1]
    refused = set(previous.bot_actions) & set(settings.cannot_complete_actions)
    if refused and latest.intent in (previous.intent, "affirm"):
        return f"bot cannot complete {previous.intent} ({sorted(refused)[0]})"
    return ""


_CHECKS = (
    (EXPLICIT_REQUEST, _explicit_request),
    (ANGER, _anger),
    (COMPLAINT, _complaint),
    (REPEATED_FALLBACK, _repeated_fallback),
    (UNRESOLVED_LOOP, _unresolved_loop),
    (NEGATIVE_FEEDBACK, _negative_feedback),
    (BOT_CANNOT_COMPLETE, _bot_cannot_complete),
)


def _only_stressed(turn: Turn) -> bool:
    """Cues, but none beyond stress marks and words of a bad mood: the score says angry, the
    message says annoyed."""
    return bool(turn.cues) and all(cue.split(":")[0] in _WEAK_CUES for cue in turn.cues)


def _hostile(turn: Turn) -> bool:
    """Threats, swearing and insults: anger aimed at the shop, not just a bad mood."""
    return any(cue.split(":")[0] in _HOSTILE_CUES for cue in turn.cues)


def _answerable(turn: Turn, settings: EscalationSettings) -> bool:
    return turn.intent not in settings.unanswerable_intents and turn.confidence >= settings.min_confidence

