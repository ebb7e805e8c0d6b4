"""High-level layers, each owning its weights: Dense, convolution, pooling, normalization,
dropout, embedding and recurrent layers."""
from ...nn.init import INITIALIZERS
from ...nn.recurrent import recurrent_weight_shapes, run_recurrent
from ..params import P
from ..registry import TensorSpec, WeightSpec, register
from ...ops.util import conv_out_size, pair, same_padding
from ..shapes import N, fmt
from ._rules import fail, fail_dtype, last_dim_known, need_float, rank_at_least

BIAS_INITS = ("default", "zeros")


def _dense_rule(ins, p):
    need_float(ins, "x")
    rank_at_least(ins, "x", 1, "features last")
    last_dim_known(ins, "x")
    return {"y": TensorSpec(ins["x"].shape[:-1] + (p["units"],))}


def _dense_weights(ins, p):
    fan_in = ins["x"].shape[-1]
    w = {"weight": WeightSpec((p["units"], fan_in), p["weight_init"], fan_in)}
    if p["bias"]:
        w["bias"] = WeightSpec((p["units"],), p["bias_init"], fan_in)
    return w


register(type_id="Dense", category="Layers", title="Dense",
         description="Fully connected layer: every output unit is a weighted sum of all inputs plus a "
                     "bias, y = x·Wᵀ + b. Parameters: units × (inputs + 1).",
         inputs=["x"], outputs=["y"],
         params=[P("units", "int", 16, "number of neurons (outputs)", min=1, max=1_000_000),
                 P("bias", "bool", True, "add a learned bias"),
                 P("weight_init", "choice", "default", "how the weights start", choices=INITIALIZERS),
                 P("bias_init", "choice", "default", "how the bias starts", choices=BIAS_INITS)],
         infer=_dense_rule, weights=_dense_weights,
         forward=lambda F, ins, w, p, ctx: {"y": F.linear(ins["x"], w["weight"], w.get("bias"))},
         covers=("nn.Linear", "functional.linear"), keywords=("linear", "fully connected", "neurons", "perceptron"))


def _pair(v, name="size"):
    return pair(v, name, "layer")


def _spatial(ins, port="x"):
    s = ins[port].shape
    if len(s) != 4:
        fail(f"expects images N×C×H×W, got {fmt(s)}", port)
    if any(d == N for d in s[1:]):
        fail(f"channels and size must be known, got {fmt(s)}", port)
    return s


_out = conv_out_size


def _conv_padding(p, k, d):
    pad = p["padding"]
    if pad == "valid":
        return (0, 0)
    if pad == "same":
        return same_padding(k, d, _pair(p["stride"]), "padding")
    return tuple(pad)


def _conv_rule(ins, p):
    need_float(ins, "x")
    n, c, h, wd = _spatial(ins)
    k, st, d = _pair(p["kernel_size"]), _pair(p["stride"]), _pair(p["dilation"])
    pad = _conv_padding(p, k, d)
    ho, wo = _out(h, k[0], st[0], pad[0], d[0]), _out(wd, k[1], st[1], pad[1], d[1])
    if ho < 1 or wo < 1:
        fail(f"a {k[0]}×{k[1]} kernel does not fit the {h}×{wd} image", "x")
    return {"y": TensorSpec((n, p["filters"], ho, wo))}


def _conv_weights(ins, p):
    c = ins["x"].shape[1]
    k = _pair(p["kernel_size"])
    fan_in = c * k[0] * k[1]
    w = {"weight": WeightSpec((p["filters"], c) + k, p["weight_init"], fan_in)}
    if p["bias"]:
        w["bias"] = WeightSpec((p["filters"],), "default", fan_in)
    return w


def _conv_workspace(ins, p):
    """The im2col columns (C·kh·kw per output pixel), forward and again in backward."""
    _, c, _, _ = ins["x"].shape
    k = _pair(p["kernel_size"])
    out = _conv_rule(ins, p)["y"].shape
    return 2 * out[2] * out[3] * c * k[0] * k[1]


def _conv_forward(F, ins, w, p, ctx):
    k, d = _pair(p["kernel_size"]), _pair(p["dilation"])
    return {"y": F.conv2d(ins["x"], w["weight"], w.get("bias"), _pair(p["stride"]), _conv_padding(p, k, d), d)}


