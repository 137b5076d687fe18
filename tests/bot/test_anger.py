"""The anger scorer: scores, cues, bad input, the conversation view, and the Rasa component."""

import asyncio
import shutil
import textwrap
from pathlib import Path

import numpy as np
import pytest
import yaml

from bot.anger import (
    AngerDataError,
    AngerModel,
    ShopperTurn,
    assess_conversation,
    train_model,
)
from bot.anger.cues import find_cues
from bot.anger.training import (
    SHOPPER,
    SHOPPER_FILE,
    TrainingSettings,
    candidate_thresholds,
    dev_objective,
    load_lines,
    pick_threshold,
)

DATA = Path(__file__).resolve().parents[2] / "data" / "anger"

# Written for this test, not copied from data/anger.
ANGRY = [
    "This is the THIRD time I'm asking where my refund is!!!",
    "absolutely disgraceful service, i want my money back now",
    "If this isn't sorted today I'm filing a chargeback and reporting you to trading standards",
    "you lot are completely useless, 4 weeks and still nothing",
    "wtf, you charged me twice AGAIN",
    "Frankly I'm furious that nobody has bothered to reply in ten days.",
]
CALM = [
    "my parcel is late, could you check?",
    "Hi, the mug arrived chipped - could you send a new one please?",
    "could you tell me when my refund will arrive?",
    "thanks, that's really helpful",
    "do you deliver to Spain?",
    "I think I was charged twice, can you have a look when you get a chance?",
]
# Shop vocabulary that angry lines also use ("asked three TIMES", "where IS it", "I WANT a human"):
# plain questions with it once scored as anger, and for a VIP (vip_anger_threshold 0.5) that
# handed the conversation to a person. Written for this test, not copied from data/anger.
NEUTRAL = [
    "what are the delivery times for germany?",
    "what are your delivery times to the netherlands",
    "what are your opening times on saturday",
    "when does your customer service open in the morning?",
    "is the promo code SPRING20 still valid?",
    "is WELCOME10 still valid for new customers",
    "I want to talk to a real person",
    "can I speak with someone from your team please",
]
# Short answers to the bot's options and questions: with the threshold at raw 0.42 instead of
# 0.56, "none of these", "both" and an address scored 0.53-0.56 and, read as an unanswerable
# annoyed message, handed off (bench/conversations.py). Written for this test.
SHORT_ANSWERS = [
    "none of those, thanks",
    "the second option please",
    "both items",
    "Rosenweg 4, 80331 München",
    "neither, it is something else",
]


@pytest.fixture(scope="module")
def model() -> AngerModel:
    return train_model(DATA)


@pytest.mark.parametrize("text", ANGRY)
def test_clearly_angry_messages_score_above_half(model: AngerModel, text: str) -> None:
    assert model.score(text).score >= 0.5


@pytest.mark.parametrize("text", CALM)
def test_calm_messages_and_calm_complaints_score_below_half(model: AngerModel, text: str) -> None:
    assert model.score(text).score < 0.5


@pytest.mark.parametrize("text", NEUTRAL + SHORT_ANSWERS)
def test_shop_questions_with_words_angry_lines_use_score_below_half(model: AngerModel, text: str) -> None:
    assert model.score(text).score < 0.5


@pytest.mark.parametrize("text", NEUTRAL)
def test_a_vip_asking_a_shop_question_is_not_handed_off_for_anger(model: AngerModel, text: str) -> None:
    """With the thresholds config.yml ships: a person only when asked for one, never for anger."""
    from bot.escalation_rules import EscalationSettings, Turn, decide

    config = yaml.safe_load((DATA.parents[1] / "config.yml").read_text(encoding="utf-8"))
    [policy] = [p for p in config["policies"] if p["name"] == "bot.escalation_policy.EscalationPolicy"]
    score = model.score(text)
    turn = Turn(text=text, intent="faq", confidence=1.0, anger=score.score, cues=score.cues)
    decision = decide([turn], "vip", EscalationSettings.from_config(policy))
    assert decision is None or "anger" not in decision.reasons


def test_the_threshold_is_the_middle_of_the_best_band_not_its_highest_point() -> None:
    """A flat best band with a one-point spike at its edge: the spike is noise of a dev line or
    two, the band is what the dev data can tell."""
    candidates = candidate_thresholds()
    objective = np.where((candidates >= 0.36) & (candidates <= 0.58), 1.0, 0.8)
    objective[candidates == 0.57] = 1.03
    assert pick_threshold(objective) == pytest.approx(0.47, abs=0.011)


