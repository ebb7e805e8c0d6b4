"""A graph as an ONNX model: ``export_onnx(graph, store)`` builds an opset-20 ``ModelProto`` with
the ``onnx`` package (an optional extra: ``pip install tensorweave[onnx]``). ONNX node names are
the graph's node names; the graph's weights become initializers named ``<node>.<weight>``; the
batch axis is the symbolic dimension ``N``. What it computes is the graph's prediction in
evaluation mode (the loss's input, or the Output nodes): dropout is the identity and batch norm
uses its running statistics, as ``Plan.predict`` does.

Each node type has one emitter in ``EMITTERS`` (by type id); ``NOT_EXPORTED`` names the types
without one and why, and a test checks that every registered type is in one of the two.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from ..backend import to_host
from . import registrar
from ..graph.shapes import N
from ..ops.util import pair, same_padding

OPSET = 20
NOT_EXPORTED = {}                 # type id -> why it has no ONNX emitter
INT64_MAX = np.iinfo(np.int64).max
INT64_MIN = np.iinfo(np.int64).min


INSTALL_HINT = ("ONNX export and import need the onnx package: pip install 'tensorweave[onnx]' "
                "(or pip install onnx onnxruntime)")


def require_onnx():
    """The onnx module, or ImportError saying how to install it."""
    try:
        import onnx
    except ImportError:
        raise ImportError(INSTALL_HINT) from None
    return onnx


class _Builder:
    """Collects ONNX nodes and initializers with unique names."""

    def __init__(self):
        self.nodes, self.initializers, self.taken, self.node_names = [], [], set(), set()

    def unique(self, base):
        base = re.sub(r"[^\w.:/-]+", "_", base.strip()) or "value"
        name, k = base, 2
        while name in self.taken:
            name, k = f"{base}_{k}", k + 1
        self.taken.add(name)
        return name

    def const(self, value, name):
        from onnx import numpy_helper
        arr = np.asarray(value)
        if arr.dtype == np.float64:
            arr = arr.astype(np.float32)
        name = self.unique(name)
        self.initializers.append(numpy_helper.from_array(np.array(arr, order="C"), name))
        return name

    def ints(self, values, name):
        return self.const(np.asarray(values, dtype=np.int64), name)

    def op(self, op_type, inputs, name, outputs=1, **attrs):
        from onnx import helper
        outs = [self.unique(f"{name}:{i}" if outputs > 1 else name) for i in range(outputs)]
        node_name, k = name, 2
        while node_name in self.node_names:
            node_name, k = f"{name}_{k}", k + 1
        self.node_names.add(node_name)
        self.nodes.append(helper.make_node(op_type, list(inputs), outs, name=node_name, **attrs))
        return outs if outputs > 1 else outs[0]


@dataclass
class _Node:
    """What an emitter sees: the node, its name, its inputs as ONNX value names, their specs, and
    the node's weights as numpy arrays."""
    node: object
    name: str
    ins: dict
    specs: dict
    weights: dict
    b: _Builder
    outs: dict = field(default_factory=dict)

    @property
    def p(self):
        return self.node.params

    def op(self, op_type, inputs, part="", outputs=1, **attrs):
        return self.b.op(op_type, inputs, self.name + (f"/{part}" if part else ""), outputs, **attrs)

    def weight(self, key, value=None):
        return self.b.const(self.weights[key] if value is None else value, f"{self.name}.{key}")

    def rank(self, port="x"):
        return len(self.specs[port].shape)

    def batched(self, port="x"):
        s = self.specs[port].shape
        return bool(s) and s[0] == N


EMITTERS = {}
emitter = registrar(EMITTERS)


# ---------------------------------------------------------------- activations
_SIMPLE = {"ReLU": "Relu", "Sigmoid": "Sigmoid", "Tanh": "Tanh", "Exp": "Exp", "Log": "Log", "Sqrt": "Sqrt",
           "Abs": "Abs", "Negate": "Neg", "Sin": "Sin", "Cos": "Cos"}


@emitter(*_SIMPLE)
def _simple(n):
    n.outs["y"] = n.op(_SIMPLE[n.node.type_id], [n.ins["x"]])


