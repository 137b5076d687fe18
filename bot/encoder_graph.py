"""The MiniLM/BERT forward pass as an ONNX graph, built in memory from the safetensors weights.

bot/sentence_encoder.py runs it in onnxruntime: its matrix products keep the weights packed for
the CPU once, where numpy's BLAS repacks them on every call, which for a shopper's message of ten
tokens was most of the cost (bench/README.md, "The sentence encoder in onnxruntime"). The graph
is the same computation in fp32 as the numpy forward it replaced: embeddings (word + position +
segment 0, layer norm), then per layer self-attention with the padding mask, residual + layer
norm, exact (erf) GELU feed-forward, residual + layer norm. Mean pooling and normalisation stay in
numpy. With `input_maxima` its dense layers have 8-bit weights instead (int8_dense; config.yml's
`embedding_precision: int8`): other vectors, near fp32's.

Inputs: `input_ids` int64 [batch, length] and `mask` float32 [batch, length] (1 for a real token);
output: `hidden` float32 [batch, length, width]. No file is written and nothing is downloaded.
"""

from typing import Any

import numpy as np
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
IR_VERSION = 8
# SmoothQuant's migration strength for the 8-bit layers: how much of an input channel's range
# moves into the weights. 0.8 gave vectors closest to fp32's (cosine 0.998 mean over 600 NLU
# texts; 0.5: 0.986, 0.9: 0.997, none: 0.993; bench/README.md).
SMOOTHING_ALPHA = 0.8


class _Graph:
    """The nodes and constants of the graph as it is built; each op's output gets a fresh name."""

    def __init__(self, weights: dict[str, np.ndarray], config: dict[str, Any],
                 input_maxima: dict[str, np.ndarray] | None) -> None:
        self.nodes: list[Any] = []
        # Each dense layer's input, by the layer's name (calibration reads them as outputs).
        self.dense_inputs: dict[str, str] = {}
        self._input_maxima = input_maxima
        self.initializers: list[Any] = []
        self._constants: set[str] = set()
        self._count = 0
        self._weights = weights
        self.heads = int(config["num_attention_heads"])
        self.epsilon = float(config["layer_norm_eps"])
        self.width = int(weights["embeddings.word_embeddings.weight"].shape[1])

    def constant(self, name: str, array: np.ndarray) -> str:
        """A constant of the graph; asked for again by its name, the one already there."""
        if name not in self._constants:
            self._constants.add(name)
            self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def weight(self, name: str) -> str:
        return self.constant(name, self._weights[name].astype(np.float32))

    def op(self, op_type: str, *inputs: str, **attributes: Any) -> str:
        self._count += 1
        output = f"{op_type.lower()}_{self._count}"
        self.nodes.append(helper.make_node(op_type, list(inputs), [output], **attributes))
        return output

    def dense(self, x: str, prefix: str) -> str:
        """x [tokens, in] @ weight.T + bias: one Gemm over every token of the batch, or with 8-bit
        weights (int8_dense) once the layer's input maxima are known."""
        self.dense_inputs[prefix] = x
        if self._input_maxima is not None:
            return self.int8_dense(x, prefix, self._input_maxima[prefix])
        return self.op("Gemm", x, self.weight(f"{prefix}.weight"), self.weight(f"{prefix}.bias"), transB=1)

    def int8_dense(self, x: str, prefix: str, input_maxima: np.ndarray) -> str:
        """onnxruntime's DynamicQuantizeMatMul: int8 weights (a scale per output), the input
        quantized to 8 bits as it comes (one scale for the whole matrix). A few input channels of
        BERT run 10-50x larger than the rest and would take all of that range, so first each input
        channel k is divided by s_k and the weights' row k multiplied by it (SmoothQuant: the same
        product), s_k = max|x_k|^ALPHA / max|w_k|^(1 - ALPHA) from calibration texts."""
        weight = self._weights[f"{prefix}.weight"].astype(np.float32)  # [out, in]
        weight_maxima = np.maximum(np.abs(weight).max(axis=0), 1e-5)
        smoothing = (np.maximum(input_maxima, 1e-5) ** SMOOTHING_ALPHA
                     / weight_maxima ** (1 - SMOOTHING_ALPHA)).astype(np.float32)
        smoothed = (weight * smoothing[None, :]).T  # [in, out]
        scales = (np.abs(smoothed).max(axis=0) / 127.0).astype(np.float32)
        quantized = np.clip(np.round(smoothed / scales), -127, 127).astype(np.int8)
        x = self.op("Mul", x, self.constant(f"{prefix}.smoothing", (1.0 / smoothing).astype(np.float32)))
        self._count += 1
        output = f"int8_dense_{self._count}"
        self.nodes.append(helper.make_node(
            "DynamicQuantizeMatMul",
            [x, self.constant(f"{prefix}.int8", quantized), self.constant(f"{prefix}.scales", scales), "",
             self.weight(f"{prefix}.bias")],
            [output], domain="com.microsoft"))
        return output

    def layer_norm(self, x: str, prefix: str) -> str:
        return self.op("LayerNormalization", x, self.weight(f"{prefix}.weight"), self.weight(f"{prefix}.bias"),
                       axis=-1, epsilon=self.epsilon)