def test_leaving_out_one_dev_line_barely_moves_the_threshold(model: AngerModel) -> None:
    """Measured: with the raw argmax, one shopper dev line left out moved it between 0.38 and 0.57."""
    dev = [line for line in load_lines(DATA) if line.split == "dev"]
    probabilities = model.probabilities([line.text for line in dev])
    labels = np.array([line.label for line in dev])
    is_shopper = np.array([line.source == SHOPPER for line in dev])
    shopper_rows = np.flatnonzero(is_shopper)
    # The shopper lines nearest the threshold are the ones that can move it.
    nearest = shopper_rows[np.argsort(np.abs(probabilities[shopper_rows] - model.threshold))[:40]]
    for row in nearest:
        keep = np.arange(len(dev)) != row
        share = TrainingSettings().goemotions_dev_share
        objective = dev_objective(probabilities[keep], labels[keep], is_shopper[keep], share)
        assert abs(pick_threshold(objective) - model.threshold) <= 0.03


def test_angrier_wording_scores_higher(model: AngerModel) -> None:
    calm = model.score("where is my order?").score
    angry = model.score("WHERE IS MY ORDER?!?! third time asking, this is a joke").score
    assert angry > calm + 0.4


def test_scores_carry_the_cues_that_drove_them(model: AngerModel) -> None:
    cues = model.score("THIRD time asking!!! I'll take this to my lawyer").cues
    assert "repetition: third time" in cues
    assert "punctuation: !!!" in cues
    assert "threat: lawyer" in cues
    assert model.score("my parcel is late, could you check?").cues == ()


def test_as_dict_is_the_parse_result_shape(model: AngerModel) -> None:
    result = model.score("still waiting, this is ridiculous").as_dict()
    assert set(result) == {"score", "cues"}
    assert isinstance(result["score"], float) and 0.0 <= result["score"] <= 1.0
    cues = result["cues"]
    assert isinstance(cues, list) and all(isinstance(cue, str) for cue in cues)


@pytest.mark.parametrize(
    "message",
    ["", "   ", None, 42, b"\xff\xfe\x00binary\x00", "\x00" * 10_000, "A" * 1_000_000, "🙂" * 5000,
     "<script>alert('x')</script>", ["a", "list"]],
)
def test_any_input_gets_a_score_and_never_raises(model: AngerModel, message: object) -> None:
    score = model.score(message)
    assert 0.0 <= score.score <= 1.0


def test_empty_message_is_not_angry(model: AngerModel) -> None:
    assert model.score("").score == 0.0
    assert model.score_many([]) == []


@pytest.mark.parametrize("answer", ["anna.schmidt@example.com", "+49 151 23456789", "10042", "#10042"])
def test_a_bare_contact_or_order_number_is_not_angry(model: AngerModel, answer: str) -> None:
    assert model.score(answer).score < 0.5


def test_saved_model_scores_the_same_after_loading(model: AngerModel, tmp_path: Path) -> None:
    model.save(tmp_path / "anger.joblib")
    loaded = AngerModel.load(tmp_path / "anger.joblib")
    text = "this is a joke, where is my parcel??"
    assert loaded.score(text) == model.score(text)


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("WHERE IS MY PARCEL", "shouting: WHERE IS MY PARCEL"),
        ("where is it?!?", "punctuation: ?!?"),
        ("where the fuck is it", "profanity: fuck"),
        ("I'll do a chargeback", "threat: chargeback"),
        ("see you in small claims court", "threat: small claims"),
        ("enjoy the bad review", "threat: bad review"),
        ("posting on trustpilot", "threat: trustpilot"),
        ("I'm going to the regulator", "threat: regulator"),
        ("I'll contact consumer protection", "threat: consumer protection"),
        ("I will report you", "threat: report you"),
        ("third time I'm asking", "repetition: third time"),
        ("still waiting for it", "repetition: still waiting"),
        ("I already told you", "repetition: already told"),
        ("thanks 😡", "emoji: 😡"),
        ("you are useless", "insult: useless"),
        ("I want it NOW please", "emphasis: NOW"),
    ],
)
def test_rule_cues_are_found(text: str, cue: str) -> None:
    assert cue in [str(found) for found in find_cues(text)]


