"""Builders shared by the graph tests."""
import numpy as np

from engine.graph.model import Graph


def connect(g, src, dst, src_port=None, dst_port=None):
    s, d = g.nodes[src], g.nodes[dst]
    return g.connect(src, src_port or s.type.outputs[0].name, dst, dst_port or d.type.inputs[0].name)


def chain(g, start, *layers):
    prev = start
    for item in layers:
        type_id, params = item if isinstance(item, tuple) else (item, {})
        nid = g.add_node(type_id, params).id
        connect(g, prev, nid)
        prev = nid
    return prev


def mlp_graph(sizes=(2, 8, 2), activation="ReLU", loss="CrossEntropy", target=None, dataset=None, training=None):
    """Input → (Dense → activation)* → Dense → loss ← Target. Returns (graph, ids)."""
    g = Graph()
    x = g.add_node("Input", {"shape": [sizes[0]]}).id
    layers = []
    for u in sizes[1:-1]:
        layers += [("Dense", {"units": u}), activation]
    layers.append(("Dense", {"units": sizes[-1]}))
    out = chain(g, x, *layers)
    t = g.add_node("Target", target or {}).id
    l_id = g.add_node(loss).id
    connect(g, out, l_id, dst_port="input")
    connect(g, t, l_id, dst_port="target")
    g.config["dataset"] = dataset or {"source": "synthetic", "name": "moons", "options": {"n": 200}, "normalize": "standardize"}
    g.config["training"] = training or {"epochs": 5, "lr": 0.02, "batch_size": 32}
    return g, {"input": x, "output": out, "target": t, "loss": l_id}


def logistic_regression_graph():
    """sigmoid(x·W + b) with BCE, from low-level ops."""
    g = Graph()
    x = g.add_node("Input", {"shape": [2]}).id
    w = g.add_node("Parameter", {"shape": [2, 1], "init": "xavier_uniform"}).id
    b = g.add_node("Parameter", {"shape": [1], "init": "zeros"}).id
    mm = g.add_node("MatMul").id
    add = g.add_node("Add").id
    sig = g.add_node("Sigmoid").id
    t = g.add_node("Target", {"shape": [1], "dtype": "float32"}).id
    loss = g.add_node("BinaryCrossEntropy").id
    connect(g, x, mm, dst_port="a")
    connect(g, w, mm, dst_port="b")
    connect(g, mm, add, dst_port="a")
    connect(g, b, add, dst_port="b")
    connect(g, add, sig)
    connect(g, sig, loss, dst_port="input")
    connect(g, t, loss, dst_port="target")
    g.config["dataset"] = {"source": "synthetic", "name": "linear", "options": {"n": 300}, "normalize": "standardize"}
    g.config["training"] = {"optimizer": "sgd", "lr": 0.5, "batch_size": 0, "epochs": 50}
    return g, {"input": x, "W": w, "b": b, "matmul": mm, "add": add, "sigmoid": sig, "target": t, "loss": loss}


def random_batch(shape, seed=0, dtype=np.float32):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)
