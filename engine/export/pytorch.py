"""A graph as a readable PyTorch module: ``export_module(graph)`` writes the source of an
``nn.Module`` whose submodules carry the graph's node names and whose ``forward`` follows the
plan's order (layers become ``nn`` modules, low-level op nodes plain tensor expressions), and
``state_dict_of(graph, store)`` gives the weights under the module's names. PyTorch is not needed
to write the code, only to run it.

Each node type has one emitter in ``EMITTERS`` (by type id); ``NOT_EXPORTED`` names the types that
have none yet and why, and a test checks that every registered type is in one of the two.
"""
from __future__ import annotations

import keyword
import re
from dataclasses import dataclass, field

import numpy as np

from ..backend import to_host
from . import registrar
from ..ops.util import pair, same_padding

NOT_EXPORTED = {}          # type id -> why it has no emitter yet


@dataclass
class _Node:
    """What an emitter sees: the node, its attribute name, its inputs as expressions and specs."""
    node: object
    attr: str
    ins: dict                    # port -> expression
    specs: dict                  # port -> TensorSpec
    out_specs: dict              # port -> TensorSpec
    init: list = field(default_factory=list)
    outs: dict = field(default_factory=dict)   # port -> expression
    weights: dict = field(default_factory=dict)  # engine weight name -> module state_dict key

    @property
    def p(self):
        return self.node.params

    def module(self, text, **weights):
        self.init.append(f"self.{self.attr} = {text}")
        self.weights.update({w: f"{self.attr}.{k}" for w, k in weights.items()})
        return f"self.{self.attr}"


EMITTERS = {}
emitter = registrar(EMITTERS)


def _num(v):
    return repr(float(v)) if isinstance(v, float) else repr(v)


# ---------------------------------------------------------------- activations
_ACT = {"ReLU": "F.relu({x})", "Sigmoid": "torch.sigmoid({x})", "Tanh": "torch.tanh({x})",
        "LeakyReLU": "F.leaky_relu({x}, {negative_slope})", "ELU": "F.elu({x}, {alpha})",
        "GELU": "F.gelu({x}, approximate={approximate!r})", "Softplus": "F.softplus({x}, {beta}, {threshold})",
        "Softmax": "F.softmax({x}, dim={dim})", "LogSoftmax": "F.log_softmax({x}, dim={dim})"}


@emitter(*_ACT)
def _activation(n):
    n.outs["y"] = _ACT[n.node.type_id].format(x=n.ins["x"], **n.p)


# ---------------------------------------------------------------- elementwise and products
_BINARY = {"Add": "{a} + {b}", "Subtract": "{a} - {b}", "Multiply": "{a} * {b}", "Divide": "{a} / {b}",
           "Maximum": "torch.maximum({a}, {b})", "Minimum": "torch.minimum({a}, {b})",
           "PowerOf": "torch.pow({a}, {b})", "MatMul": "{a} @ {b}"}
_UNARY = {"Exp": "torch.exp({x})", "Log": "torch.log({x})", "Sqrt": "torch.sqrt({x})", "Abs": "torch.abs({x})",
          "Negate": "-{x}", "Sin": "torch.sin({x})", "Cos": "torch.cos({x})"}


@emitter(*_BINARY)
def _binary(n):
    n.outs["y"] = "(" + _BINARY[n.node.type_id].format(**n.ins) + ")"


@emitter(*_UNARY)
def _unary(n):
    n.outs["y"] = _UNARY[n.node.type_id].format(**n.ins)


@emitter("Power")
def _power(n):
    n.outs["y"] = f"({n.ins['x']} ** {_num(n.p['exponent'])})"


@emitter("Clamp")
def _clamp(n):
    n.outs["y"] = f"torch.clamp({n.ins['x']}, min={n.p['min']!r}, max={n.p['max']!r})"


