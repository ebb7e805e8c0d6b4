"""The node registry: complete (every engine op, layer and loss is a node type), well formed,
and every node type's shape rule agrees with what actually runs, forward and backward."""
import inspect

import numpy as np
import pytest

import engine
from engine import functional, nn
from engine.graph import REGISTRY
from engine.graph.model import Graph
from engine.graph.plan import Plan
from engine.graph.registry import CATEGORIES
from engine.graph.shapes import N, concrete
from engine.graph.weights import WeightStore

# engine names that are deliberately not node types, and why
NOT_NODES = {
    "functional.expand": "every elementwise node broadcasts by itself",
    "functional.movedim_last_to_1": "internal helper",
    "functional.mae_loss": "alias of l1_loss (node MAE)",
    "functional.sparse_categorical_cross_entropy": "alias of cross_entropy (node CrossEntropy)",
    "functional.smooth_l1_loss": "the Huber node (smooth L1 is the Huber loss divided by beta)",
    "nn.SmoothL1Loss": "the Huber node",
    "functional.clone": "a wire already carries the value to every consumer",
    "functional.where": "needs a bool condition; the editor has no comparison nodes",
    "nn.Module": "base class: the graph itself is the container",
    "nn.Parameter": "the Parameter node",
    "nn.Sequential": "the graph itself is the container",
    "nn.ModuleList": "the graph itself is the container",
    "nn.Identity": "a plain wire",
    "nn.Dense": "alias of Linear (node Dense)",
    "nn.last_step": "the recurrent nodes' return_sequences=False",
    "nn.recurrent_weight_shapes": "helper",
    "nn.run_recurrent": "helper",
}


def engine_names():
    names = []
    for name, obj in vars(functional).items():
        if inspect.isfunction(obj) and not name.startswith("_") and obj.__module__ == "engine.functional":
            names.append(f"functional.{name}")
    for alias in ("mae_loss", "sparse_categorical_cross_entropy"):
        names.append(f"functional.{alias}")
    for name in nn.__dict__:
        obj = getattr(nn, name)
        if not name.startswith("_") and (inspect.isclass(obj) or inspect.isfunction(obj)):
            names.append(f"nn.{name}")
    return sorted(set(names))


def test_every_engine_op_layer_and_loss_is_a_node_type():
    covered = {c for nt in REGISTRY for c in nt.covers}
    missing = [n for n in engine_names() if n not in covered and n not in NOT_NODES]
    assert not missing, f"engine names without a node type: {missing}"
    stale = [c for c in covered if c.split(".", 1)[1] not in vars(functional if c.startswith("functional") else nn)]
    assert not stale, f"node types cover names the engine does not have: {stale}"


def test_node_types_are_well_formed():
    for nt in REGISTRY:
        assert nt.category in CATEGORIES
        assert nt.description.endswith(".") and len(nt.description) > 20, nt.type_id
        assert nt.forward is not None and nt.infer is not None, nt.type_id
        for spec in nt.params:
            assert spec.validate(spec.default) == spec.default or spec.default is None or isinstance(spec.default, list)
            assert spec.help, f"{nt.type_id}.{spec.name} has no help text"
        if nt.role == "loss":
            assert nt.task in ("regression", "binary", "multiclass")
    cats = REGISTRY.by_category()
    assert all(cats[c] for c in CATEGORIES)


def test_search_finds_by_name_keyword_and_description():
    assert REGISTRY.get("Dense") in REGISTRY.search("fully connected")
    assert REGISTRY.get("CrossEntropy") in REGISTRY.search("sparse categorical")
    assert REGISTRY.get("Conv2D") in REGISTRY.search("conv")
    assert REGISTRY.search("no such thing at all") == []


