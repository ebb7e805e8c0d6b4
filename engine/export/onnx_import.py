"""An ONNX model as an editable graph: ``import_onnx(path)`` gives (Graph, WeightStore) with the
model's weights, laid out, for the operators in ``IMPORTERS``. A model that uses anything else is
refused whole with one line naming the operator, its node and the supported list: nothing is
half-imported.

ONNX values are read in the order the model lists its nodes, and only those its outputs need.
Each value becomes one of:

- a tensor on a wire of the graph (``Val.ref`` = (node, port)), laid out batch first, or laid out
  as an ONNX recurrent operator sees it (time first; ``Val.layout`` says which), which is how
  ``torch.onnx.export`` writes ``nn.LSTM(batch_first=True)``: Transpose → LSTM → Squeeze → Transpose;
- a constant array (initializers, Constant nodes, and what folds from them), which becomes a
  layer's weights, a parameter of a node, or a Parameter node when an operator takes it as an
  operand;
- a value computed from shapes (Shape → Gather → Concat …), which only a Reshape or a recurrent
  layer's zero initial state may use.

Consecutive single-layer recurrent operators of one kind and size become one node with
``num_layers`` layers, as they came from one ``nn.LSTM(num_layers=…)``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from ..errors import EngineError
from . import registrar
from .onnx_export import GATE_ORDER, require_onnx


class OnnxImportError(EngineError, ValueError):
    """The model cannot become a graph; the message names the node and the reason."""


@dataclass
class Val:
    kind: str                        # 'tensor', 'const', 'shape' (computed from shapes), 'zeros'
    ref: tuple = None                # tensor: (graph node id, port)
    array: np.ndarray = None         # const
    layout: str = "batch"            # tensor: 'batch', 'time' (T, N, F), 'rnn_y' (T, D, N, H),
    #                                  'rnn_y_tndh' (T, N, D, H), 'rnn_h' (D, N, H), 'rnn_h_nd' (N, D, H),
    #                                  'rnn_h_stack' (several layers' rnn_h)
    meta: dict = field(default_factory=dict)


def _attrs(node):
    from onnx import helper
    out = {}
    for a in node.attribute:
        v = helper.get_attribute_value(a)
        out[a.name] = v.decode(errors="replace") if isinstance(v, bytes) else \
            [x.decode(errors="replace") if isinstance(x, bytes) else x for x in v] if isinstance(v, list) else v
    return out


IMPORTERS = {}
importer = registrar(IMPORTERS)


# ops that only move data around: with a value computed from shapes in, the result is one too
_SHAPE_OPS = {"Shape", "Gather", "Unsqueeze", "Squeeze", "Concat", "Slice", "Cast", "Add", "Sub", "Mul", "Div",
              "Reshape", "Identity", "Range", "Expand", "Equal", "Where", "ReduceProd"}
_KEEPS_ZEROS = {"Slice", "Squeeze", "Unsqueeze", "Reshape", "Identity", "Transpose", "Expand", "Cast"}
_FOLDABLE = _SHAPE_OPS | {"Transpose", "Neg", "Sqrt", "Pow", "Exp", "Log", "ConstantOfShape", "Split", "Flatten"}


class _Importer:
    def __init__(self, model):
        from ..graph.model import Graph
        from ..graph.weights import WeightStore
        from onnx import numpy_helper
        self.model, self.g, self.store = model, Graph(), WeightStore()
        self.vals, self.state = {}, {}
        self.opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 0)
        for t in model.graph.initializer:
            self.vals[t.name] = Val("const", array=numpy_helper.to_array(t), meta={"initializer": t.name})
        self.shapes = {}
        for vi in list(model.graph.value_info) + list(model.graph.input) + list(model.graph.output):
            dims = vi.type.tensor_type.shape.dim
            self.shapes[vi.name] = tuple(d.dim_value if d.HasField("dim_value") else None for d in dims)
        self.nodes = list(model.graph.node)     # one wrapper per node: id() below is stable
        self.consumers = {}
        for node in self.nodes:
            for name in node.input:
                if name:
                    self.consumers.setdefault(name, []).append(node)

    # ---------------------------------------------------------------- helpers for importers
    def fail(self, node, message):
        raise OnnxImportError(f"{node.op_type} node '{node.name or node.output[0]}': {message}")

    def tensor(self, node, v, what="its input"):
        if v.kind == "tensor" and v.layout == "batch":
            return v.ref
        if v.kind == "const":
            return self.operand(node, v)
        if v.kind == "tensor":
            self.fail(node, f"{what} is laid out {v.layout} (from a recurrent layer); only the reshapes PyTorch "
                            "writes around nn.LSTM/GRU/RNN can use it")
        self.fail(node, f"{what} is computed from tensor shapes, which a graph cannot hold")

    def const(self, node, v, what):
        if v is None or v.kind != "const":
            self.fail(node, f"{what} must be a constant (an initializer)")
        return v.array

    def operand(self, node, v):
        """A constant used as an operand: a Parameter (trainable) holding an initializer, or a
        Constant node for a scalar or a small literal."""
        if "node" in v.meta:
            return v.meta["node"]
        arr = np.asarray(v.array)
        if arr.dtype.kind not in "fiub":
            self.fail(node, f"a constant of type {arr.dtype} cannot be an operand")
        if arr.dtype.kind != "f":
            self.fail(node, "an integer constant operand has no node type (the graph's constants are float)")
        name = v.meta.get("initializer")
        if name and arr.ndim >= 1:
            n = self.add("Parameter", {"shape": list(arr.shape), "trainable": True}, name)
            self.state[f"{n}/value"] = arr.astype(np.float32)
        else:
            n = self.add("Constant", {"values": arr.reshape(-1).astype(float).tolist(), "shape": list(arr.shape)}, name)
        v.meta["node"] = (n, "value")
        return (n, "value")

    def add(self, type_id, params, title=None, inputs=()):
        """A node of the graph, its inputs (port, ref) connected. Returns its id."""
        from ..graph.issues import ConnectionRefused, GraphEditError
        from ..graph.registry import REGISTRY
        try:
            node = self.g.add_node(type_id, params, title=_title(title, type_id, REGISTRY))
            for port, ref in inputs:
                self.g.connect(ref[0], ref[1], node.id, port)
        except (ValueError, GraphEditError, ConnectionRefused, EngineError) as exc:
            raise OnnxImportError(f"{title or type_id}: {exc}") from None
        problems = [i for i in self.g.analysis.issues_for(node.id) if i.severity == "error"]
        if problems:
            raise OnnxImportError(f"{title or type_id}: {problems[0].message}")
        return node.id

    def spec(self, ref):
        return self.g.analysis.specs[ref]

    def rank(self, ref):
        return len(self.spec(ref).shape)

    def constant_value(self, name):
        """The array of an initializer or a Constant node's output, wherever it sits in the order."""
        v = self.vals.get(name)
        if v is not None and v.kind == "const":
            return np.asarray(v.array)
        node = next((n for n in self.nodes if n.op_type == "Constant" and name in n.output), None)
        if node is None:
            raise KeyError(name)
        return np.asarray(self.node(node, [])[0].array)

    def used(self, name):
        """Whether anything the outputs need reads ``name``, or it is an output itself."""
        return name in self.output_names or any(id(c) in self.needed for c in self.consumers.get(name, []))

    def flows_only_into(self, name, end):
        """Whether ``name`` reaches nothing but ``end`` (a node), through the transposes, squeezes
        and reshapes PyTorch writes around a recurrent layer: then ``end`` alone decides what the
        value is, and the node behind it may change to suit ``end``."""
        stack = [name]
        while stack:
            v = stack.pop()
            if v in self.output_names:
                return False
            for c in self.consumers.get(v, []):
                if id(c) not in self.needed or c is end:
                    continue
                if c.op_type not in ("Squeeze", "Transpose", "Reshape", "Identity") or c.input[0] != v:
                    return False
                stack.append(c.output[0])
        return True

    # ---------------------------------------------------------------- the walk
    def needed_nodes(self):
        produced = {o: node for node in self.nodes for o in node.output if o}
        needed, stack = set(), [o.name for o in self.model.graph.output]
        while stack:
            name = stack.pop()
            node = produced.get(name)
            if node is None or id(node) in needed:
                continue
            needed.add(id(node))
            stack.extend(i for i in node.input if i)
        return needed

    def run(self):
        from ..graph.layout import apply_layout
        self.needed = self.needed_nodes()
        self.output_names = {o.name for o in self.model.graph.output}
        initializers = set(self.vals)
        for vi in self.model.graph.input:
            if vi.name not in initializers:
                self.vals[vi.name] = self.graph_input(vi)
        known = set(IMPORTERS) | _FOLDABLE | {"Constant"}       # the latter on constants and shapes only
        unsupported = sorted({n.op_type for n in self.nodes if id(n) in self.needed and n.op_type not in known})
        if unsupported:
            self.unsupported(next(n for n in self.nodes if n.op_type == unsupported[0]), unsupported[1:])
        for node in self.nodes:
            if id(node) not in self.needed or all(o in self.vals for o in node.output if o):
                continue
            ins = [self.vals.get(i) if i else None for i in node.input]
            missing = [i for i, v in zip(node.input, ins) if i and v is None]
            if missing:
                self.fail(node, f"its input '{missing[0]}' is not produced by any node (the model is not sorted)")
            outs = self.node(node, ins)
            for name, v in zip(node.output, outs):
                if name and v is not None:
                    self.vals[name] = v
        for vi in self.model.graph.output:
            v = self.vals.get(vi.name)
            if v is None or v.kind == "shape":
                raise OnnxImportError(f"output '{vi.name}' depends on the batch's size (shape arithmetic) or on a part "
                                      "of an operator the graph cannot give")
            if v.kind != "tensor":
                raise OnnxImportError(f"output '{vi.name}' is a constant, not computed from an input")
            producer = next((n for n in self.nodes if vi.name in n.output), None)
            ref = self.tensor(producer, v, f"the output '{vi.name}'") if producer else v.ref
            self.add("Output", {"name": vi.name}, inputs=[("x", ref)])
        self.prune()
        self.store.replace_state(self.state)
        apply_layout(self.g)
        return self.g, self.store

    def unsupported(self, node, others=()):
        self.fail(node, f"the operator {node.op_type} is not supported"
                        + (f" (nor {', '.join(others)})" if others else "")
                        + f"; supported: {', '.join(SUPPORTED)}")

    def prune(self):
        """Drop nodes nothing needs (what a fused pattern left behind) and their weights."""
        keep = self.g.upstream([n.id for n in self.g.nodes_of_role("output")])
        with self.g.batch():
            for nid in [n for n in self.g.nodes if n not in keep]:
                self.g.remove_node(nid)
        self.state = {k: v for k, v in self.state.items() if k.partition("/")[0] in keep}

    def node(self, node, ins):
        op = node.op_type
        if op == "Constant":
            from onnx import numpy_helper
            a = _attrs(node)
            if "value" not in a:
                self.fail(node, f"only Constant with a tensor 'value' is supported, not {sorted(a)}")
            return [Val("const", array=numpy_helper.to_array(node.attribute[0].t))]
        kinds = {v.kind for v in ins if v is not None}
        if kinds <= {"const"} and op in _FOLDABLE:
            return self.fold(node, ins)
        if ins and ins[0] is not None and ins[0].kind == "zeros" and op in _KEEPS_ZEROS:
            return [Val("zeros")]
        if "shape" in kinds and op in _SHAPE_OPS and op not in ("Reshape", "Expand"):
            return [_shape_arithmetic(node, ins, _attrs(node))] + [Val("shape")] * (len(node.output) - 1)
        if op not in IMPORTERS:
            self.unsupported(node)
        return IMPORTERS[op](self, node, ins, _attrs(node))

    def fold(self, node, ins):
        """Run ``node`` on constant inputs with onnx's reference evaluator."""
        from onnx import helper, numpy_helper
        from onnx.reference import ReferenceEvaluator
        names = [i for i in node.input if i]
        inputs = [helper.make_tensor_value_info(n, numpy_helper.from_array(np.asarray(v.array)).data_type, None)
                  for n, v in zip(names, (v for v in ins if v is not None))]
        outputs = [helper.make_tensor_value_info(o, 0, None) for o in node.output if o]
        g = helper.make_graph([node], "fold", inputs, outputs)
        m = helper.make_model(g, opset_imports=list(self.model.opset_import))
        try:
            results = ReferenceEvaluator(m).run(None, {n: np.asarray(v.array) for n, v in zip(names, (v for v in ins if v is not None))})
        except Exception as exc:            # noqa: BLE001  (the reference evaluator raises anything)
            self.fail(node, f"cannot evaluate it on its constant inputs ({exc})")
        return [Val("const", array=np.asarray(r)) for r in results]

    def graph_input(self, vi):
        t = vi.type.tensor_type
        dims = [d.dim_value if d.HasField("dim_value") else None for d in t.shape.dim]
        if not dims:
            raise OnnxImportError(f"input '{vi.name}' has no shape; the graph needs a batch axis and fixed sizes")
        if any(d is None for d in dims[1:]):
            axis = next(i for i, d in enumerate(dims) if i and d is None)
            raise OnnxImportError(f"input '{vi.name}' has a free size at axis {axis}; the graph needs every size but "
                                  "the batch (axis 0) fixed")
        dtype = {1: "float32", 7: "int64", 6: "int64"}.get(t.elem_type)
        if dtype is None:
            raise OnnxImportError(f"input '{vi.name}' has element type {t.elem_type}; only float32 and integers")
        n = self.add("Input", {"shape": dims[1:] or [1], "dtype": dtype}, vi.name)
        if not dims[1:]:
            raise OnnxImportError(f"input '{vi.name}' is one number per sample; give it a feature axis")
        return Val("tensor", (n, "x"))