@emitter("Sum", "Mean", "Var", "Std")
def _reduce(n):
    fn = n.node.type_id.lower()
    dims, keep = n.p["dims"], n.p["keepdim"]
    if dims is None:
        dims = tuple(range(len(n.specs["x"].shape)))
    shape = n.specs["x"].shape
    count = None if any(shape[d] == "N" for d in dims) else int(np.prod([shape[d] for d in dims]))
    # the engine divides by max(n − 1, 1): a single value has spread 0, not PyTorch's nan
    extra = f", correction={0 if count == 1 else 1}" if fn in ("var", "std") else ""
    n.outs["y"] = f"torch.{fn}({n.ins['x']}, dim={tuple(dims)!r}{extra}, keepdim={keep})"


@emitter("Max", "Min")
def _extreme(n):
    fn = n.node.type_id.lower()
    if n.p["dim"] is None:
        n.outs["y"] = f"torch.{fn}({n.ins['x']})"
    else:
        n.outs["y"] = f"torch.{fn}({n.ins['x']}, dim={n.p['dim']}, keepdim={n.p['keepdim']}).values"


# ---------------------------------------------------------------- shapes
@emitter("Reshape")
def _reshape(n):
    x = n.ins["x"]
    n.outs["y"] = f"{x}.reshape(({x}.shape[0],) + {tuple(n.p['shape'])!r})"


@emitter("Transpose")
def _transpose(n):
    n.outs["y"] = f"{n.ins['x']}.transpose({n.p['dim0']}, {n.p['dim1']})"


@emitter("Permute")
def _permute(n):
    n.outs["y"] = f"{n.ins['x']}.permute{tuple(n.p['dims'])!r}"


@emitter("Concat", "Stack")
def _join(n):
    parts = ", ".join(n.ins[k] for k in ("a", "b", "c", "d") if k in n.ins)
    fn = "cat" if n.node.type_id == "Concat" else "stack"
    n.outs["y"] = f"torch.{fn}([{parts}], dim={n.p['dim']})"


@emitter("Split")
def _split(n):
    shape = n.specs["x"].shape
    d = n.p["dim"] % len(shape)
    var = f"{n.attr}_parts"
    n.outs["first"], n.outs["rest"] = f"{var}[0]", f"{var}[1]"
    n.pre = f"{var} = torch.split({n.ins['x']}, [{n.p['size']}, {shape[d] - n.p['size']}], dim={d})"


@emitter("Pad")
def _pad(n):
    n.outs["y"] = f"F.pad({n.ins['x']}, {tuple(n.p['pad'])!r}, value={_num(n.p['value'])})"


@emitter("Slice")
def _slice(n):
    d = n.p["dim"] % len(n.specs["x"].shape)
    index = ", ".join([":"] * d + [f"{n.p['start']}:{'' if n.p['stop'] is None else n.p['stop']}:{n.p['step']}"])
    n.outs["y"] = f"{n.ins['x']}[{index}]"


@emitter("Cast")
def _cast(n):
    n.outs["y"] = f"{n.ins['x']}.{'float' if n.p['dtype'] == 'float32' else 'long'}()"


@emitter("Flatten")
def _flatten(n):
    x = n.ins["x"]
    n.outs["y"] = f"torch.flatten({x}, 1)" if len(n.specs["x"].shape) > 1 else x


# ---------------------------------------------------------------- layers
@emitter("Dense")
def _dense(n):
    fan_in = n.specs["x"].shape[-1]
    m = n.module(f"nn.Linear({fan_in}, {n.p['units']}, bias={n.p['bias']})", weight="weight",
                 **({"bias": "bias"} if n.p["bias"] else {}))
    n.outs["y"] = f"{m}({n.ins['x']})"


@emitter("Conv2D")
def _conv(n):
    c = n.specs["x"].shape[1]
    k, s, d = (pair(n.p[name], name, "Conv2D") for name in ("kernel_size", "stride", "dilation"))
    pad = n.p["padding"]
    pad = (0, 0) if pad == "valid" else same_padding(k, d, s, "Conv2D") if pad == "same" else tuple(pad)
    m = n.module(f"nn.Conv2d({c}, {n.p['filters']}, kernel_size={k}, stride={s}, padding={pad}, dilation={d}, "
                 f"bias={n.p['bias']})", weight="weight", **({"bias": "bias"} if n.p["bias"] else {}))
    n.outs["y"] = f"{m}({n.ins['x']})"