register(type_id="Conv2D", category="Layers", title="Conv2D",
         description="2-D convolution: slides `filters` small kernels over the image and produces one "
                     "feature map per kernel. Input and output are N×C×H×W.",
         inputs=["x"], outputs=["y"],
         params=[P("filters", "int", 16, "number of kernels = output channels", min=1, max=100_000),
                 P("kernel_size", "ints", (3,), "kernel height (and width)", min=1, length=(1, 2)),
                 P("stride", "ints", (1,), "step between positions", min=1, length=(1, 2)),
                 P("padding", "padding", "valid", "'valid' (none), 'same' (keep size) or pixels"),
                 P("dilation", "ints", (1,), "spacing of kernel taps", min=1, length=(1, 2)),
                 P("bias", "bool", True, "add a learned bias per filter"),
                 P("weight_init", "choice", "default", "how the kernels start", choices=INITIALIZERS)],
         infer=_conv_rule, weights=_conv_weights, forward=_conv_forward, workspace=_conv_workspace,
         covers=("nn.Conv2d", "functional.conv2d"), keywords=("convolution", "cnn", "kernel", "filter"))


def _pool_rule(ins, p):
    need_float(ins, "x")
    n, c, h, wd = _spatial(ins)
    k = _pair(p["kernel_size"])
    st = _pair(p["stride"]) if p["stride"] else k
    pad = _pair(p["padding"])
    if pad[0] > k[0] // 2 or pad[1] > k[1] // 2:
        fail(f"padding {pad} must be at most half the window {k}")
    ho, wo = _out(h, k[0], st[0], pad[0], 1), _out(wd, k[1], st[1], pad[1], 1)
    if ho < 1 or wo < 1:
        fail(f"a {k[0]}×{k[1]} window does not fit the {h}×{wd} image", "x")
    return {"y": TensorSpec((n, c, ho, wo))}


def _pool(type_id, fn, cover, description):
    register(type_id=type_id, category="Layers", title=type_id, description=description,
             inputs=["x"], outputs=["y"],
             params=[P("kernel_size", "ints", (2,), "window height (and width)", min=1, length=(1, 2)),
                     P("stride", "ints", None, "step (empty: the window size)", min=1, length=(1, 2), optional=True),
                     P("padding", "ints", (0,), "border in pixels", min=0, length=(1, 2))],
             infer=_pool_rule,
             forward=lambda F, ins, w, p, ctx: {"y": fn(F, ins["x"], _pair(p["kernel_size"]),
                                                        _pair(p["stride"]) if p["stride"] else None,
                                                        _pair(p["padding"]))},
             covers=cover, keywords=("pooling", "downsample", "cnn"))


_pool("MaxPool2D", lambda F, x, k, s, pad: F.max_pool2d(x, k, s, pad), ("nn.MaxPool2d", "functional.max_pool2d"),
      "Keeps the largest value of each window: halves the image with the default 2×2.")
_pool("AvgPool2D", lambda F, x, k, s, pad: F.avg_pool2d(x, k, s, pad), ("nn.AvgPool2d", "functional.avg_pool2d"),
      "Averages each window: a smoother downsampling than max pooling.")


def _adaptive_rule(ins, p):
    n, c, h, wd = _spatial(ins)
    oh, ow = _pair(p["output_size"])
    return {"y": TensorSpec((n, c, oh, ow))}


register(type_id="AdaptiveAvgPool2D", category="Layers", title="AdaptiveAvgPool2D",
         description="Averages into a fixed output size whatever the input size.",
         inputs=["x"], outputs=["y"],
         params=[P("output_size", "ints", (1,), "output height (and width)", min=1, length=(1, 2))],
         infer=_adaptive_rule,
         forward=lambda F, ins, w, p, ctx: {"y": F.adaptive_avg_pool2d(ins["x"], _pair(p["output_size"]))},
         covers=("nn.AdaptiveAvgPool2d", "functional.adaptive_avg_pool2d"), keywords=("pooling",))


def _gap_rule(ins, p):
    n, c, h, wd = _spatial(ins)
    return {"y": TensorSpec((n, c))}


register(type_id="GlobalAvgPool2D", category="Layers", title="GlobalAvgPool2D",
         description="Averages each feature map to one number: N×C×H×W becomes N×C.",
         inputs=["x"], outputs=["y"], infer=_gap_rule,
         forward=lambda F, ins, w, p, ctx: {"y": F.global_avg_pool2d(ins["x"])},
         covers=("nn.GlobalAvgPool2d", "functional.global_avg_pool2d"), keywords=("pooling", "gap"))