def _title(name, type_id, registry):
    if not name:
        return None
    if name.startswith("/"):            # PyTorch's '/<module path>/<operator>': the module's name
        path = name.strip("/").split("/")[:-1]
        title = "/".join(path) if path and not "".join(path).isdigit() else ""
        if not title:                    # nn.Sequential's numbered layers: the type's own title
            return None
    else:
        title = name.split("/")[0]
    default = registry.get(type_id).title
    return None if re.fullmatch(re.escape(default) + r"(_\d+)?", title) else title[:80]


def _one(node, imp, type_id, params, inputs, port="y"):
    return Val("tensor", (imp.add(type_id, params, node.name, inputs), port))


# ---------------------------------------------------------------- shape arithmetic
@importer("Shape", "Size")
def _shape(imp, node, ins, a):
    """A shape as far as it is known: its sizes, 'N' for the batch (what x.view(x.size(0), -1)
    starts from); a Size, or the shape of anything but a batch-first tensor, is not followed."""
    v = ins[0]
    if node.op_type == "Shape" and v.kind == "tensor" and v.layout == "batch" and not a.get("start") and a.get("end") is None:
        return [Val("shape", meta={"dims": ["N"] + list(imp.spec(v.ref).shape[1:])})]
    return [Val("shape")]


def _shape_arithmetic(node, ins, a):
    """Follow the sizes through Gather, Unsqueeze, Squeeze, Concat, Cast and Identity; any other
    operation on a shape gives a shape of unknown sizes."""
    def dims(v):
        if v is None:
            return None
        if v.kind == "const":
            return [int(d) for d in np.asarray(v.array).reshape(-1)]
        return v.meta.get("dims")
    op, first = node.op_type, dims(ins[0]) if ins else None
    out = None
    if op in ("Cast", "Identity", "Squeeze", "Unsqueeze"):
        out = first
    elif op == "Gather" and first is not None and a.get("axis", 0) == 0 and ins[1].kind == "const":
        idx = np.asarray(ins[1].array).reshape(-1)
        out = [first[int(i)] for i in idx] if all(-len(first) <= i < len(first) for i in idx) else None
    elif op == "Concat":
        parts = [dims(v) for v in ins]
        out = None if any(p is None for p in parts) else [d for p in parts for d in p]
    return Val("shape", meta={"dims": out} if out is not None else {})