@emitter("MaxPool2D", "AvgPool2D")
def _pool(n):
    k = pair(n.p["kernel_size"], "kernel_size", "pool")
    s = pair(n.p["stride"], "stride", "pool") if n.p["stride"] else k
    pad = pair(n.p["padding"], "padding", "pool")
    cls = "MaxPool2d" if n.node.type_id == "MaxPool2D" else "AvgPool2d"
    m = n.module(f"nn.{cls}(kernel_size={k}, stride={s}, padding={pad})")
    n.outs["y"] = f"{m}({n.ins['x']})"


@emitter("AdaptiveAvgPool2D")
def _adaptive(n):
    m = n.module(f"nn.AdaptiveAvgPool2d({pair(n.p['output_size'], 'output_size', 'pool')})")
    n.outs["y"] = f"{m}({n.ins['x']})"


@emitter("GlobalAvgPool2D")
def _gap(n):
    n.outs["y"] = f"{n.ins['x']}.mean(dim=(2, 3))"


@emitter("Dropout")
def _dropout(n):
    m = n.module(f"nn.Dropout({_num(n.p['p'])})")
    n.outs["y"] = f"{m}({n.ins['x']})"


@emitter("BatchNorm")
def _batch_norm(n):
    shape = n.specs["x"].shape
    cls = "BatchNorm2d" if len(shape) == 4 else "BatchNorm1d"
    m = n.module(f"nn.{cls}({shape[1]}, eps={_num(n.p['eps'])}, momentum={_num(n.p['momentum'])})",
                 weight="weight", bias="bias", running_mean="running_mean", running_var="running_var")
    n.outs["y"] = f"{m}({n.ins['x']})"


@emitter("LayerNorm")
def _layer_norm(n):
    shape = tuple(n.specs["x"].shape[-n.p["axes"]:])
    m = n.module(f"nn.LayerNorm({shape!r}, eps={_num(n.p['eps'])})", weight="weight", bias="bias")
    n.outs["y"] = f"{m}({n.ins['x']})"


@emitter("Embedding")
def _embedding(n):
    m = n.module(f"nn.Embedding({n.p['num_embeddings']}, {n.p['embedding_dim']})", weight="weight")
    n.outs["y"] = f"{m}({n.ins['ids']})"


@emitter("RNN", "LSTM", "GRU")
def _recurrent(n):
    kind, p = n.node.type_id, n.p
    size = n.specs["x"].shape[2]
    extra = f", nonlinearity={p.get('nonlinearity', 'tanh')!r}" if kind == "RNN" else ""
    from ..nn.recurrent import recurrent_weight_shapes
    names = recurrent_weight_shapes(kind, size, p["units"], p["num_layers"], p["bidirectional"])
    m = n.module(f"nn.{kind}({size}, {p['units']}, num_layers={p['num_layers']}, batch_first=True, "
                 f"bidirectional={p['bidirectional']}, dropout={_num(p['dropout'])}{extra})",
                 **{k: k for k in names})
    var = f"{n.attr}_out"
    n.pre = f"{var}, {n.attr}_state = {m}({n.ins['x']})"
    if p["return_sequences"]:
        n.outs["y"] = var
    else:
        h = f"{n.attr}_state[0]" if kind == "LSTM" else f"{n.attr}_state"
        n.outs["y"] = f"{h}[-1]" if not p["bidirectional"] else f"torch.cat([{h}[-2], {h}[-1]], dim=1)"


# ---------------------------------------------------------------- data and hand-made tensors
@emitter("Parameter")
def _parameter(n):
    shape = tuple(n.p["shape"])
    n.init.append(f"self.{n.attr} = nn.Parameter(torch.zeros({shape!r}), requires_grad={n.p['trainable']})")
    n.weights["value"] = n.attr
    n.outs["value"] = f"self.{n.attr}"


@emitter("Constant")
def _constant(n):
    from ..graph.nodetypes.data import _constant_value
    values = _constant_value(n.p).astype(np.float32)
    n.init.append(f"self.register_buffer({n.attr!r}, torch.tensor({values.tolist()!r}), persistent=False)")
    n.outs["value"] = f"self.{n.attr}"