@pytest.mark.parametrize(
    "text",
    [
        "my UPS tracking for the XL jumper to the UK",
        "can I report a bug on your website?",
        "how do I write a review?",
        "I love it!",
        "is it in stock?",
    ],
)
def test_ordinary_messages_have_no_rule_cues(text: str) -> None:
    assert find_cues(text) == []


def test_conversation_with_rising_anger() -> None:
    turns = [ShopperTurn("where is my order?", 0.1), ShopperTurn("hello??", 0.3),
             ShopperTurn("this is ridiculous", 0.8)]
    view = assess_conversation(turns)
    assert view.rising and view.peak == 0.8 and "anger rising" in view.frustration_cues


def test_repeated_question_is_frustration_without_angry_words() -> None:
    turns = [ShopperTurn("where is my order SD-10023", 0.1), ShopperTurn("ok", 0.05),
             ShopperTurn("where is my order SD-10023", 0.1),
             ShopperTurn("I already told you, where is my order SD-10023", 0.2)]
    view = assess_conversation(turns)
    assert view.repeated_messages == 2
    assert "already told" in view.frustration_cues
    assert view.frustration >= 0.5 > view.latest


def test_calm_conversation_stays_calm() -> None:
    turns = [ShopperTurn("hi", 0.05), ShopperTurn("where is my order?", 0.1),
             ShopperTurn("thanks!", 0.02)]
    view = assess_conversation(turns)
    assert not view.rising and view.repeated_messages == 0 and view.frustration < 0.2


def test_conversation_of_no_turns() -> None:
    assert assess_conversation([]).frustration == 0.0


def test_missing_training_data_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(AngerDataError, match="missing"):
        train_model(tmp_path)
    (tmp_path / SHOPPER_FILE).write_text("words\nhello\n", encoding="utf-8")
    with pytest.raises(AngerDataError, match="columns"):
        train_model(tmp_path, TrainingSettings(use_goemotions=False))


def _small_data(tmp_path: Path) -> Path:
    """The shopper lines only: the Rasa tests are about the wiring, not Reddit."""
    data = tmp_path / "anger"
    data.mkdir()
    shutil.copy(DATA / SHOPPER_FILE, data / SHOPPER_FILE)
    return data


def test_component_trains_persists_loads_and_scores(tmp_path: Path) -> None:
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData

    from bot.anger.component import AngerScorer

    config = {**AngerScorer.get_default_config(), "data_path": str(_small_data(tmp_path)),
              "use_goemotions": False}
    (tmp_path / "storage").mkdir()
    storage = LocalModelStorage(tmp_path / "storage")
    resource = Resource("anger_scorer")
    context = ExecutionContext(GraphSchema({}), "test")
    AngerScorer.create(config, storage, resource, context).train(TrainingData())
    loaded = AngerScorer.load(config, storage, resource, context)
    messages = loaded.process([Message({"text": "this is a JOKE, third time asking!!!"}),
                               Message({"text": "could you check my parcel please?"}), Message({})])
    angry, calm, empty = (message.get("anger") for message in messages)
    assert angry["score"] >= 0.5 > calm["score"] and empty["score"] == 0.0
    assert "repetition: third time" in angry["cues"]
    assert "anger" in messages[0].as_dict(only_output_properties=True)


def test_fingerprint_changes_when_the_data_changes(tmp_path: Path) -> None:
    from bot.anger.component import AngerScorer

    config = {"data_path": str(_small_data(tmp_path))}
    before = AngerScorer.fingerprint_addon(config)
    with (tmp_path / "anger" / SHOPPER_FILE).open("a", encoding="utf-8") as handle:
        handle.write("you are all useless,1,train\n")
    assert AngerScorer.fingerprint_addon(config) != before


