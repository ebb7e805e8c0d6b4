"""Random valid graphs over the registry's operation types, for the exporters' tests: a seed gives
a graph that starts at one Input and grows node by node, each new node fed from values already
there (and Parameters for second operands) with parameters drawn from a few choices. A node the
graph's own validation refuses is taken out again, so every graph is valid by the graph's rules,
not by rules written here."""
import random

import numpy as np

from engine.graph import REGISTRY
from engine.graph.model import Graph

# parameter choices per node type (the defaults are always among the candidates)
CHOICES = {
    "Dense": [{"units": 3}, {"units": 5, "bias": False}],
    "Conv2D": [{"filters": 3}, {"filters": 2, "kernel_size": [1], "padding": "same"},
               {"filters": 2, "stride": [2], "padding": [1]}, {"filters": 2, "kernel_size": [3, 1], "dilation": [1]}],
    "MaxPool2D": [{}, {"kernel_size": [3], "stride": [1], "padding": [1]}],
    "AvgPool2D": [{}, {"kernel_size": [3], "stride": [2], "padding": [1]}],
    "AdaptiveAvgPool2D": [{}, {"output_size": [2]}, {"output_size": [3, 2]}],
    "BatchNorm": [{}, {"eps": 1e-3}],
    "LayerNorm": [{}, {"axes": 2}],
    "RNN": [{"units": 3}, {"units": 3, "return_sequences": True, "nonlinearity": "relu"}],
    "LSTM": [{"units": 3}, {"units": 2, "bidirectional": True, "num_layers": 2}, {"units": 3, "return_sequences": True}],
    "GRU": [{"units": 3}, {"units": 2, "bidirectional": True, "return_sequences": True}],
    "Softmax": [{}, {"dim": 1}], "LogSoftmax": [{}],
    "LeakyReLU": [{}, {"negative_slope": 0.2}], "ELU": [{}, {"alpha": 0.5}],
    "GELU": [{}, {"approximate": "tanh"}], "Softplus": [{}, {"beta": 2.0, "threshold": 5.0}],
    "Power": [{"exponent": 2.0}, {"exponent": 3.0}], "Clamp": [{}, {"min": None, "max": 0.5}],
    "Sum": [{"dims": [1]}, {"dims": [-1], "keepdim": True}], "Mean": [{"dims": [1]}, {"dims": [-1], "keepdim": True}],
    "Var": [{"dims": [-1]}], "Std": [{"dims": [1], "keepdim": True}],
    "Max": [{"dim": 1}, {"dim": -1, "keepdim": True}], "Min": [{"dim": -1}],
    "Reshape": [{"shape": [-1]}, {"shape": [2, -1]}], "Transpose": [{}, {"dim0": 1, "dim1": -1}],
    "Permute": [{"dims": [0, 2, 1]}, {"dims": [0, 1, 3, 2]}, {"dims": [0, 3, 1, 2]}],
    "Concat": [{"dim": -1}, {"dim": 1}], "Stack": [{"dim": 1}, {"dim": -1}],
    "Split": [{"size": 1}, {"size": 2, "dim": 1}], "Pad": [{"pad": [1, 2]}, {"pad": [0, 1, 1, 0], "value": 0.5}],
    "Slice": [{"start": 1}, {"start": 0, "stop": 2, "step": 1}, {"dim": 1, "start": -2}],
    "Dropout": [{"p": 0.3}], "Flatten": [{}], "GlobalAvgPool2D": [{}],
}
# types left out: Embedding needs integer ids (the Input's dtype decides it: covered by the
# per-type samples); Cast to int64 would feed integer values into float operators
SKIP = {"Embedding", "Cast"}
SAFE_INPUT = {"Log": 0.5, "Sqrt": 0.5, "PowerOf": 0.5}     # types whose operand is made positive first

START_SHAPES = [(6,), (3, 5), (2, 6, 6), (5, 4), (2, 3, 4)]


def operation_types():
    return sorted(nt.type_id for nt in REGISTRY if nt.role == "op" and nt.type_id not in SKIP)


def _errors(g):
    return [i for i in g.analysis.issues if i.severity == "error"]


def random_graph(seed, size=6, types=None):
    """(graph, x): a valid graph of ``size`` random operations after one Input, every dangling
    value wired to an Output, and a batch of input data for it."""
    rng = random.Random(seed)
    types = types or operation_types()
    g = Graph()
    shape = rng.choice(START_SHAPES)
    inp = g.add_node("Input", {"shape": list(shape)})
    values = [(inp.id, "x")]
    added = 0
    for _ in range(size * 25):
        if added == size:
            break
        t = rng.choice(types)
        nt = REGISTRY.get(t)
        params = dict(rng.choice(CHOICES.get(t, [{}])))
        src = values[-1] if rng.random() < 0.6 else rng.choice(values)
        made = []
        try:
            node = g.add_node(t, params)
            made.append(node.id)
            ports = [p.name for p in nt.inputs if not getattr(p, "optional", False)]
            if t in SAFE_INPUT:                  # x² + 0.5 > 0
                sq = g.add_node("Power", {"exponent": 2.0})
                made.append(sq.id)
                g.connect(src[0], src[1], sq.id, "x")
                half = g.add_node("Constant", {"values": [SAFE_INPUT[t]]})
                made.append(half.id)
                pos = g.add_node("Add")
                made.append(pos.id)
                g.connect(sq.id, "y", pos.id, "a")
                g.connect(half.id, "value", pos.id, "b")
                src = (pos.id, "y")
            g.connect(src[0], src[1], node.id, ports[0])
            for port in ports[1:]:
                if rng.random() < 0.5 and len(values) > 1:
                    other = rng.choice(values)
                    g.connect(other[0], other[1], node.id, port)
                else:
                    spec = g.analysis.specs.get(src)
                    pshape = list(spec.shape[1:]) if spec and spec.shape else [1]
                    if t == "MatMul":
                        pshape = [pshape[-1] if pshape else 1, rng.choice([2, 3])]
                    elif rng.random() < 0.5 and pshape:
                        pshape = pshape[-1:]
                    par = g.add_node("Parameter", {"shape": pshape or [1], "init": "ones" if t in ("PowerOf", "Divide") else "default"})
                    made.append(par.id)
                    g.connect(par.id, "value", node.id, port)
        except Exception:                          # noqa: BLE001  (a refused edit: try another node)
            for nid in made:
                if nid in g.nodes:
                    g.remove_node(nid)
            continue
        if _errors(g):
            for nid in made:
                g.remove_node(nid)
            continue
        out_spec = [g.analysis.specs.get((node.id, p.name)) for p in nt.outputs]
        if any(s is None or not s.shape or s.shape[0] != "N" or int(np.prod(s.shape[1:])) > 4000 for s in out_spec):
            for nid in made:
                g.remove_node(nid)
            continue
        values.extend((node.id, p.name) for p in nt.outputs)
        added += 1
    used = {(e.src, e.src_port) for e in g.edges.values()}
    for ref in values[1:]:
        if ref not in used:
            out = g.add_node("Output", {"name": f"out{len(g.nodes_of_role('output'))}"})
            g.connect(ref[0], ref[1], out.id, "x")
    if not g.nodes_of_role("output"):
        out = g.add_node("Output", {"name": "out0"})
        g.connect(inp.id, "x", out.id, "x")
    x = np.random.default_rng(seed).standard_normal((4,) + tuple(shape)).astype(np.float32)
    return g, x