@emitter("LeakyReLU")
def _leaky(n):
    n.outs["y"] = n.op("LeakyRelu", [n.ins["x"]], alpha=float(n.p["negative_slope"]))


@emitter("ELU")
def _elu(n):
    n.outs["y"] = n.op("Elu", [n.ins["x"]], alpha=float(n.p["alpha"]))


@emitter("GELU")
def _gelu(n):
    n.outs["y"] = n.op("Gelu", [n.ins["x"]], approximate=n.p["approximate"])


@emitter("Softplus")
def _softplus(n):
    beta, threshold, x = float(n.p["beta"]), float(n.p["threshold"]), n.ins["x"]
    if beta == 1.0 and threshold >= 20.0:       # above 20, log(1 + eˣ) and x differ by < 3e-9
        n.outs["y"] = n.op("Softplus", [x])
        return
    bx = n.op("Mul", [x, n.b.const(np.float32(beta), f"{n.name}.beta")], "beta_x")
    smooth = n.op("Div", [n.op("Softplus", [bx], "softplus"), n.b.const(np.float32(beta), f"{n.name}.beta")], "smooth")
    linear = n.op("Greater", [bx, n.b.const(np.float32(threshold), f"{n.name}.threshold")], "linear")
    n.outs["y"] = n.op("Where", [linear, x, smooth])


@emitter("Softmax", "LogSoftmax")
def _softmax(n):
    n.outs["y"] = n.op(n.node.type_id, [n.ins["x"]], axis=int(n.p["dim"]))


# ---------------------------------------------------------------- elementwise and products
_BINARY = {"Add": "Add", "Subtract": "Sub", "Multiply": "Mul", "Divide": "Div", "Maximum": "Max",
           "Minimum": "Min", "PowerOf": "Pow", "MatMul": "MatMul"}


@emitter(*_BINARY)
def _binary(n):
    n.outs["y"] = n.op(_BINARY[n.node.type_id], [n.ins["a"], n.ins["b"]])


@emitter("Power")
def _power(n):
    n.outs["y"] = n.op("Pow", [n.ins["x"], n.b.const(np.float32(n.p["exponent"]), f"{n.name}.exponent")])


@emitter("Clamp")
def _clamp(n):
    bounds = [n.b.const(np.float32(n.p[k]), f"{n.name}.{k}") if n.p[k] is not None else "" for k in ("min", "max")]
    n.outs["y"] = n.op("Clip", [n.ins["x"]] + bounds)


def _axes(n, dims):
    rank = n.rank()
    return list(range(rank)) if dims is None else sorted(d % rank for d in dims)


@emitter("Sum", "Mean")
def _reduce(n):
    op = "ReduceSum" if n.node.type_id == "Sum" else "ReduceMean"
    axes = n.b.ints(_axes(n, n.p["dims"]), f"{n.name}.axes")
    n.outs["y"] = n.op(op, [n.ins["x"], axes], keepdims=int(n.p["keepdim"]))


@emitter("Var", "Std")
def _spread(n):
    """Σ(x − mean)² / max(count − 1, 1) as the engine computes it; with the batch among the axes,
    count = size(x) / size(mean)."""
    x = n.ins["x"]
    axes = n.b.ints(_axes(n, n.p["dims"]), f"{n.name}.axes")
    mean = n.op("ReduceMean", [x, axes], "mean", keepdims=1)
    dev = n.op("Sub", [x, mean], "deviation")
    sq = n.op("ReduceSumSquare", [dev, axes], "sum_sq", keepdims=int(n.p["keepdim"]))
    shape = n.specs["x"].shape
    reduced = [shape[d] for d in _axes(n, n.p["dims"])]
    if N not in reduced:
        dof = n.b.const(np.float32(max(np.prod(reduced) - 1, 1)), f"{n.name}.dof")
    else:
        count = n.op("Div", [n.op("Cast", [n.op("Size", [x], "size_x")], "size_x_f", to=1),
                             n.op("Cast", [n.op("Size", [mean], "size_mean")], "size_mean_f", to=1)], "count")
        one = n.b.const(np.float32(1), f"{n.name}.one")
        dof = n.op("Max", [n.op("Sub", [count, one], "count_less_one"), one], "dof")   # the engine's max(n − 1, 1)
    var = n.op("Div", [sq, dof], "var" if n.node.type_id == "Std" else "")
    n.outs["y"] = n.op("Sqrt", [var]) if n.node.type_id == "Std" else var