@importer("ConstantOfShape")
def _constant_of_shape(imp, node, ins, a):
    """Zeros of a computed shape: what PyTorch writes for a recurrent layer's initial state."""
    from onnx import numpy_helper
    value = a.get("value")
    return [Val("zeros" if value is None or not np.any(numpy_helper.to_array(value)) else "shape")]


# ---------------------------------------------------------------- elementwise
_UNARY = {"Relu": "ReLU", "Sigmoid": "Sigmoid", "Tanh": "Tanh", "Exp": "Exp", "Log": "Log", "Sqrt": "Sqrt",
          "Abs": "Abs", "Neg": "Negate", "Sin": "Sin", "Cos": "Cos", "Softplus": "Softplus"}


@importer(*_UNARY)
def _unary(imp, node, ins, a):
    return [_one(node, imp, _UNARY[node.op_type], {}, [("x", imp.tensor(node, ins[0]))])]


@importer("LeakyRelu")
def _leaky(imp, node, ins, a):
    return [_one(node, imp, "LeakyReLU", {"negative_slope": a.get("alpha", 0.01)}, [("x", imp.tensor(node, ins[0]))])]


@importer("Elu")
def _elu(imp, node, ins, a):
    return [_one(node, imp, "ELU", {"alpha": a.get("alpha", 1.0)}, [("x", imp.tensor(node, ins[0]))])]


@importer("Gelu")
def _gelu(imp, node, ins, a):
    return [_one(node, imp, "GELU", {"approximate": a.get("approximate", "none")}, [("x", imp.tensor(node, ins[0]))])]


@importer("Erf")
def _erf_gelu(imp, node, ins, a):
    """x·½·(1 + erf(x/√2)) is how PyTorch before opset 20 writes GELU: one GELU node. The Div
    before it was imported on its own and is dropped as unused at the end."""
    found = _gelu_pattern(imp, node)
    if found is None:
        imp.fail(node, "Erf outside the GELU pattern x·½·(1 + erf(x/√2)) has no node type")
    x_name, last = found
    imp.vals[last.output[0]] = _one(last, imp, "GELU", {}, [("x", imp.tensor(node, imp.vals[x_name]))])
    return [Val("shape")]                     # the Erf's own output is not used


def _gelu_pattern(imp, erf):
    """(x's name, the last Mul) when ``erf`` sits in Div(x, √2) → Erf → Add 1 → Mul x → Mul ½,
    each value read by the next node only; else None."""
    def constant_is(name, value):
        try:
            return bool(np.isclose(float(imp.constant_value(name)), value))
        except (KeyError, TypeError, ValueError):
            return False

    div = next((n for n in imp.nodes if erf.input[0] in n.output), None)
    if div is None or div.op_type != "Div" or not constant_is(div.input[1], 2 ** 0.5):
        return None
    x_name, value, last = div.input[0], erf.output[0], None
    for op, const in (("Add", 1.0), ("Mul", None), ("Mul", 0.5)):
        users = [c for c in imp.consumers.get(value, []) if id(c) in imp.needed]
        if len(users) != 1 or users[0].op_type != op or len(users[0].input) != 2:
            return None
        last = users[0]
        other = last.input[1] if last.input[0] == value else last.input[0]
        if (const is None and other != x_name) or (const is not None and not constant_is(other, const)):
            return None
        value = last.output[0]
    return x_name, last


@importer("Softmax", "LogSoftmax")
def _softmax(imp, node, ins, a):
    x = imp.tensor(node, ins[0])
    rank = imp.rank(x)
    axis = a.get("axis", -1 if imp.opset >= 13 else 1) % rank
    if imp.opset < 13 and axis != rank - 1:
        imp.fail(node, f"before opset 13, {node.op_type} over axis {axis} flattens the axes after it; "
                       "only the last axis is supported")
    return [_one(node, imp, node.op_type, {"dim": -1 if axis == rank - 1 else axis}, [("x", x)])]


_BINARY = {"Add": "Add", "Sub": "Subtract", "Mul": "Multiply", "Div": "Divide", "Max": "Maximum", "Min": "Minimum",
           "Pow": "PowerOf", "MatMul": "MatMul"}