def test_parse_result_and_tracker_carry_the_anger_key(tmp_path: Path) -> None:
    """A tiny Rasa NLU model with the component: the key survives parsing into the tracker."""
    from rasa.core.agent import Agent
    from rasa.core.channels.channel import UserMessage
    from rasa.model_training import train_nlu

    data = _small_data(tmp_path)
    (tmp_path / "config.yml").write_text(textwrap.dedent(f"""
        recipe: default.v1
        assistant_id: anger_test
        language: en
        pipeline:
          - name: WhitespaceTokenizer
          - name: bot.anger.component.AngerScorer
            data_path: {data}
            use_goemotions: false
          - name: CountVectorsFeaturizer
          - name: LogisticRegressionClassifier
        policies: []
    """), encoding="utf-8")
    (tmp_path / "nlu.yml").write_text(textwrap.dedent("""
        version: "3.1"
        nlu:
        - intent: greet
          examples: |
            - hi
            - hello
        - intent: where_is_order
          examples: |
            - where is my order
            - my parcel is late
    """), encoding="utf-8")
    model_path = train_nlu(str(tmp_path / "config.yml"), str(tmp_path / "nlu.yml"),
                           str(tmp_path / "models"))
    agent = Agent.load(model_path)

    async def parse_and_track() -> tuple[dict, dict]:
        parsed = await agent.parse_message("WHERE IS MY ORDER?!? I'll do a chargeback")
        await agent.handle_message(UserMessage("my parcel is late, could you check?", sender_id="s1"))
        tracker = await agent.tracker_store.retrieve("s1")
        return parsed, tracker.latest_message.parse_data

    parsed, latest = asyncio.run(parse_and_track())
    assert parsed["anger"]["score"] >= 0.5 and "threat: chargeback" in parsed["anger"]["cues"]
    assert latest["anger"]["score"] < 0.5


def test_scores_and_cues_per_message_are_those_of_sklearns_matrices(model: AngerModel) -> None:
    """score_many computes each message from the weights (bot/tfidf_rows.py); the oracle here is
    scikit-learn's own path: the stacked feature matrix through predict_proba, and the cues read
    from the word row in the column order transform leaves it (descending: it decides ties)."""
    from bot.anger.text import normalise, raw_text

    texts = ANGRY + CALM + NEUTRAL + SHORT_ANSWERS + ["", "?!", "😡😡😡", "x" * 5000, "WHERE IS MY PARCEL???"]
    fast = model.score_many(texts)
    probabilities = model.probabilities(texts)
    for text, score, probability in zip(texts, fast, probabilities):
        normalised = normalise(raw_text(text))
        if not any(character.isalpha() for character in normalised) and "😡" not in normalised:
            assert score.score == 0.0
            continue
        assert abs(score.score - model.calibrate(probability)) < 1e-12, text
        row = model._words.transform([normalised])
        assert list(row.indices) == sorted(row.indices, reverse=True)
        ascending = (row.indices[::-1], row.data[::-1])
        assert score.cues == model._explain(find_cues(raw_text(text)), ascending), text


def test_kept_word_sets_count_the_same_repeats_as_reading_each_message_again() -> None:
    """bot.anger.conversation.words_of against the words read afresh, over the scripted escalation
    conversations (texts repeated across them, so the kept sets are used) and odd inputs."""
    import re

    from bot.anger.conversation import _count_repeats, _similarity
    from bot.anger.text import normalise

    def count_afresh(turns: list[ShopperTurn], threshold: float) -> int:
        latest = set(re.findall(r"\w+", normalise(turns[-1].text)))
        if not latest:
            return 0
        earlier = (set(re.findall(r"\w+", normalise(turn.text))) for turn in turns[:-1])
        return sum(1 for words in earlier if _similarity(frozenset(latest), frozenset(words)) >= threshold)

    path = Path(__file__).resolve().parents[2] / "bench/data/escalation_conversations.yml"
    conversations = yaml.safe_load(path.read_text(encoding="utf-8"))["conversations"]
    texts = [[turn["text"] for turn in conversation["turns"]] for conversation in conversations]
    texts += [["", "  ", "WHERE is my order #10002??", "where is my order 10003"], ["ok", "ok", "OK!"]]
    compared = 0
    for _ in range(2):
        for conversation in texts:
            turns = [ShopperTurn(text, 0.0) for text in conversation]
            for end in range(1, len(turns) + 1):
                for threshold in (0.5, 0.8, 1.0):
                    assert _count_repeats(turns[:end], threshold) == count_afresh(turns[:end], threshold)
                    compared += 1
    assert compared > 300


def test_a_kept_score_is_the_one_computed_again(model: AngerModel) -> None:
    texts = ANGRY + CALM + ["", "?!", "x" * 5000, None, b"wtf"]
    first = model.score_many(texts)
    hits = model._scorer().scores.hits
    again = model.score_many(texts)
    assert again == first
    assert model._scorer().scores.hits == hits + len(ANGRY + CALM) + 2  # not the long text, None or bytes
    computed = [model._score(model._scorer(), text) for text in texts]
    assert computed == first
