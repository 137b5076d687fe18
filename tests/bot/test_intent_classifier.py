"""The intent model (pure scikit-learn) and its Rasa component."""

import math
from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.intent_classifier import ShopIntentClassifier
from bot.intent_model import IntentModel, calibrated_linear, ngram_blocks
from bot.text_features import MAX_CHARS, build_vectoriser, normalise_text

EXAMPLES = {
    "greet": ["hi", "hello", "hey there", "good morning", "hiya", "hello again"],
    "order_status": [
        "where is my order",
        "where is my order #10042",
        "status of order SD-10023",
        "has my order shipped yet",
        "wheres my package",
        "when will my order arrive",
    ],
    "refund_status": [
        "where is my refund",
        "has my refund been processed",
        "when do i get my money back",
        "refund still not received",
        "did you send the refund",
        "refund status please",
    ],
}


def tiny_dataset() -> tuple[list[str], list[str]]:
    texts = [text for examples in EXAMPLES.values() for text in examples]
    intents = [intent for intent, examples in EXAMPLES.items() for _ in examples]
    return texts, intents


@pytest.fixture(scope="module")
def model() -> IntentModel:
    return IntentModel.fit(*tiny_dataset())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("WHERE is MY Order", "where is my order"),
        ("pleeeeease", "pleease"),
        ("good", "good"),
        ("order #10042 late", "order ordernum late"),
        ("SD-10023 where", "ordernum where"),
        ("order 10023", "order ordernum"),
        ("mail me at Jane.Doe+x@shop.co.uk", "mail me at emailaddr"),
        ("call +44 7700 900123", "call phonenum"),
        ("i want 2 items", "i want 0 items"),
        ("where is it 😡😡", "where is it 😡😡"),
        ("what???!!!", "what?!"),
        ("  tabs\tand\nlines  ", "tabs and lines"),
    ],
)
def test_normalise_text(text: str, expected: str) -> None:
    assert normalise_text(text) == expected


@pytest.mark.parametrize("text", ["", None, 42, b"\x00\xff\xfe binary", "\x00\x01\x02", "x" * 100_000])
def test_normalise_text_never_raises_and_bounds_length(text: object) -> None:
    assert len(normalise_text(text)) <= MAX_CHARS


def test_model_predicts_the_intent_of_unseen_phrasings(model: IntentModel) -> None:
    top = [ranking[0].name for ranking in model.rank(["helloo", "where is my orderr 10077", "my refund?"])]
    assert top == ["greet", "order_status", "refund_status"]


def test_ranking_is_sorted_and_its_probabilities_sum_to_one(model: IntentModel) -> None:
    (ranking,) = model.rank(["where is my refund for order #10042"], top_k=0)
    confidences = [score.confidence for score in ranking]
    assert {score.name for score in ranking} == set(EXAMPLES)
    assert confidences == sorted(confidences, reverse=True)
    assert math.isclose(sum(confidences), 1.0, rel_tol=1e-6)
    assert all(0.0 <= c <= 1.0 for c in confidences)


def test_top_k_limits_the_ranking(model: IntentModel) -> None:
    assert [len(r) for r in model.rank(["hi", "refund"], top_k=2)] == [2, 2]
    assert model.rank([], top_k=2) == []


@pytest.mark.parametrize("text", ["", "   ", "\x00\xff", "🙂" * 50_000, "a" * 1_000_000, "<script>x</script>"])
def test_any_text_gets_a_valid_ranking(model: IntentModel, text: str) -> None:
    (ranking,) = model.rank([text])
    assert len(ranking) == len(EXAMPLES)
    assert math.isclose(sum(score.confidence for score in ranking), 1.0, rel_tol=1e-6)


def test_the_ngram_blocks_are_the_feature_union_s_matrix() -> None:
    from scipy.sparse import hstack

    texts, _ = tiny_dataset()
    union = build_vectoriser().fit([normalise_text(text) for text in texts])
    shoppers = [normalise_text(text) for text in ["where's my parcel 10002??", "do you take klarna", "", "ä ß 😀"]]
    assert (hstack(ngram_blocks(union, shoppers), format="csr") != union.transform(shoppers)).nnz == 0
    union.set_params(words="drop")
    union.transformer_weights = {"chars": 0.5}
    assert (hstack(ngram_blocks(union, shoppers), format="csr") != union.transform(shoppers)).nnz == 0


def test_the_calibrated_svm_s_probabilities_in_one_product_are_sklearn_s(model: IntentModel) -> None:
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    shoppers = ["where's my parcel 10002??", "do you take klarna", "", "refund?", "x" * 300]
    features = model._features(shoppers)
    fast = calibrated_linear(model._classifier)
    assert fast is not None
    assert np.allclose(fast.predict_proba(features), model._classifier.predict_proba(features), rtol=0, atol=1e-12)
    assert calibrated_linear(LogisticRegression()) is None


def test_fit_refuses_a_single_intent_or_mismatched_lengths() -> None:
    with pytest.raises(ValueError, match="two intents"):
        IntentModel.fit(["hi", "hello"], ["greet", "greet"])
    with pytest.raises(ValueError, match="texts"):
        IntentModel.fit(["hi", "hello"], ["greet"])