# For every node type: its inputs (from the Input node, a Target node or a Parameter) and params.
# ("in", shape, dtype) comes from the graph's Input; ("in2",) is the same Input through Negate;
# ("t", shape, dtype) comes from Target; ("p", shape) is a Parameter.
SAMPLES = {
    "Add": ({"a": ("in", (4,)), "b": ("p", (4,))}, {}),
    "Subtract": ({"a": ("in", (4,)), "b": ("p", (1,))}, {}),
    "Multiply": ({"a": ("in", (3, 4)), "b": ("p", (4,))}, {}),
    "Divide": ({"a": ("in", (4,)), "b": ("p", (4,))}, {}),
    "Maximum": ({"a": ("in", (4,)), "b": ("p", (4,))}, {}),
    "Minimum": ({"a": ("in", (4,)), "b": ("p", (4,))}, {}),
    "PowerOf": ({"a": ("in", (4,)), "b": ("p", (4,))}, {}),
    "MatMul": ({"a": ("in", (4,)), "b": ("p", (4, 3))}, {}),
    "Sin": ({"x": ("in", (4,))}, {}), "Cos": ({"x": ("in", (4,))}, {}),
    "Exp": ({"x": ("in", (4,))}, {}), "Log": ({"x": ("in", (4,))}, {}), "Sqrt": ({"x": ("in", (4,))}, {}),
    "Abs": ({"x": ("in", (4,))}, {}), "Negate": ({"x": ("in", (4,))}, {}),
    "Power": ({"x": ("in", (4,))}, {"exponent": 3}), "Clamp": ({"x": ("in", (4,))}, {}),
    "Sum": ({"x": ("in", (3, 4))}, {"dims": [1]}), "Mean": ({"x": ("in", (3, 4))}, {"dims": [-1], "keepdim": True}),
    "Var": ({"x": ("in", (3, 4))}, {"dims": [2]}), "Std": ({"x": ("in", (3, 4))}, {}),
    "Max": ({"x": ("in", (3, 4))}, {"dim": 1}), "Min": ({"x": ("in", (3, 4))}, {}),
    "Reshape": ({"x": ("in", (3, 4))}, {"shape": [2, -1]}), "Transpose": ({"x": ("in", (3, 4))}, {}),
    "Permute": ({"x": ("in", (3, 4))}, {"dims": [0, 2, 1]}),
    "Concat": ({"a": ("in", (3, 4)), "b": ("in2",), "c": ("in2",)}, {"dim": -1}),
    "Stack": ({"a": ("in", (4,)), "b": ("in2",)}, {"dim": 1}),
    "Split": ({"x": ("in", (5,))}, {"size": 2}), "Pad": ({"x": ("in", (3, 4))}, {"pad": [1, 2]}),
    "Slice": ({"x": ("in", (6,))}, {"start": 1, "stop": 5, "step": 2}),
    "Cast": ({"x": ("in", (4,))}, {"dtype": "float32"}),
    "Dense": ({"x": ("in", (5,))}, {"units": 3}), "Conv2D": ({"x": ("in", (2, 7, 7))}, {"filters": 3, "stride": [2], "padding": [1]}),
    "MaxPool2D": ({"x": ("in", (2, 6, 6))}, {}), "AvgPool2D": ({"x": ("in", (2, 7, 7))}, {"kernel_size": [3], "stride": [2]}),
    "AdaptiveAvgPool2D": ({"x": ("in", (2, 7, 5))}, {"output_size": [3, 2]}),
    "GlobalAvgPool2D": ({"x": ("in", (2, 4, 4))}, {}), "Flatten": ({"x": ("in", (2, 3, 3))}, {}),
    "Dropout": ({"x": ("in", (6,))}, {"p": 0.3}), "BatchNorm": ({"x": ("in", (3, 4, 4))}, {}),
    "LayerNorm": ({"x": ("in", (3, 4))}, {"axes": 2}),
    "Embedding": ({"ids": ("in", (5,), "int64")}, {"num_embeddings": 10, "embedding_dim": 4}),
    "RNN": ({"x": ("in", (5, 3))}, {"units": 4, "return_sequences": True}),
    "LSTM": ({"x": ("in", (5, 3))}, {"units": 4, "bidirectional": True, "num_layers": 2}),
    "GRU": ({"x": ("in", (5, 3))}, {"units": 4}),
}
for act in ("ReLU", "LeakyReLU", "ELU", "GELU", "Sigmoid", "Tanh", "Softplus", "Softmax", "LogSoftmax"):
    SAMPLES[act] = ({"x": ("in", (4,))}, {})
for loss in ("MSE", "MAE", "Huber", "Hinge", "SquaredHinge", "BCEWithLogits"):
    SAMPLES[loss] = ({"input": ("in", (3,)), "target": ("t", (3,), "float32")}, {})