def build(weights: dict[str, np.ndarray], config: dict[str, Any],
          input_maxima: dict[str, np.ndarray] | None = None, dense_inputs: bool = False) -> bytes:
    """The serialized ONNX model of the encoder for these weights (Hugging Face BERT names).
    `input_maxima` (each dense layer's largest |input| per channel, by bot/sentence_encoder.py's
    calibration): its dense layers with 8-bit weights. `dense_inputs`: each dense layer's input is
    an output too, named after the layer (what that calibration reads)."""
    g = _Graph(weights, config, input_maxima)
    zero = g.constant("zero", np.array([0], dtype=np.int64))
    one = g.constant("one", np.array([1], dtype=np.int64))
    batch_and_length = g.op("Shape", "input_ids")
    tokens_by_width = g.constant("tokens_by_width", np.array([-1, g.width], dtype=np.int64))

    # Embeddings: the words, the first `length` positions, segment 0.
    segment = g.constant("segment", weights["embeddings.token_type_embeddings.weight"][0].astype(np.float32))
    length = g.op("Slice", batch_and_length, one, g.constant("two", np.array([2], dtype=np.int64)))
    positions = g.op("Slice", g.weight("embeddings.position_embeddings.weight"), zero, length, zero)
    hidden = g.op("Gather", g.weight("embeddings.word_embeddings.weight"), "input_ids")
    hidden = g.op("Add", g.op("Add", hidden, positions), segment)
    # The layers work on [batch * length, width]: each dense layer is then one Gemm.
    hidden = g.op("Reshape", g.layer_norm(hidden, "embeddings.LayerNorm"), tokens_by_width)
    # Padding keys get the lowest float: their attention weight is exactly zero.
    unit = g.constant("unit", np.array(1.0, dtype=np.float32))
    lowest = g.constant("lowest", np.array(np.finfo(np.float32).min, dtype=np.float32))
    key_bias = g.op("Mul", g.op("Sub", unit, "mask"), lowest)
    key_bias = g.op("Unsqueeze", key_bias, g.constant("mask_axes", np.array([1, 2], dtype=np.int64)))
    head_width = g.width // g.heads
    split_heads = g.op("Concat", batch_and_length,
                       g.constant("heads_by_width", np.array([g.heads, head_width], dtype=np.int64)), axis=0)
    for i in range(int(config["num_hidden_layers"])):
        hidden = _layer(g, hidden, key_bias, split_heads, f"encoder.layer.{i}.")

    batch_length_width = g.op("Concat", batch_and_length, g.constant("width", np.array([g.width], dtype=np.int64)),
                              axis=0)
    g.nodes.append(helper.make_node("Reshape", [hidden, batch_length_width], ["hidden"]))
    graph = helper.make_graph(
        g.nodes,
        "sentence_encoder",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "length"]),
            helper.make_tensor_value_info("mask", TensorProto.FLOAT, ["batch", "length"]),
        ],
        [helper.make_tensor_value_info("hidden", TensorProto.FLOAT, ["batch", "length", g.width])],
        initializer=g.initializers,
    )
    if dense_inputs:
        for prefix, name in g.dense_inputs.items():
            graph.node.append(helper.make_node("Identity", [name], [prefix]))
            graph.output.append(helper.make_tensor_value_info(prefix, TensorProto.FLOAT, None))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET),
                                                     helper.make_opsetid("com.microsoft", 1)])
    model.ir_version = IR_VERSION
    return model.SerializeToString()


def _layer(g: _Graph, hidden: str, key_bias: str, split_heads: str, prefix: str) -> str:
    """One transformer layer on [tokens, width]: self-attention, then the GELU feed-forward.
    `split_heads`: the shape [batch, length, heads, head width]."""
    head_width = g.width // g.heads

    def split(projection: str, perm: list[int]) -> str:
        """[batch, heads, length, head width]; for perm [0, 2, 3, 1] (the keys) [.., head width, length]."""
        return g.op("Transpose", g.op("Reshape", g.dense(hidden, prefix + projection), split_heads), perm=perm)

    query = split("attention.self.query", [0, 2, 1, 3])
    key = split("attention.self.key", [0, 2, 3, 1])
    value = split("attention.self.value", [0, 2, 1, 3])
    inverse_sqrt = g.constant("inverse_sqrt_head_width", np.array(1.0 / np.sqrt(head_width), dtype=np.float32))
    scores = g.op("Add", g.op("Mul", g.op("MatMul", query, key), inverse_sqrt), key_bias)
    attended = g.op("MatMul", g.op("Softmax", scores, axis=-1), value)
    tokens_by_width = g.constant("tokens_by_width", np.array([-1, g.width], dtype=np.int64))
    attended = g.op("Reshape", g.op("Transpose", attended, perm=[0, 2, 1, 3]), tokens_by_width)
    attended = g.dense(attended, prefix + "attention.output.dense")
    hidden = g.layer_norm(g.op("Add", attended, hidden), prefix + "attention.output.LayerNorm")
    # BERT's exact GELU: x * 0.5 * (1 + erf(x / sqrt(2))).
    expanded = g.dense(hidden, prefix + "intermediate.dense")
    half = g.constant("half", np.array(0.5, dtype=np.float32))
    unit = g.constant("unit", np.array(1.0, dtype=np.float32))
    inverse_sqrt2 = g.constant("inverse_sqrt2", np.array(1.0 / np.sqrt(2.0), dtype=np.float32))
    gelu = g.op("Mul", g.op("Mul", expanded, half),
                g.op("Add", unit, g.op("Erf", g.op("Mul", expanded, inverse_sqrt2))))
    return g.layer_norm(g.op("Add", g.dense(gelu, prefix + "output.dense"), hidden), prefix + "output.LayerNorm")