@emitter("Max", "Min")
def _extreme(n):
    op = "ReduceMax" if n.node.type_id == "Max" else "ReduceMin"
    if n.p["dim"] is None:
        n.outs["y"] = n.op(op, [n.ins["x"]], keepdims=0)
    else:
        axes = n.b.ints([n.p["dim"] % n.rank()], f"{n.name}.axes")
        n.outs["y"] = n.op(op, [n.ins["x"], axes], keepdims=int(n.p["keepdim"]))


# ---------------------------------------------------------------- shapes
@emitter("Reshape")
def _reshape(n):
    shape = ([0] if n.batched() else []) + list(n.p["shape"])
    n.outs["y"] = n.op("Reshape", [n.ins["x"], n.b.ints(shape, f"{n.name}.shape")])


@emitter("Transpose")
def _transpose(n):
    perm = list(range(n.rank()))
    a, b = n.p["dim0"] % n.rank(), n.p["dim1"] % n.rank()
    perm[a], perm[b] = perm[b], perm[a]
    n.outs["y"] = n.op("Transpose", [n.ins["x"]], perm=perm)


@emitter("Permute")
def _permute(n):
    n.outs["y"] = n.op("Transpose", [n.ins["x"]], perm=[d % n.rank() for d in n.p["dims"]])


def _joined(n):
    return [k for k in ("a", "b", "c", "d") if k in n.ins]


@emitter("Concat")
def _concat(n):
    n.outs["y"] = n.op("Concat", [n.ins[k] for k in _joined(n)], axis=n.p["dim"] % n.rank("a"))


@emitter("Stack")
def _stack(n):
    ports = _joined(n)
    d = n.p["dim"] % (n.rank("a") + 1)
    axes = n.b.ints([d], f"{n.name}.axes")
    parts = [n.op("Unsqueeze", [n.ins[k], axes], f"unsqueeze_{k}") for k in ports]
    n.outs["y"] = n.op("Concat", parts, axis=d)


@emitter("Split")
def _split(n):
    shape = n.specs["x"].shape
    d = n.p["dim"] % len(shape)
    sizes = n.b.ints([n.p["size"], shape[d] - n.p["size"]], f"{n.name}.sizes")
    n.outs["first"], n.outs["rest"] = n.op("Split", [n.ins["x"], sizes], outputs=2, axis=d)