def test_an_intent_with_a_single_example_still_trains() -> None:
    texts, intents = tiny_dataset()
    model = IntentModel.fit([*texts, "cancel it"], [*intents, "cancel_order"])
    assert "cancel_order" in model.intents


def test_save_and_load_give_the_same_ranking(model: IntentModel, tmp_path: Path) -> None:
    model.save(tmp_path)
    loaded = IntentModel.load(tmp_path)
    texts = ["hey", "refund for 10042?", "where is my parcel"]
    assert loaded.rank(texts) == model.rank(texts)


def test_load_refuses_a_file_with_unexpected_types(tmp_path: Path) -> None:
    import skops.io as sio

    sio.dump({"vectoriser": Path("/etc"), "classifier": None}, tmp_path / "intent_model.skops")
    with pytest.raises(ValueError, match="unexpected types"):
        IntentModel.load(tmp_path)


def rasa_training_data() -> TrainingData:
    texts, intents = tiny_dataset()
    return TrainingData([Message(data={"text": t, "intent": i}) for t, i in zip(texts, intents)])


def test_component_trains_persists_loads_and_classifies(tmp_path: Path) -> None:
    storage = LocalModelStorage(tmp_path)
    resource = Resource("shop_intent_classifier")
    context = ExecutionContext(GraphSchema({}), "test")
    component = ShopIntentClassifier.create({}, storage, resource, context)
    assert component.train(rasa_training_data()) == resource

    loaded = ShopIntentClassifier.load({"ranking_length": 2}, storage, resource, context)
    (message,) = loaded.process([Message(data={"text": "where is my order #10099"})])

    assert message.get("intent")["name"] == "order_status"
    ranking = message.get("intent_ranking")
    assert len(ranking) == 2
    assert ranking[0] == message.get("intent")
    assert ranking[0]["confidence"] >= ranking[1]["confidence"]
    assert set(message.as_dict(only_output_properties=True)) >= {"intent", "intent_ranking"}


def test_component_without_a_trained_model_leaves_messages_alone(tmp_path: Path) -> None:
    storage = LocalModelStorage(tmp_path)
    resource = Resource("never_trained")
    context = ExecutionContext(GraphSchema({}), "test")
    component = ShopIntentClassifier.create({}, storage, resource, context)
    component.train(TrainingData([Message(data={"text": "hi", "intent": "greet"})]))

    loaded = ShopIntentClassifier.load({}, storage, resource, context)
    (message,) = loaded.process([Message(data={"text": "hi"})])
    assert message.get("intent") is None


@pytest.fixture(scope="module")
def embedded_model() -> IntentModel:
    from bot.sentence_encoder import shared_encoder

    return IntentModel.fit(*tiny_dataset(), encoder=shared_encoder())


def test_embeddings_carry_a_paraphrase_with_no_word_in_common(embedded_model: IntentModel) -> None:
    assert embedded_model.uses_embeddings
    assert embedded_model.rank(["money back yet?"], top_k=1)[0][0].name == "refund_status"


def test_a_model_with_embeddings_loads_only_with_the_encoder(embedded_model: IntentModel, tmp_path: Path) -> None:
    from bot.sentence_encoder import shared_encoder

    embedded_model.save(tmp_path)
    with pytest.raises(ValueError, match="sentence embeddings"):
        IntentModel.load(tmp_path)
    loaded = IntentModel.load(tmp_path, shared_encoder())
    assert loaded.rank(["hello there"]) == embedded_model.rank(["hello there"])


def test_a_kept_ranking_is_the_one_computed_for_the_text_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    texts, intents = tiny_dataset()
    monkeypatch.setenv("SHOPDESK_NLU_CACHE", "0")
    fresh = IntentModel.fit(texts, intents)
    monkeypatch.setenv("SHOPDESK_NLU_CACHE", "8")
    kept = IntentModel.fit(texts, intents)
    probes = ["where is my order #10042", "hi", "where is my order #10042", "refund?", "hi", "x" * (MAX_CHARS + 1)]
    for text in probes:
        assert kept.rank([text]) == fresh.rank([text])
        assert kept.rank([text], top_k=1) == fresh.rank([text], top_k=1)
    assert kept._rankings.hits > 0 and fresh._rankings.hits == 0
    kept.rank(["hi"])[0].clear()  # the caller's list, not the kept one
    assert kept.rank(["hi"]) == fresh.rank(["hi"])
    hits = kept._rankings.hits
    assert kept.rank(["hi", "hi"]) == fresh.rank(["hi", "hi"])  # several texts: computed together
    assert kept._rankings.hits == hits


def test_the_kept_map_drops_the_least_recently_used() -> None:
    from bot.text_features import LruCache

    cache: LruCache[str, int] = LruCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "b" is now the oldest
    cache.put("c", 3)
    assert (cache.get("b"), cache.get("a"), cache.get("c")) == (None, 1, 3)
    assert (cache.hits, cache.misses) == (3, 1)
    off: LruCache[str, int] = LruCache(0)
    off.put("a", 1)
    assert off.get("a") is None