@importer(*_BINARY)
def _binary(imp, node, ins, a):
    if len(ins) != 2:
        imp.fail(node, f"{len(ins)} inputs; only two are supported")
    if node.op_type == "Pow" and ins[1].kind == "const" and np.asarray(ins[1].array).size == 1:
        return [_one(node, imp, "Power", {"exponent": float(np.asarray(ins[1].array).reshape(()))},
                     [("x", imp.tensor(node, ins[0]))])]
    if node.op_type == "MatMul" and ins[1].kind == "const":
        dense = _dense_from_matmul(imp, node, ins)
        if dense:
            return dense
    return [_one(node, imp, _BINARY[node.op_type], {}, [("a", imp.tensor(node, ins[0])), ("b", imp.tensor(node, ins[1]))])]


def _dense_from_matmul(imp, node, ins):
    """MatMul by a 2-D initializer and Add of a 1-D initializer named '….bias' is how PyTorch
    writes nn.Linear on inputs of more than two axes: one Dense node."""
    w = np.asarray(ins[1].array)
    users = [c for c in imp.consumers.get(node.output[0], []) if id(c) in imp.needed]
    if w.ndim != 2 or len(users) != 1 or users[0].op_type != "Add":
        return None
    add = users[0]
    other = add.input[1] if add.input[0] == node.output[0] else add.input[0]
    b = imp.vals.get(other)
    if b is None or b.kind != "const" or np.asarray(b.array).shape != (w.shape[1],) or not other.endswith(".bias"):
        return None
    x = imp.tensor(node, ins[0])
    n = imp.add("Dense", {"units": int(w.shape[1]), "bias": True}, add.name or node.name, [("x", x)])
    imp.state[f"{n}/weight"] = w.T.astype(np.float32)
    imp.state[f"{n}/bias"] = np.asarray(b.array, np.float32)
    imp.vals[add.output[0]] = Val("tensor", (n, "y"))
    return [Val("shape")]                     # the MatMul's own output is not used


@importer("Clip")
def _clip(imp, node, ins, a):
    lo, hi = (ins[1:] + [None, None])[:2] if imp.opset >= 11 else (None, None)
    bounds = []
    for v, key in ((lo, "min"), (hi, "max")):
        if imp.opset < 11:
            bounds.append(a.get(key))
        elif v is None:
            bounds.append(None)
        else:
            bounds.append(float(np.asarray(imp.const(node, v, f"its {key}")).reshape(())))
    if bounds == [None, None]:            # no bounds: the identity
        return [ins[0]]
    return [_one(node, imp, "Clamp", {"min": bounds[0], "max": bounds[1]}, [("x", imp.tensor(node, ins[0]))])]


def _reduce_axes(imp, node, ins, a):
    if "axes" in a:
        return list(a["axes"])
    if len(ins) > 1 and ins[1] is not None:
        return [int(v) for v in np.asarray(imp.const(node, ins[1], "its axes")).reshape(-1)]
    return None


@importer("ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceSumSquare")
def _reduce(imp, node, ins, a):
    x = imp.tensor(node, ins[0])
    if node.op_type == "ReduceSumSquare":
        x = (imp.add("Power", {"exponent": 2.0}, node.name, [("x", x)]), "y")
    rank = imp.rank(x)
    axes = _reduce_axes(imp, node, ins, a)
    if axes is None and a.get("noop_with_empty_axes", 0):
        return [Val("tensor", x)]
    axes = sorted({d % rank for d in axes}) if axes is not None else list(range(rank))
    keep = bool(a.get("keepdims", 1))
    if node.op_type in ("ReduceSum", "ReduceMean", "ReduceSumSquare"):
        if rank == 4 and axes == [2, 3] and not keep and node.op_type == "ReduceMean":
            return [_one(node, imp, "GlobalAvgPool2D", {}, [("x", x)])]
        params = {"dims": None if axes == list(range(rank)) else axes, "keepdim": keep}
        return [_one(node, imp, "Mean" if node.op_type == "ReduceMean" else "Sum", params, [("x", x)])]
    kind = "Max" if node.op_type == "ReduceMax" else "Min"
    if axes == list(range(rank)) and not keep:
        return [_one(node, imp, kind, {"dim": None}, [("x", x)])]
    if len(axes) != 1:
        imp.fail(node, f"reduces axes {axes}; the {kind} node reduces one axis or all of them")
    return [_one(node, imp, kind, {"dim": axes[0], "keepdim": keep}, [("x", x)])]


# ---------------------------------------------------------------- shapes
@importer("Identity")
def _identity(imp, node, ins, a):
    return [ins[0]]


@importer("Dropout")
def _dropout(imp, node, ins, a):
    if len(node.output) > 1 and node.output[1] and imp.used(node.output[1]):
        imp.fail(node, "its mask output is used; the Dropout node has none")
    if len(ins) > 2 and ins[2] is not None and (ins[2].kind != "const" or bool(np.any(ins[2].array))):
        imp.fail(node, "training_mode is on; export the model in evaluation mode (model.eval())")
    ratio = a.get("ratio", 0.5)
    if len(ins) > 1 and ins[1] is not None:
        ratio = float(np.asarray(imp.const(node, ins[1], "its ratio")).reshape(()))
    return [_one(node, imp, "Dropout", {"p": ratio}, [("x", imp.tensor(node, ins[0]))]), None]


@importer("Flatten")
def _flatten(imp, node, ins, a):
    if a.get("axis", 1) != 1:
        imp.fail(node, f"flattens at axis {a.get('axis')}; only axis 1 keeps the batch axis")
    return [_one(node, imp, "Flatten", {}, [("x", imp.tensor(node, ins[0]))])]


def _inferred_sample_shape(imp, node):
    shape = imp.shapes.get(node.output[0])
    if shape and all(d is not None for d in shape[1:]):
        return list(shape[1:])
    imp.fail(node, "the sizes after the batch axis are not known; export the model with fixed sizes apart from "
                   "the batch")