@emitter("Pad")
def _pad(n):
    rank, pad = n.rank(), list(n.p["pad"])
    begin, end = [0] * rank, [0] * rank
    for i in range(len(pad) // 2):
        begin[rank - 1 - i], end[rank - 1 - i] = pad[2 * i], pad[2 * i + 1]
    n.outs["y"] = n.op("Pad", [n.ins["x"], n.b.ints(begin + end, f"{n.name}.pads"),
                               n.b.const(np.float32(n.p["value"]), f"{n.name}.value")], mode="constant")


@emitter("Slice")
def _slice(n):
    d, step = n.p["dim"] % n.rank(), n.p["step"]
    stop = n.p["stop"] if n.p["stop"] is not None else (INT64_MAX if step > 0 else INT64_MIN)
    start = n.p["start"] if n.p["start"] is not None else (0 if step > 0 else -1)
    ints = [n.b.ints([v], f"{n.name}.{k}") for k, v in (("start", start), ("stop", stop), ("axis", d), ("step", step))]
    n.outs["y"] = n.op("Slice", [n.ins["x"]] + ints)


@emitter("Cast")
def _cast(n):
    n.outs["y"] = n.op("Cast", [n.ins["x"]], to=1 if n.p["dtype"] == "float32" else 7)


@emitter("Flatten")
def _flatten(n):
    n.outs["y"] = n.op("Flatten", [n.ins["x"]], axis=1) if n.rank() > 1 else n.ins["x"]


# ---------------------------------------------------------------- layers
@emitter("Dense")
def _dense(n):
    has_bias = "bias" in n.weights
    if n.rank() == 2:
        ins = [n.ins["x"], n.weight("weight")] + ([n.weight("bias")] if has_bias else [])
        n.outs["y"] = n.op("Gemm", ins, transB=1)
        return
    # as PyTorch writes nn.Linear on more than 2 axes: MatMul with the transposed weight, then Add
    y = n.op("MatMul", [n.ins["x"], n.weight("weight", n.weights["weight"].T)], "matmul" if has_bias else "")
    n.outs["y"] = n.op("Add", [y, n.weight("bias")]) if has_bias else y


@emitter("Conv2D")
def _conv(n):
    k, s, d = (pair(n.p[name], name, "Conv2D") for name in ("kernel_size", "stride", "dilation"))
    pad = n.p["padding"]
    pad = (0, 0) if pad == "valid" else same_padding(k, d, s, "Conv2D") if pad == "same" else pair(pad, "padding", "Conv2D")
    ins = [n.ins["x"], n.weight("weight")] + ([n.weight("bias")] if "bias" in n.weights else [])
    n.outs["y"] = n.op("Conv", ins, kernel_shape=list(k), strides=list(s), dilations=list(d), pads=list(pad) * 2)


@emitter("MaxPool2D", "AvgPool2D")
def _pool(n):
    k = pair(n.p["kernel_size"], "kernel_size", "pool")
    s = pair(n.p["stride"], "stride", "pool") if n.p["stride"] else k
    pad = pair(n.p["padding"], "padding", "pool")
    if n.node.type_id == "MaxPool2D":
        n.outs["y"] = n.op("MaxPool", [n.ins["x"]], kernel_shape=list(k), strides=list(s), pads=list(pad) * 2)
    else:
        n.outs["y"] = n.op("AveragePool", [n.ins["x"]], kernel_shape=list(k), strides=list(s), pads=list(pad) * 2,
                           count_include_pad=1)


@emitter("AdaptiveAvgPool2D")
def _adaptive(n):
    out = pair(n.p["output_size"], "output_size", "pool")
    h, w = n.specs["x"].shape[2:]
    if out == (1, 1):
        n.outs["y"] = n.op("GlobalAveragePool", [n.ins["x"]])
    elif h % out[0] == 0 and w % out[1] == 0:
        k = [h // out[0], w // out[1]]
        n.outs["y"] = n.op("AveragePool", [n.ins["x"]], kernel_shape=k, strides=k)
    else:
        # PyTorch's bins, start ⌊i·H/o⌋ to end ⌈(i+1)·H/o⌉: the mean over rows, then over columns
        y = n.ins["x"]
        for axis, size, o in ((2, h, out[0]), (3, w, out[1])):
            parts = []
            for i in range(o):
                lo, hi = (i * size) // o, -((-(i + 1) * size) // o)
                ints = [n.b.ints([v], f"{n.name}.{axis}_{i}_{k}") for k, v in (("start", lo), ("stop", hi), ("axis", axis))]
                cut = n.op("Slice", [y] + ints, f"bin{axis}_{i}")
                parts.append(n.op("ReduceMean", [cut, n.b.ints([axis], f"{n.name}.axis{axis}")], f"mean{axis}_{i}",
                                  keepdims=1))
            y = n.op("Concat", parts, "" if axis == 3 else "rows", axis=axis)
        n.outs["y"] = y


@emitter("GlobalAvgPool2D")
def _gap(n):
    n.outs["y"] = n.op("ReduceMean", [n.ins["x"], n.b.ints([2, 3], f"{n.name}.axes")], keepdims=0)


@emitter("Dropout")
def _dropout(n):
    n.outs["y"] = n.op("Dropout", [n.ins["x"], n.b.const(np.float32(n.p["p"]), f"{n.name}.ratio")])


@emitter("BatchNorm")
def _batch_norm(n):
    ins = [n.ins["x"]] + [n.weight(k) for k in ("weight", "bias", "running_mean", "running_var")]
    n.outs["y"] = n.op("BatchNormalization", ins, epsilon=float(n.p["eps"]), momentum=1.0 - float(n.p["momentum"]))


@emitter("LayerNorm")
def _layer_norm(n):
    n.outs["y"] = n.op("LayerNormalization", [n.ins["x"], n.weight("weight"), n.weight("bias")],
                       axis=-int(n.p["axes"]), epsilon=float(n.p["eps"]))


@emitter("Embedding")
def _embedding(n):
    n.outs["y"] = n.op("Gather", [n.weight("weight"), n.ins["ids"]], axis=0)


# PyTorch's gate blocks in ONNX's order: LSTM [i f g o] -> [i o f c], GRU [r z n] -> [z r h]
GATE_ORDER = {"RNN": [0], "LSTM": [0, 3, 1, 2], "GRU": [1, 0, 2]}


def _onnx_gates(kind, w):
    blocks = np.split(np.asarray(w), len(GATE_ORDER[kind]), axis=0)
    return np.concatenate([blocks[i] for i in GATE_ORDER[kind]], axis=0)


@emitter("RNN", "LSTM", "GRU")
def _recurrent(n):
    """One ONNX RNN/LSTM/GRU per layer, time-major between them (as PyTorch exports)."""
    kind, p = n.node.type_id, n.p
    dirs = ["", "_reverse"] if p["bidirectional"] else [""]
    attrs = {"hidden_size": int(p["units"]), "direction": "bidirectional" if len(dirs) == 2 else "forward"}
    if kind == "RNN":
        attrs["activations"] = ["Relu" if p.get("nonlinearity") == "relu" else "Tanh"] * len(dirs)
    if kind == "GRU":
        attrs["linear_before_reset"] = 1
    seq = n.op("Transpose", [n.ins["x"]], "time_major", perm=[1, 0, 2])
    for layer in range(p["num_layers"]):
        tag = f"l{layer}"
        W = np.stack([_onnx_gates(kind, n.weights[f"weight_ih_{tag}{s}"]) for s in dirs])
        R = np.stack([_onnx_gates(kind, n.weights[f"weight_hh_{tag}{s}"]) for s in dirs])
        B = np.stack([np.concatenate([_onnx_gates(kind, n.weights[f"bias_ih_{tag}{s}"]),
                                      _onnx_gates(kind, n.weights[f"bias_hh_{tag}{s}"])]) for s in dirs])
        ins = [seq, n.weight(f"W_{tag}", W), n.weight(f"R_{tag}", R), n.weight(f"B_{tag}", B)]
        outs = n.op(kind, ins, tag, outputs=2, **attrs)
        y, h = outs[0], outs[1]
        if len(dirs) == 1:
            seq = n.op("Squeeze", [y, n.b.ints([1], f"{n.name}.axis1")], f"{tag}_seq")
        else:                          # (T, 2, N, H) -> (T, N, 2H): forward and backward side by side
            both = n.op("Transpose", [y], f"{tag}_tnd", perm=[0, 2, 1, 3])
            seq = n.op("Reshape", [both, n.b.ints([0, 0, -1], f"{n.name}.tn_flat")], f"{tag}_seq")
    if p["return_sequences"]:
        n.outs["y"] = n.op("Transpose", [seq], "", perm=[1, 0, 2])
    elif len(dirs) == 1:
        n.outs["y"] = n.op("Squeeze", [h, n.b.ints([0], f"{n.name}.axis0")], "")
    else:
        both = n.op("Transpose", [h], "last_nd", perm=[1, 0, 2])
        n.outs["y"] = n.op("Reshape", [both, n.b.ints([0, -1], f"{n.name}.n_flat")], "")


# ---------------------------------------------------------------- data and hand-made tensors
@emitter("Parameter")
def _parameter(n):
    n.outs["value"] = n.b.const(n.weights["value"], n.name)


@emitter("Constant")
def _constant(n):
    from ..graph.nodetypes.data import _constant_value
    n.outs["value"] = n.b.const(_constant_value(n.p).astype(np.float32), n.name)


# ---------------------------------------------------------------- the model
_ROLES_WITHOUT_OPS = ("input", "target", "loss", "output")


def _elem_type(spec):
    return 7 if spec.dtype == "int" else 1          # INT64, FLOAT


def _value_info(name, spec):
    from onnx import helper
    return helper.make_tensor_value_info(name, _elem_type(spec), [d if d != N else "N" for d in spec.shape])


def prediction_ports(graph):
    """The (node, port) values the model returns: the loss's input, or the Output nodes' inputs,
    each with its name."""
    loss = graph.loss_node()
    if loss is not None:
        e = graph.incoming(loss.id)["input"]
        return [((e.src, e.src_port), "prediction")]
    out = []
    for o in graph.nodes_of_role("output"):
        e = graph.incoming(o.id).get("x")
        if e is not None:
            out.append(((e.src, e.src_port), o.params.get("name") or o.label))
    return out


def export_onnx(graph, store=None, outputs=None, name="tensorweave"):
    """The ONNX ModelProto of ``graph``'s prediction with ``store``'s weights (weights not trained
    yet are initialized as the trainer would). ``outputs`` ([(node, port)]) overrides what the model
    returns. Raises ValueError naming a node that cannot be exported, ImportError without onnx."""
    onnx = require_onnx()
    from onnx import helper

    from ..graph.plan import Plan
    from ..graph.training import training_config
    from ..graph.weights import WeightStore
    from ..random import Generator
    a = graph.analysis
    if a.errors:
        raise ValueError(f"the graph has {len(a.errors)} error(s): {a.errors[0].message}")
    wanted = [(ref, f"{graph.nodes[ref[0]].label}.{ref[1]}") for ref in outputs] if outputs else prediction_ports(graph)
    if not wanted:
        raise ValueError("the graph has no loss and no Output: nothing to export")
    store = store if store is not None else WeightStore()
    cfg = training_config(graph.config.get("training", {}))
    Plan(graph, store, "cpu", "float32", Generator(cfg["seed"]))      # initializes weights not trained yet
    keep = graph.upstream({ref[0] for ref, _ in wanted})
    b, values, inputs = _Builder(), {}, []
    for node in graph.nodes_of_role("input"):
        if node.id in keep:
            name_ = b.unique(node.label)
            values[(node.id, "x")] = name_
            inputs.append(_value_info(name_, a.specs[(node.id, "x")]))
    for nid in a.order:
        node = graph.nodes[nid]
        if nid not in keep or node.type.role in _ROLES_WITHOUT_OPS:
            continue
        fn = EMITTERS.get(node.type_id)
        if fn is None:
            raise ValueError(f"{node.label}: {node.type_id} cannot be exported to ONNX "
                             f"({NOT_EXPORTED.get(node.type_id, 'no exporter')})")
        edges = graph.incoming(nid)
        ins = {}
        for port, e in edges.items():
            if (e.src, e.src_port) not in values:
                raise ValueError(f"{node.label}: its input '{port}' comes from a Target, which the exported "
                                 "model does not have")
            ins[port] = values[(e.src, e.src_port)]
        weights = {w: np.array(to_host(store.tensors[(nid, w)].array)) for w in a.weights.get(nid, {})}
        n = _Node(node, node.label, ins, {p: a.specs[(e.src, e.src_port)] for p, e in edges.items()},
                  weights, b)
        fn(n)
        for port, v in n.outs.items():
            values[(nid, port)] = v
    outputs_info = []
    produced = {o: node for node in b.nodes for o in node.output}
    for ref, out_name in wanted:
        v = values[ref]
        out_name = b.unique(out_name)
        node = produced.get(v)
        if node is not None and sum(v in nd.input for nd in b.nodes) == 0 and v not in [o.name for o in outputs_info]:
            node.output[list(node.output).index(v)] = out_name        # the producing node writes the output
        else:
            b.nodes.append(helper.make_node("Identity", [v], [out_name], name=out_name))
        outputs_info.append(_value_info(out_name, a.specs[ref]))
    g = helper.make_graph(b.nodes, name, inputs, outputs_info, b.initializers)
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="tensorweave",
                              doc_string=f"Exported from Tensorweave: {len(keep)} graph nodes.")
    model.ir_version = min(model.ir_version, 10)
    model = onnx.shape_inference.infer_shapes(model, strict_mode=True)
    onnx.checker.check_model(model, full_check=True)
    return model


def save_onnx(graph, store, path, **kw):
    """Export and write ``path`` atomically; returns the ModelProto."""
    from ..graph.fileformat import atomic_write
    model = export_onnx(graph, store, **kw)
    atomic_write(path, model.SerializeToString())
    return model