def _flatten_rule(ins, p):
    s = ins["x"].shape
    if len(s) < 2:
        return {"y": TensorSpec(s, ins["x"].dtype)}
    if any(d == N for d in s[1:]):
        fail(f"only the first axis may be the batch, got {fmt(s)}", "x")
    n = 1
    for d in s[1:]:
        n *= d
    return {"y": TensorSpec((s[0], n), ins["x"].dtype)}


register(type_id="Flatten", category="Layers", title="Flatten",
         description="Turns each sample into one long vector (N×C×H×W becomes N×(C·H·W)), e.g. before Dense.",
         inputs=["x"], outputs=["y"], infer=_flatten_rule,
         forward=lambda F, ins, w, p, ctx: {"y": F.flatten(ins["x"], 1) if ins["x"].ndim > 1 else ins["x"]},
         covers=("nn.Flatten", "functional.flatten"), keywords=("vector", "reshape"))


def _dropout_forward(F, ins, w, p, ctx):
    return {"y": F.dropout(ins["x"], p["p"], ctx.training, generator=ctx.generator)}


register(type_id="Dropout", category="Layers", title="Dropout",
         description="While training, zeroes each value with probability p (and scales the rest by "
                     "1/(1−p)); does nothing at evaluation. Fights overfitting (0.2–0.5 is typical).",
         inputs=["x"], outputs=["y"],
         params=[P("p", "float", 0.5, "probability of dropping a value", min=0.0, max=0.95)],
         infer=lambda ins, p: {"y": TensorSpec(ins["x"].shape)}, forward=_dropout_forward,
         covers=("nn.Dropout", "functional.dropout"), keywords=("regularization", "overfitting"))


def _bn_rule(ins, p):
    need_float(ins, "x")
    s = ins["x"].shape
    if len(s) < 2 or s[1] == N:
        fail(f"expects N×C or N×C×… with known channels, got {fmt(s)}", "x")
    return {"y": TensorSpec(s)}


def _bn_weights(ins, p):
    c = ins["x"].shape[1]
    return {"weight": WeightSpec((c,), "ones"), "bias": WeightSpec((c,), "zeros"),
            "running_mean": WeightSpec((c,), "zeros", trainable=False),
            "running_var": WeightSpec((c,), "ones", trainable=False)}


register(type_id="BatchNorm", category="Layers", title="BatchNorm",
         description="Normalizes each channel over the batch to mean 0 and variance 1, then scales and "
                     "shifts; evaluation uses running averages.",
         inputs=["x"], outputs=["y"],
         params=[P("momentum", "float", 0.1, "weight of the newest batch in the running averages", min=0.0, max=1.0),
                 P("eps", "float", 1e-5, "added to the variance", min=0.0)],
         infer=_bn_rule, weights=_bn_weights,
         forward=lambda F, ins, w, p, ctx: {"y": F.batch_norm(ins["x"], w["running_mean"], w["running_var"],
                                                              w["weight"], w["bias"], ctx.training,
                                                              p["momentum"], p["eps"])},
         covers=("nn.BatchNorm1d", "nn.BatchNorm2d", "functional.batch_norm"), keywords=("normalization",))


def _ln_rule(ins, p):
    need_float(ins, "x")
    s = ins["x"].shape
    if len(s) < p["axes"] or any(d == N for d in s[len(s) - p["axes"]:]):
        fail(f"cannot normalize the last {p['axes']} axes of {fmt(s)}", "x")
    return {"y": TensorSpec(s)}


def _ln_weights(ins, p):
    shape = ins["x"].shape[-p["axes"]:]
    return {"weight": WeightSpec(shape, "ones"), "bias": WeightSpec(shape, "zeros")}


register(type_id="LayerNorm", category="Layers", title="LayerNorm",
         description="Normalizes each sample over its last axes to mean 0 and variance 1, then scales and shifts.",
         inputs=["x"], outputs=["y"],
         params=[P("axes", "int", 1, "how many trailing axes to normalize over", min=1, max=3),
                 P("eps", "float", 1e-5, "added to the variance", min=0.0)],
         infer=_ln_rule, weights=_ln_weights,
         forward=lambda F, ins, w, p, ctx: {"y": F.layer_norm(ins["x"], tuple(ins["x"].shape[-p["axes"]:]),
                                                              w["weight"], w["bias"], p["eps"])},
         covers=("nn.LayerNorm", "functional.layer_norm"), keywords=("normalization",))