@emitter("Input", "Target", "Output")
def _data(n):
    pass                                # Input is forward's argument; Output marks what it returns


LOSSES = {"MSE", "MSLE", "MAE", "Huber", "BinaryCrossEntropy", "BCEWithLogits", "Hinge", "SquaredHinge",
          "CrossEntropy", "CategoricalCrossEntropy", "NLL", "KLDivergence"}
for _t in LOSSES:
    EMITTERS[_t] = _data                # the loss is not part of the module's forward (train.py computes it)


# ---------------------------------------------------------------- the module
def _identifier(label, taken):
    name = re.sub(r"\W+", "_", label.strip().lower()).strip("_") or "node"
    if name[0].isdigit() or keyword.iskeyword(name) or name in ("forward", "training", "self"):
        name = "n_" + name
    base, k = name, 2
    while name in taken:
        name, k = f"{base}_{k}", k + 1
    taken.add(name)
    return name


@dataclass
class Exported:
    source: str                  # the module's Python source
    weight_keys: dict            # 'node/name' -> state_dict key
    class_name: str
    returns: list                # what forward returns: the prediction, or the Outputs


def export_module(graph, class_name="Model") -> Exported:
    """The source of an nn.Module computing ``graph``'s prediction (the loss's input, or the
    Output nodes) from its Input. Raises ValueError naming a node whose type cannot be exported."""
    a = graph.analysis
    if a.errors:
        raise ValueError(f"the graph has {len(a.errors)} error(s): {a.errors[0].message}")
    loss = graph.loss_node()
    outputs = graph.nodes_of_role("output")
    wanted = [loss.id] if loss else [o.id for o in outputs]
    keep = graph.upstream(wanted)
    taken, expr, init, body, keys = set(), {}, [], [], {}
    for node in graph.nodes_of_role("input"):
        expr[(node.id, "x")] = "x"
    for node in graph.nodes_of_role("target"):
        expr[(node.id, "y")] = "y"
    for nid in a.order:
        if nid not in keep:
            continue
        node = graph.nodes[nid]
        fn = EMITTERS.get(node.type_id)
        if fn is None:
            raise ValueError(f"{node.label}: {node.type_id} cannot be exported to PyTorch yet "
                             f"({NOT_EXPORTED.get(node.type_id, 'no exporter')})")
        edges = graph.incoming(nid)
        n = _Node(node, _identifier(node.label, taken), {p: expr.get((e.src, e.src_port)) for p, e in edges.items()},
                  {p: a.specs[(e.src, e.src_port)] for p, e in edges.items()},
                  {p.name: a.specs.get((nid, p.name)) for p in node.type.outputs})
        n.pre = None
        fn(n)
        init.extend(n.init)
        if n.pre:
            body.append(n.pre)
        for port, text in n.outs.items():
            if node.type.role in ("input", "target", "loss", "output"):
                continue
            var = n.attr if len(n.outs) == 1 else f"{n.attr}_{port}"
            if text == var or re.fullmatch(r"self\.\w+", text):     # a name already: no copy under another
                expr[(nid, port)] = text
                continue
            body.append(f"{var} = {text}")
            expr[(nid, port)] = var
        for w, key in n.weights.items():
            keys[f"{nid}/{w}"] = key
    target = None
    if loss:
        e = graph.incoming(loss.id)["input"]
        returns = [expr[(e.src, e.src_port)]]
        t = graph.incoming(loss.id).get("target")
        target = expr.get((t.src, t.src_port)) if t else None
    else:
        returns = [expr[(graph.incoming(o.id)["x"].src, graph.incoming(o.id)["x"].src_port)] for o in outputs]
    lines = ["import torch", "from torch import nn", "import torch.nn.functional as F", "", "",
             f"class {class_name}(nn.Module):",
             f'    """Exported from Tensorweave: {len(keep)} nodes, in the order the plan runs them."""', "",
             "    def __init__(self):", "        super().__init__()"]
    lines += [f"        {line}" for line in init] or ["        pass"]
    if target is not None:
        lines += ["", "    def forward(self, x, y=None, with_target=False):",
                  '        """The prediction; with ``with_target``, also what the loss compares it with (the labels '
                  'y, or a value computed from x, as in an autoencoder)."""']
        lines += [f"        {line}" for line in body]
        lines += ["        if with_target:", f"            return {returns[0]}, {target}", f"        return {returns[0]}"]
    else:
        lines += ["", "    def forward(self, x):"] + [f"        {line}" for line in body]
        lines.append(f"        return {', '.join(returns)}")
    return Exported("\n".join(lines) + "\n", keys, class_name, returns)