@importer("Reshape")
def _reshape(imp, node, ins, a):
    v = ins[0]
    if v.kind == "tensor" and v.layout in ("rnn_y_tndh", "rnn_h_nd"):
        t = ins[1].meta.get("dims") if ins[1].kind == "shape" else \
            [int(d) for d in np.asarray(ins[1].array).reshape(-1)] if ins[1].kind == "const" else None
        DH = v.meta["dirs"] * imp.g.nodes[v.meta["rnn"]].params["units"]
        if v.layout == "rnn_y_tndh" and t is not None and len(t) == 3 and t[0] in (0, imp.spec(v.ref).shape[1]) \
                and t[1] in (0, "N") and t[2] in (-1, DH):           # (T, N, D, H) -> (T, N, D·H)
            return [Val("tensor", v.ref, layout="time", meta=v.meta)]
        if v.layout == "rnn_h_nd" and t is not None and len(t) == 2 and (t[0] in (0, "N") and t[1] in (-1, DH)
                                                                          or t[0] == -1 and t[1] == DH):
            return [_last_state(imp, node, v)]                       # (N, D, H) -> (N, D·H)
        imp.fail(node, f"reshapes a recurrent layer's {'sequence' if v.layout == 'rnn_y_tndh' else 'final states'} "
                       f"to {t}; only the (…, directions × units) PyTorch writes is supported")
    x = imp.tensor(node, v)
    sample = list(imp.spec(x).shape[1:])
    target = ins[1].meta.get("dims") if ins[1].kind == "shape" else None
    if ins[1].kind == "const":
        target = [int(d) for d in np.asarray(ins[1].array).reshape(-1)]
    if target is None:
        shape = _inferred_sample_shape(imp, node)
        if int(np.prod(shape)) != int(np.prod(sample)):
            imp.fail(node, f"reshapes N×{'×'.join(map(str, sample))} to N×{'×'.join(map(str, shape))}, across the "
                           "batch axis")
    else:
        shape = _target_sample_shape(imp, node, sample, target)
    return [_one(node, imp, "Reshape", {"shape": shape or [1]}, [("x", x)])]


def _target_sample_shape(imp, node, sample, target):
    """The per-sample shape a Reshape target gives (sizes; 0 copies, -1 fills in, 'N' is the
    batch as x.size(0) gives it), or a refusal when the target moves values across the batch."""
    batch = (imp.shapes.get(node.input[0]) or (None,))[0]
    rest = [sample[i] if d == 0 and i < len(sample) else d for i, d in enumerate(target[1:])]
    if any(not isinstance(d, (int, np.integer)) for d in rest) or (target[:1] == [-1] and -1 in rest):
        imp.fail(node, f"shape {target} leaves more than the batch open")
    total = int(np.prod(sample))
    if -1 in rest:
        known = int(np.prod([d for d in rest if d != -1]))
        rest[rest.index(-1)] = total // known if known and total % known == 0 else -2
    if not target or target[0] not in (0, -1, "N", batch) or int(np.prod(rest)) != total or any(d <= 0 for d in rest):
        imp.fail(node, f"reshapes N×{'×'.join(map(str, sample))} to {target}, across the batch axis")
    return rest


@importer("Squeeze", "Unsqueeze")
def _squeeze(imp, node, ins, a):
    v = ins[0]
    axes = a.get("axes")
    if axes is None and len(ins) > 1 and ins[1] is not None:
        axes = [int(d) for d in np.asarray(imp.const(node, ins[1], "its axes")).reshape(-1)]
    if v.kind == "tensor" and v.layout == "rnn_y" and node.op_type == "Squeeze" and list(axes or []) == [1]:
        return [Val("tensor", v.ref, layout="time", meta=v.meta)]
    if v.kind == "tensor" and v.layout == "rnn_h" and node.op_type == "Squeeze" and list(axes or []) == [0]:
        return [_last_state(imp, node, v)]
    x = imp.tensor(node, v)
    rank = imp.rank(x) + (len(axes or []) if node.op_type == "Unsqueeze" else 0)
    if axes is not None and any(d % rank == 0 for d in axes):
        imp.fail(node, "changes the batch axis (axis 0)")
    return [_one(node, imp, "Reshape", {"shape": _inferred_sample_shape(imp, node)}, [("x", x)])]


@importer("Transpose")
def _transpose(imp, node, ins, a):
    v = ins[0]
    perm = list(a.get("perm", []))
    moves = {("batch", (1, 0, 2)): "time", ("time", (1, 0, 2)): "batch", ("rnn_y", (0, 2, 1, 3)): "rnn_y_tndh",
             ("rnn_h", (1, 0, 2)): "rnn_h_nd"}
    if v.kind == "tensor" and (v.layout, tuple(perm)) in moves:
        layout = moves[(v.layout, tuple(perm))]
        return [Val("tensor", v.ref, layout=layout, meta=v.meta)]
    x = imp.tensor(node, v)
    rank = imp.rank(x)
    perm = perm or list(range(rank))[::-1]
    if perm[0] != 0:
        imp.fail(node, f"permutation {perm} moves the batch axis")
    swapped = [i for i, d in enumerate(perm) if d != i]
    if len(swapped) == 2:
        return [_one(node, imp, "Transpose", {"dim0": swapped[0], "dim1": swapped[1]}, [("x", x)])]
    return [_one(node, imp, "Permute", {"dims": perm}, [("x", x)])]


@importer("Concat")
def _concat(imp, node, ins, a):
    axis = a["axis"]
    if all(v.kind == "tensor" and v.layout == "rnn_h" for v in ins) and axis == 0:
        return [Val("tensor", ins[-1].ref, layout="rnn_h_stack", meta={"items": ins})]
    refs = [imp.tensor(node, v) for v in ins]
    rank = imp.rank(refs[0])
    if axis % rank == 0:
        imp.fail(node, "joins along the batch axis")
    while len(refs) > 4:
        head = imp.add("Concat", {"dim": axis % rank}, node.name, list(zip("abcd", refs[:4])))
        refs = [(head, "y")] + refs[4:]
    return [_one(node, imp, "Concat", {"dim": axis % rank}, list(zip("abcd", refs)))]