def _emb_rule(ins, p):
    if ins["ids"].dtype != "int":
        fail_dtype(f"'ids' must hold integer ids (an Input with dtype int64), got floats {fmt(ins['ids'].shape)}", "ids")
    return {"y": TensorSpec(ins["ids"].shape + (p["embedding_dim"],))}


register(type_id="Embedding", category="Layers", title="Embedding",
         description="Looks up a learned vector for each integer id (words, categories).",
         inputs=["ids"], outputs=["y"],
         params=[P("num_embeddings", "int", 100, "how many different ids", min=1, max=10_000_000),
                 P("embedding_dim", "int", 16, "length of each vector", min=1, max=100_000)],
         infer=_emb_rule,
         weights=lambda ins, p: {"weight": WeightSpec((p["num_embeddings"], p["embedding_dim"]), "normal")},
         forward=lambda F, ins, w, p, ctx: {"y": F.embedding(ins["ids"], w["weight"])},
         covers=("nn.Embedding", "functional.embedding"), keywords=("lookup", "word vectors"))


def _recurrent(kind, title, description, covers):
    def rule(ins, p):
        need_float(ins, "x")
        s = ins["x"].shape
        if len(s) != 3 or s[2] == N or s[1] == N:
            fail(f"expects a sequence N×T×features, got {fmt(s)}", "x")
        d = 2 if p["bidirectional"] else 1
        out = (s[0], s[1], d * p["units"]) if p["return_sequences"] else (s[0], d * p["units"])
        return {"y": TensorSpec(out)}

    def weights(ins, p):
        shapes = recurrent_weight_shapes(kind, ins["x"].shape[2], p["units"], p["num_layers"], p["bidirectional"])
        return {name: WeightSpec(shape, "default", p["units"]) for name, shape in shapes.items()}

    def forward(F, ins, w, p, ctx):
        out, last = run_recurrent(kind, ins["x"], w, p["num_layers"], p["bidirectional"], True, p["units"],
                                  p.get("nonlinearity", "tanh"), p["dropout"], ctx.training, ctx.generator)
        if p["return_sequences"]:
            return {"y": out}
        h = last[0]
        d = 2 if p["bidirectional"] else 1
        return {"y": h[h.shape[0] - 1] if d == 1 else F.cat([h[h.shape[0] - 2], h[h.shape[0] - 1]], dim=1)}

    params = [P("units", "int", 32, "size of the hidden state", min=1, max=100_000),
              P("num_layers", "int", 1, "stacked layers", min=1, max=16),
              P("bidirectional", "bool", False, "also read the sequence backwards and join both"),
              P("return_sequences", "bool", False, "output every step (N×T×units) or only the last (N×units)"),
              P("dropout", "float", 0.0, "dropout between stacked layers", min=0.0, max=0.95)]
    if kind == "RNN":
        params.append(P("nonlinearity", "choice", "tanh", "activation of the state", choices=("tanh", "relu")))
    def workspace(ins, p):
        """Every step's gates and states, per layer and direction, kept for backward."""
        t = ins["x"].shape[1]
        gates = {"LSTM": 4, "GRU": 3, "RNN": 1}[kind]
        d = 2 if p["bidirectional"] else 1
        return 3 * t * (gates + 2) * p["units"] * p["num_layers"] * d

    register(type_id=kind, category="Layers", title=title, description=description, inputs=["x"],
             outputs=["y"], params=params, infer=rule, weights=weights, forward=forward, workspace=workspace,
             covers=covers,
             keywords=("recurrent", "sequence", "time series", "bidirectional"))


_recurrent("RNN", "SimpleRNN", "Recurrent layer: carries a hidden state along the sequence, "
           "h' = tanh(x·W_ih + h·W_hh + b).", ("nn.RNN", "functional.rnn_sequence", "nn.Bidirectional"))
_recurrent("LSTM", "LSTM", "Long short-term memory: gates decide what the cell state keeps, forgets and "
           "outputs, so it can remember over long sequences.", ("nn.LSTM", "functional.lstm_sequence"))
_recurrent("GRU", "GRU", "Gated recurrent unit: an LSTM with two gates and no separate cell state.",
           ("nn.GRU", "functional.gru_sequence"))