def state_dict_of(exported, store):
    """The engine's weights as numpy arrays under the exported module's state_dict keys."""
    out = {}
    for key, name in exported.weight_keys.items():
        node, _, w = key.partition("/")
        t = store.tensors.get((node, w))
        if t is not None:
            out[name] = np.array(to_host(t.array))
    for name in list(out):
        if name.endswith(".running_var"):
            out[name[: -len("running_var")] + "num_batches_tracked"] = np.array(0, dtype=np.int64)
    return out


def export_package(graph, store, folder, name="model", base_dir=".", allow_data=True):
    """Write ``folder``: model.py (the module), weights.npz (the graph's weights under the module's
    names; numpy arrays, no pickle), data.npz (the training and validation data prepared as the
    engine prepares them: split, scaling fitted on the training rows, targets as the Target node
    wants) and train.py (the training configuration in PyTorch). Returns the files written."""
    import os

    from ..graph.training import training_config
    from ..graph.training_data import TrainingData
    from ..graph.weights import WeightStore
    from .train_script import train_script
    os.makedirs(folder, exist_ok=True)
    exported = export_module(graph)
    store = store if store is not None else WeightStore()
    cfg = training_config(graph.config.get("training", {}))
    from ..graph.plan import Plan
    from ..random import Generator
    Plan(graph, store, "cpu", "float32", Generator(cfg["seed"]))        # initializes weights not trained yet
    data = TrainingData.for_graph(graph, cfg, np, base_dir, allow=allow_data)
    files = {}
    files["model.py"] = exported.source
    with open(os.path.join(folder, "model.py"), "w") as f:
        f.write(exported.source)
    np.savez(os.path.join(folder, "weights.npz"), **state_dict_of(exported, store))
    arrays = {"x_train": data.x_train, "y_train": data.y_train}
    if data.x_val is not None:
        arrays.update(x_val=data.x_val, y_val=data.y_val)
    np.savez(os.path.join(folder, "data.npz"), **{k: np.asarray(v) for k, v in arrays.items()})
    cfg_out = {k: v for k, v in cfg.items() if k != "device"}
    with open(os.path.join(folder, "train.py"), "w") as f:
        f.write(train_script(name, exported.class_name, graph.loss_node(), data.rule, cfg_out))
    return [os.path.join(folder, n) for n in ("model.py", "weights.npz", "data.npz", "train.py")]


def import_state_dict(graph, state, store=None):
    """Put the weights of a checkpoint written by the exported package (state_dict key → array)
    back into a WeightStore for ``graph``. Raises ValueError naming a weight whose shape does
    not fit; keys the graph does not have are ignored (num_batches_tracked, say)."""
    from ..graph.weights import WeightStore
    exported = export_module(graph)
    store = store if store is not None else WeightStore()
    declared = {f"{nid}/{w}": tuple(spec.shape) for nid, ws in graph.analysis.weights.items() for w, spec in ws.items()}
    values = {}
    for key, name in exported.weight_keys.items():
        if name in state:
            arr = np.asarray(state[name])
            if tuple(arr.shape) != declared.get(key, tuple(arr.shape)):
                raise ValueError(f"{name}: the checkpoint holds {tuple(arr.shape)}, the graph needs {declared[key]}")
            values[key] = arr.astype(np.float32)
    if not values:
        raise ValueError("the checkpoint holds none of this graph's weights (was it exported from this graph?)")
    store.replace_state(values)
    return store