@importer("Split")
def _split(imp, node, ins, a):
    x = imp.tensor(node, ins[0])
    shape = imp.spec(x).shape
    axis = a.get("axis", 0) % len(shape)
    sizes = a.get("split")
    if sizes is None and len(ins) > 1 and ins[1] is not None:
        sizes = [int(s) for s in np.asarray(imp.const(node, ins[1], "its sizes")).reshape(-1)]
    if sizes is None:                     # even parts; from opset 18 the last one may be smaller
        n = a.get("num_outputs", len(node.output))
        size = -(-shape[axis] // n) if "num_outputs" in a else shape[axis] // n
        sizes = [size] * (n - 1) + [shape[axis] - size * (n - 1)]
    if len(sizes) != 2:
        imp.fail(node, f"splits into {len(sizes)} parts; the Split node makes two")
    n = imp.add("Split", {"size": sizes[0], "dim": axis}, node.name, [("x", x)])
    return [Val("tensor", (n, "first")), Val("tensor", (n, "rest"))]


@importer("Slice")
def _slice(imp, node, ins, a):
    x = imp.tensor(node, ins[0])
    shape = imp.spec(x).shape
    if imp.opset < 10:
        starts, ends, axes, steps = a["starts"], a["ends"], a.get("axes"), None
    else:
        starts, ends = (np.asarray(imp.const(node, v, what)).reshape(-1) for v, what in ((ins[1], "its starts"),
                                                                                      (ins[2], "its ends")))
        axes = np.asarray(imp.const(node, ins[3], "its axes")).reshape(-1) if len(ins) > 3 and ins[3] else None
        steps = np.asarray(imp.const(node, ins[4], "its steps")).reshape(-1) if len(ins) > 4 and ins[4] else None
    axes = list(range(len(starts))) if axes is None else [int(d) % len(shape) for d in axes]
    steps = [1] * len(starts) if steps is None else [int(s) for s in steps]
    ref = x
    for start, end, axis, step in zip(starts, ends, axes, steps):
        if axis == 0:
            imp.fail(node, "slices the batch axis")
        size = shape[axis]
        stop = None if (step > 0 and end >= size) or (step < 0 and end < -size) else int(end)
        ref = (imp.add("Slice", {"dim": axis, "start": int(max(min(start, size), -size)), "stop": stop, "step": step},
                       node.name, [("x", ref)]), "y")
    return [Val("tensor", ref)]


@importer("Gather")
def _gather(imp, node, ins, a):
    data, idx = ins
    axis = a.get("axis", 0)
    if data.kind == "const" and idx.kind == "tensor":
        table = np.asarray(data.array)
        if table.ndim != 2 or axis != 0:
            imp.fail(node, "gathers from a constant that is not a 2-D embedding table")
        n = imp.add("Embedding", {"num_embeddings": int(table.shape[0]), "embedding_dim": int(table.shape[1])},
                    node.name, [("ids", imp.tensor(node, idx))])
        imp.state[f"{n}/weight"] = table.astype(np.float32)
        return [Val("tensor", (n, "y"))]
    i = imp.const(node, idx, "its indices")
    if np.asarray(i).ndim != 0:
        imp.fail(node, "gathers several indices from a computed tensor; only one index (x[:, i]) is supported")
    i = int(i)
    if data.kind == "tensor" and data.layout in ("rnn_h", "rnn_h_stack") and axis == 0:
        # h_n[i]: one layer's final state in one direction
        items = data.meta["items"] if data.layout == "rnn_h_stack" else [data]
        states = [(v, d) for v in items for d in range(v.meta["dirs"])]
        if not -len(states) <= i < len(states):
            imp.fail(node, f"index {i} is outside the {len(states)} final states")
        v, d = states[i]
        last = _last_state(imp, node, v)
        if v.meta["dirs"] == 1:
            return [last]
        H = imp.g.nodes[v.meta["rnn"]].params["units"]
        return [_one(node, imp, "Slice", {"dim": 1, "start": d * H, "stop": (d + 1) * H, "step": 1}, [("x", last.ref)])]
    if data.kind == "tensor" and data.layout == "batch" and axis == 1 and i == -1 and data.meta.get("dirs") == 1 \
            and not imp.g.outgoing(data.ref[0]) and imp.flows_only_into(data.meta["y_name"], node):
        imp.g.set_param(data.ref[0], "return_sequences", False)         # x[:, -1] of the sequence: the last state
        return [Val("tensor", data.ref)]
    x = imp.tensor(node, data)
    shape = imp.spec(x).shape
    axis %= len(shape)
    if axis == 0:
        imp.fail(node, "picks from the batch axis")
    cut = imp.add("Slice", {"dim": axis, "start": i, "stop": None if i == -1 else i + 1, "step": 1}, node.name,
                  [("x", x)])
    rest = [d for k, d in enumerate(shape[1:], 1) if k != axis] or [1]
    return [_one(node, imp, "Reshape", {"shape": rest}, [("x", (cut, "y"))])]


@importer("Pad")
def _pad(imp, node, ins, a):
    if a.get("mode", "constant") != "constant":
        imp.fail(node, f"mode {a.get('mode')!r}; only constant padding is supported")
    x = imp.tensor(node, ins[0])
    rank = imp.rank(x)
    pads = a.get("pads") if imp.opset < 11 else [int(p) for p in np.asarray(imp.const(node, ins[1], "its pads")).reshape(-1)]
    value = a.get("value", 0.0) if imp.opset < 11 else (
        float(np.asarray(imp.const(node, ins[2], "its value")).reshape(())) if len(ins) > 2 and ins[2] else 0.0)
    if len(ins) > 3 and ins[3] is not None:
        imp.fail(node, "pads chosen axes; give pads for every axis")
    begin, end = pads[:rank], pads[rank:]
    if begin[0] or end[0] or min(pads) < 0:
        imp.fail(node, "pads the batch axis or crops (negative pads)")
    out = []
    for axis in range(rank - 1, 0, -1):
        out += [begin[axis], end[axis]]
    while len(out) > 2 and out[-1] == 0 and out[-2] == 0:
        out = out[:-2]
    return [_one(node, imp, "Pad", {"pad": out, "value": value}, [("x", x)])]


@importer("Cast")
def _cast(imp, node, ins, a):
    dtype = {1: "float32", 7: "int64", 6: "int64"}.get(a["to"])
    if dtype is None:
        imp.fail(node, f"casts to element type {a['to']}; only float32 and int64")
    return [_one(node, imp, "Cast", {"dtype": dtype}, [("x", imp.tensor(node, ins[0]))])]


# ---------------------------------------------------------------- layers
@importer("Gemm")
def _gemm(imp, node, ins, a):
    if a.get("transA", 0):
        imp.fail(node, "transA=1 (the batch would move)")
    w = np.asarray(imp.const(node, ins[1], "its B (the weight)"), np.float32) * a.get("alpha", 1.0)
    w = w if a.get("transB", 0) else w.T                                        # (units, fan_in)
    bias = None
    if len(ins) > 2 and ins[2] is not None:
        c = np.asarray(imp.const(node, ins[2], "its C (the bias)"), np.float32) * a.get("beta", 1.0)
        if c.size not in (1, w.shape[0]) or (c.ndim == 2 and c.shape[0] != 1):
            imp.fail(node, f"its C of shape {c.shape} is not one bias per output")
        bias = np.broadcast_to(c.reshape(-1), (w.shape[0],))
    n = imp.add("Dense", {"units": int(w.shape[0]), "bias": bias is not None}, node.name,
                [("x", imp.tensor(node, ins[0]))])
    imp.state[f"{n}/weight"] = w
    if bias is not None:
        imp.state[f"{n}/bias"] = np.array(bias)
    return [Val("tensor", (n, "y"))]


def _pair(values):
    """(3, 3) as the node's one-number form (3,)."""
    return [values[0]] if values[0] == values[1] else list(values)


def _pads2d(imp, node, a, kernel, strides, dilations):
    auto = a.get("auto_pad", "NOTSET")
    if auto == "VALID":
        return [0, 0]
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        if any(s != 1 for s in strides) or any(d * (k - 1) % 2 for k, d in zip(kernel, dilations)):
            imp.fail(node, f"auto_pad {auto} with stride {strides} or an even kernel pads unevenly")
        return [d * (k - 1) // 2 for k, d in zip(kernel, dilations)]
    pads = list(a.get("pads", [0, 0, 0, 0]))
    if pads[:2] != pads[2:]:
        imp.fail(node, f"pads {pads} differ at the two ends; only symmetric padding is supported")
    return pads[:2]


@importer("Conv")
def _conv(imp, node, ins, a):
    w = np.asarray(imp.const(node, ins[1], "its weight"), np.float32)
    if w.ndim != 4:
        imp.fail(node, f"a {w.ndim - 2}-D convolution; only 2-D")
    if a.get("group", 1) != 1:
        imp.fail(node, f"group={a['group']} (grouped or depthwise convolution) is not supported")
    k = list(a.get("kernel_shape", w.shape[2:]))
    s, d = list(a.get("strides", [1, 1])), list(a.get("dilations", [1, 1]))
    pads = _pads2d(imp, node, a, k, s, d)
    same = s == [1, 1] and pads == [dd * (kk - 1) // 2 for kk, dd in zip(k, d)] and any(pads)
    bias = len(ins) > 2 and ins[2] is not None
    n = imp.add("Conv2D", {"filters": int(w.shape[0]), "kernel_size": _pair(k), "stride": _pair(s),
                           "padding": "same" if same else _pair(pads), "dilation": _pair(d), "bias": bias}, node.name, [("x", imp.tensor(node, ins[0]))])
    imp.state[f"{n}/weight"] = w
    if bias:
        imp.state[f"{n}/bias"] = np.asarray(imp.const(node, ins[2], "its bias"), np.float32)
    return [Val("tensor", (n, "y"))]


@importer("MaxPool", "AveragePool")
def _pool(imp, node, ins, a):
    k = list(a["kernel_shape"])
    if len(k) != 2:
        imp.fail(node, f"a {len(k)}-D pool; only 2-D")
    if a.get("ceil_mode", 0):
        imp.fail(node, "ceil_mode=1 is not supported")
    if any(x != 1 for x in a.get("dilations", [1, 1])):
        imp.fail(node, "dilated pooling is not supported")
    if len(node.output) > 1 and node.output[1]:
        imp.fail(node, "its Indices output is not supported")
    s = list(a.get("strides", [1, 1]))
    pads = _pads2d(imp, node, a, k, s, [1, 1])
    if node.op_type == "AveragePool" and any(pads) and not a.get("count_include_pad", 0):
        imp.fail(node, "count_include_pad=0 with padding; the AvgPool2D node counts the padding")
    kind = "MaxPool2D" if node.op_type == "MaxPool" else "AvgPool2D"
    return [_one(node, imp, kind, {"kernel_size": _pair(k), "stride": None if s == k else _pair(s), "padding": _pair(pads)}, [("x", imp.tensor(node, ins[0]))])]


@importer("GlobalAveragePool")
def _gap(imp, node, ins, a):
    x = imp.tensor(node, ins[0])
    if imp.rank(x) != 4:
        imp.fail(node, "only N×C×H×W inputs")
    return [_one(node, imp, "AdaptiveAvgPool2D", {"output_size": [1]}, [("x", x)])]


@importer("BatchNormalization")
def _batch_norm(imp, node, ins, a):
    if a.get("training_mode", 0) or (len(node.output) > 1 and any(node.output[1:])):
        imp.fail(node, "in training mode; export the model in evaluation mode (model.eval())")
    x = imp.tensor(node, ins[0])
    weights = [np.asarray(imp.const(node, v, what), np.float32)
               for v, what in zip(ins[1:5], ("its scale", "its bias", "its mean", "its variance"))]
    n = imp.add("BatchNorm", {"eps": a.get("epsilon", 1e-5), "momentum": round(1.0 - a.get("momentum", 0.9), 6)},
                node.name, [("x", x)])
    for key, w in zip(("weight", "bias", "running_mean", "running_var"), weights):
        imp.state[f"{n}/{key}"] = w
    return [Val("tensor", (n, "y"))]


@importer("LayerNormalization")
def _layer_norm(imp, node, ins, a):
    x = imp.tensor(node, ins[0])
    rank = imp.rank(x)
    axis = a.get("axis", -1) % rank
    if axis == 0 or rank - axis > 3:
        imp.fail(node, f"normalizes from axis {axis}; the LayerNorm node takes the last one to three axes")
    if len(node.output) > 1 and any(node.output[1:]):
        imp.fail(node, "its mean and inverse-deviation outputs are not supported")
    scale = np.asarray(imp.const(node, ins[1], "its scale"), np.float32)
    bias = np.asarray(imp.const(node, ins[2], "its bias"), np.float32) if len(ins) > 2 and ins[2] else np.zeros_like(scale)
    n = imp.add("LayerNorm", {"axes": rank - axis, "eps": a.get("epsilon", 1e-5)}, node.name, [("x", x)])
    shape = imp.spec(x).shape[axis:]
    imp.state[f"{n}/weight"] = np.broadcast_to(scale, shape).astype(np.float32)
    imp.state[f"{n}/bias"] = np.broadcast_to(bias, shape).astype(np.float32)
    return [Val("tensor", (n, "y"))]


def _torch_gates(kind, w):
    """ONNX's gate blocks in PyTorch's order (the inverse of the exporter's)."""
    order = GATE_ORDER[kind]
    blocks = np.split(np.asarray(w), len(order), axis=0)
    out = [None] * len(order)
    for k, i in enumerate(order):
        out[i] = blocks[k]
    return np.concatenate(out, axis=0)


@importer("RNN", "LSTM", "GRU")
def _recurrent(imp, node, ins, a):
    kind = node.op_type
    x = ins[0]
    if a.get("layout", 0) != 0:
        imp.fail(node, "layout=1 (batch first inside the operator) is not supported")
    if x.kind != "tensor" or x.layout != "time":
        imp.fail(node, "its input is not a batch-first sequence turned time-first (Transpose perm [1, 0, 2]), "
                       "as PyTorch exports nn.LSTM(batch_first=True)")
    steps = imp.spec(x.ref).shape[1]
    for i, what in ((4, "sequence_lens"), (5, "initial_h"), (6, "initial_c"), (7, "P (peepholes)")):
        v = ins[i] if len(ins) > i else None
        if v is not None and not (v.kind == "zeros" or (v.kind == "const" and not np.any(v.array))):
            if i == 4 and v.kind == "const" and set(np.asarray(v.array).reshape(-1).tolist()) == {steps}:
                continue                                                  # every sequence full length
            imp.fail(node, f"its {what} input is used; only zero initial states and full-length sequences")
    direction = a.get("direction", "forward")
    if direction == "reverse":
        imp.fail(node, "direction 'reverse' is not supported (forward or bidirectional)")
    if a.get("clip") is not None or a.get("input_forget", 0):
        imp.fail(node, "clip or input_forget is set")
    defaults = {"RNN": ["Tanh"], "LSTM": ["Sigmoid", "Tanh", "Tanh"], "GRU": ["Sigmoid", "Tanh"]}[kind]
    dirs = 2 if direction == "bidirectional" else 1
    acts = [s.lower() for s in a.get("activations") or []]
    nonlinearity = "tanh"
    if acts:
        if kind == "RNN" and acts in (["relu"] * dirs, ["tanh"] * dirs):
            nonlinearity = acts[0]
        elif acts != [s.lower() for s in defaults] * dirs:
            imp.fail(node, f"activations {a['activations']}; only {defaults} in every direction"
                           + (" (or Relu for an RNN)" if kind == "RNN" else ""))
    if kind == "GRU" and not a.get("linear_before_reset", 0):
        imp.fail(node, "linear_before_reset=0 (TensorFlow's GRU); the GRU node is PyTorch's (linear_before_reset=1)")
    W, R = (np.asarray(imp.const(node, v, what), np.float32) for v, what in ((ins[1], "W"), (ins[2], "R")))
    D, H = W.shape[0], int(a.get("hidden_size", R.shape[-1]))
    G = {"RNN": 1, "LSTM": 4, "GRU": 3}[kind]
    B = np.asarray(imp.const(node, ins[3], "B"), np.float32) if len(ins) > 3 and ins[3] is not None \
        else np.zeros((D, 2 * G * H), np.float32)
    y_used = imp.used(node.output[0])
    prev = x.meta.get("rnn")
    # the layer before joins this one as one stacked node when its sequence feeds this layer alone
    # and its final states are used, if at all, only in the stack PyTorch concatenates (h_n)
    stackable = (prev is not None and imp.g.nodes[prev].type_id == kind and imp.g.nodes[prev].params["units"] == H
                 and imp.g.nodes[prev].params["bidirectional"] == (D == 2) and not imp.g.outgoing(prev)
                 and imp.g.nodes[prev].params.get("nonlinearity", "tanh") == nonlinearity
                 and imp.flows_only_into(x.meta["y_name"], node)
                 and all(name not in imp.output_names and all(c.op_type == "Concat" for c in imp.consumers.get(name, [])
                                                               if id(c) in imp.needed)
                         for name in x.meta["state_names"]))
    if stackable:
        n = prev
        layer = imp.g.nodes[n].params["num_layers"]
        imp.g.set_param(n, "num_layers", layer + 1)
        imp.g.set_param(n, "return_sequences", y_used)
    else:
        params = {"units": H, "num_layers": 1, "bidirectional": D == 2, "return_sequences": y_used}
        if kind == "RNN":
            params["nonlinearity"] = nonlinearity
        n = imp.add(kind, params, node.name, [("x", x.ref)])
        layer = 0
    for d, suffix in enumerate(["", "_reverse"][:D]):
        tag = f"l{layer}{suffix}"
        imp.state[f"{n}/weight_ih_{tag}"] = _torch_gates(kind, W[d])
        imp.state[f"{n}/weight_hh_{tag}"] = _torch_gates(kind, R[d])
        imp.state[f"{n}/bias_ih_{tag}"] = _torch_gates(kind, B[d][: G * H])
        imp.state[f"{n}/bias_hh_{tag}"] = _torch_gates(kind, B[d][G * H:])
    meta = {"rnn": n, "dirs": D, "layer": layer, "y_name": node.output[0], "state_names": [o for o in node.output[1:] if o]}
    outs = [Val("tensor", (n, "y"), layout="rnn_y", meta=meta), Val("tensor", (n, "y"), layout="rnn_h", meta=meta)]
    if kind == "LSTM":
        outs.append(None)
        if len(node.output) > 2 and node.output[2] and imp.used(node.output[2]):
            imp.fail(node, "its cell state Y_c is used; the LSTM node gives the hidden states only")
    return outs


def _last_state(imp, node, v):
    """A recurrent layer's final hidden state (N, D·H) as a tensor: the node's output once it returns
    the last state only (its whole sequence is not needed), else the last time step (one direction)."""
    n, D = v.meta["rnn"], v.meta["dirs"]
    params = imp.g.nodes[n].params
    if v.meta["layer"] != params["num_layers"] - 1:
        imp.fail(node, "uses the final state of an inner layer of a stacked recurrent layer; only the top layer's "
                       "is available")
    if not params["return_sequences"]:
        return Val("tensor", (n, "y"))
    if D != 1:
        imp.fail(node, "uses both the output sequence and the final states of a bidirectional layer")
    cut = imp.add("Slice", {"dim": 1, "start": -1, "stop": None, "step": 1}, node.name, [("x", (n, "y"))])
    return _one(node, imp, "Reshape", {"shape": [params["units"]]}, [("x", (cut, "y"))])


SUPPORTED = sorted(IMPORTERS)


def import_onnx(source):
    """(Graph, WeightStore) from an ONNX file path, bytes or ModelProto. Raises OnnxImportError
    with one line (the node, the reason, the supported operators), ImportError without onnx."""
    onnx = require_onnx()
    try:
        if isinstance(source, (bytes, bytearray)):
            model = onnx.load_from_string(bytes(source))
        elif isinstance(source, str):
            from ..data.files import check_regular_file
            check_regular_file(source)
            model = onnx.load(source)
        else:
            model = source
        onnx.checker.check_model(model)
    except OnnxImportError:
        raise
    except EngineError as exc:              # the file itself: missing, a folder, too big
        raise OnnxImportError(str(exc)) from None
    except OSError as exc:
        raise OnnxImportError(f"{source}: cannot be read ({exc.strerror or exc})") from None
    except Exception as exc:                # noqa: BLE001  (protobuf and the checker raise their own types)
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise OnnxImportError(f"not a valid ONNX model: {first}") from None
    used = {n.domain for n in model.graph.node if n.domain not in ("", "ai.onnx")}
    if used:
        raise OnnxImportError(f"the model uses operators of the domain {sorted(used)[0]!r}; only standard ONNX "
                              "operators are supported")
    try:
        model = onnx.shape_inference.infer_shapes(model, data_prop=True)
    except Exception as exc:                # noqa: BLE001
        raise OnnxImportError(f"the model's shapes do not check: {str(exc).splitlines()[0]}") from None
    try:
        return _Importer(model).run()
    except OnnxImportError:
        raise
    except Exception as exc:                # noqa: BLE001  (a model that passes the checker can still be malformed)
        first = (str(exc).strip().splitlines() or [""])[0][:200]
        raise OnnxImportError(f"the model is malformed ({type(exc).__name__}: {first})") from None
