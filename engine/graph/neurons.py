"""The units of a network of Dense layers, as TensorFlow Playground draws them and a little more:
every unit's activation over the plane of a 2-input network (a small picture per unit), or on one
sample for other inputs, with the weights between consecutive layers and each unit's share of
what the next layer receives. Computed on a copy of the weights, in evaluation mode; no Qt."""
from dataclasses import dataclass, field

import numpy as np

from ..backend import to_host
from ..random import Generator
from .diagnostics import plane_grid
from .plan import Plan
from .weights import WeightStore

PASS_THROUGH = ("Dropout", "BatchNorm", "LayerNorm")   # between layers, the chain may go through these


@dataclass
class Layer:
    node: str                 # the Dense node's id
    label: str
    shown: str                # the node whose output is drawn (its activation, or the Dense itself)
    activation: str           # the activation's title, or "linear"
    units: int                # how many units the layer has
    values: np.ndarray = None     # (k, G, G) over the plane, or (k,) on one sample; k ≤ max_units
    weight: np.ndarray = None     # (k, k_prev): weights from the previous layer's shown units
    bias: np.ndarray = None       # (k,)
    share: np.ndarray = None      # (k,): share of what the next layer receives from each unit


@dataclass
class Neurons:
    inputs: np.ndarray = None     # (n_in, G, G) over the plane (the features themselves), or (n_in,)
    input_names: list = field(default_factory=list)
    layers: list = field(default_factory=list)
    xs: np.ndarray = None         # the grid (plane mode)
    ys: np.ndarray = None


def dense_chain(graph):
    """[(Dense id, shown node id, activation title)] from the Input to the last Dense, or None when
    the graph is not a chain of Dense layers (each with at most an activation after it)."""
    inputs = graph.nodes_of_role("input")
    if len(inputs) != 1:
        return None

    def next_nodes(nid):
        return [graph.nodes[e.dst] for e in graph.outgoing(nid)
                if graph.nodes[e.dst].type.role not in ("loss", "output")]

    def skip(nodes):                       # dropout and normalization between layers
        while len(nodes) == 1 and nodes[0].type_id in PASS_THROUGH:
            nodes = next_nodes(nodes[0].id)
        return nodes
    chain, current = [], inputs[0].id
    while True:
        after = skip(next_nodes(current))
        if not after:
            break                          # the end: only the loss (or an output) follows
        if len(after) != 1 or after[0].type_id != "Dense":
            return None                    # something else follows: not a chain of Dense layers
        dense = after[0]
        shown, act = dense.id, "linear"
        nxt = skip(next_nodes(dense.id))
        if len(nxt) == 1 and nxt[0].type.category == "Activations":
            shown, act = nxt[0].id, nxt[0].type.title
        chain.append((dense.id, shown, act))
        current = shown
    return chain or None


def neurons(graph, store, points, max_units=16, grid=None):
    """The chain's units on ``points`` (n × features): with ``grid`` = (xs, ys) the points are
    that grid's, and each unit's values come back as a (G, G) picture; otherwise on one sample."""
    chain = dense_chain(graph)
    if chain is None:
        return None
    work = WeightStore()
    work.load_state(store.state())
    plan = Plan(graph, work, "cpu", "float32", Generator(0), targets={s for _, s, _ in chain})
    plan.forward(np.asarray(points, dtype=np.float32), None, training=False)
    out = Neurons()
    pts = np.asarray(points, dtype=np.float64)
    if grid is not None:
        out.xs, out.ys = grid
        g = len(out.xs)
        out.inputs = pts.T.reshape(-1, g, g)
    else:
        out.inputs = pts[0]
    prev_k = out.inputs.shape[0]
    for dense_id, shown, act in chain:
        st = next(s for s in plan.steps if s.node.id == dense_id)
        w = np.asarray(to_host(st.weights["weight"].array), dtype=np.float64)      # (units, fan_in)
        b = st.weights.get("bias")
        vals = np.asarray(to_host(plan.value_of(shown, "y")), dtype=np.float64)
        units = vals.shape[1]
        k = min(units, max_units)
        layer = Layer(dense_id, graph.nodes[dense_id].label, shown, act, units)
        layer.values = vals[:, :k].T.reshape(k, g, g) if grid is not None else vals[0, :k]
        layer.weight = w[:k, :prev_k]
        layer.bias = np.asarray(to_host(b.array), dtype=np.float64)[:k] if b is not None else np.zeros(k)
        out.layers.append(layer)
        prev_k = k
    # each unit's share of what the next layer receives: |outgoing weights| × how much the unit varies
    for here, nxt in zip(out.layers, out.layers[1:]):
        spread = here.values.reshape(len(here.values), -1).std(axis=1) if grid is not None else np.abs(here.values)
        reach = np.abs(nxt.weight).sum(axis=0) * spread
        here.share = reach / reach.sum() if reach.sum() > 0 else np.zeros_like(reach)
    if out.layers:
        out.layers[-1].share = None
    return out


def plane(points2d, resolution=40, margin=0.15):
    """A resolution × resolution grid over the box of 2-D points: (grid points, (xs, ys))."""
    pts, xs, ys = plane_grid(points2d, resolution, margin)
    return pts, (xs, ys)