SAMPLES["MSLE"] = ({"input": ("in", (3,)), "target": ("t", (3,), "float32")}, {})
SAMPLES["BinaryCrossEntropy"] = ({"input": ("in", (3,)), "target": ("t", (3,), "float32")}, {})
SAMPLES["KLDivergence"] = ({"input": ("in", (3,)), "target": ("t", (3,), "float32")}, {})
SAMPLES["CategoricalCrossEntropy"] = ({"input": ("in", (3,)), "target": ("t", (3,), "float32")}, {})
for loss in ("CrossEntropy", "NLL"):
    SAMPLES[loss] = ({"input": ("in", (4,)), "target": ("t", (), "int64")}, {})


def sample_data(kind_type, shape, dtype, rng, batch):
    full = (batch,) + tuple(shape)
    if dtype == "int64":
        return rng.integers(0, 3, full).astype(np.int64)
    if kind_type in ("Log", "Sqrt", "PowerOf", "MSLE", "BinaryCrossEntropy", "CategoricalCrossEntropy", "KLDivergence"):
        return rng.uniform(0.1, 0.9, full).astype(np.float32)
    return rng.standard_normal(full).astype(np.float32)


DATA_ROLES = {"Input", "Target", "Parameter", "Constant", "Output"}


def sample_graph(type_id, batch=5):
    """The node ``type_id`` fed from Inputs, Targets and Parameters as SAMPLES says, with a scalar
    loss downstream: (graph, node, x, y, weights to check)."""
    ports, params = SAMPLES[type_id]
    g = Graph()
    node = g.add_node(type_id, params)
    rng = np.random.default_rng(0)
    x = y = None
    weights_to_check = []
    src_input = None
    for port, spec in sorted(ports.items(), key=lambda kv: kv[1][0] == "in2"):
        kind = spec[0]
        if kind == "in2":
            neg = g.add_node("Negate")
            g.connect(src_input.id, "x", neg.id, "x")
            g.connect(neg.id, "y", node.id, port)
            continue
        shape = spec[1]
        dtype = spec[2] if len(spec) > 2 else "float32"
        if kind == "in":
            src = src_input = g.add_node("Input", {"shape": list(shape), "dtype": dtype})
            x = sample_data(type_id, shape, dtype, rng, batch)
            g.connect(src.id, "x", node.id, port)
        elif kind == "t":
            src = g.add_node("Target", {"shape": list(shape), "dtype": dtype})
            y = sample_data(type_id, shape, dtype, rng, batch)
            g.connect(src.id, "y", node.id, port)
        else:
            src = g.add_node("Parameter", {"shape": list(shape), "init": "ones" if type_id in ("PowerOf", "Divide") else "default"})
            g.connect(src.id, "value", node.id, port)
            weights_to_check.append((src.id, "value"))
    if node.type.role != "loss":
        # a scalar objective downstream: mean of the (first) output, compared with 0 by MSE
        mean = g.add_node("Mean")
        g.connect(node.id, node.type.outputs[0].name, mean.id, "x")
        zero = g.add_node("Constant", {"values": [0.0]})
        loss = g.add_node("MSE")
        g.connect(mean.id, "y", loss.id, "input")
        g.connect(zero.id, "value", loss.id, "target")
        for extra in node.type.outputs[1:]:
            g.connect(node.id, extra.name, g.add_node("Output").id, "x")
    return g, node, x, y, weights_to_check


@pytest.mark.parametrize("type_id", sorted(t.type_id for t in REGISTRY if t.type_id not in DATA_ROLES))
def test_inferred_shapes_match_the_run_and_gradients_flow(type_id):
    assert type_id in SAMPLES, f"add a sample for {type_id}"
    batch = 5
    g, node, x, y, weights_to_check = sample_graph(type_id, batch)
    assert not g.analysis.errors, g.analysis.errors
    store = WeightStore()
    plan = Plan(g, store)
    loss_value = plan.forward(x, y, training=True)
    assert loss_value is not None and np.isfinite(loss_value.item())
    for p in node.type.outputs:
        inferred = g.analysis.specs[(node.id, p.name)]
        actual = plan.value_of(node.id, p.name)
        assert actual.shape == concrete(inferred.shape, batch), f"{type_id}.{p.name}: inferred {inferred}, ran {actual.shape}"
        assert (actual.dtype.kind == "i") == (inferred.dtype == "int")
    for name, spec in g.analysis.weights.get(node.id, {}).items():
        if spec.trainable:
            weights_to_check.append((node.id, name))
    plan.backward()
    for key in weights_to_check:
        w = store.tensors[key]
        assert w.grad is not None and w.grad.shape == w.shape, f"{type_id}: no gradient reached {key[1]}"
        assert np.isfinite(w.grad.numpy()).all()
