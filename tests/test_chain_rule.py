"""The chain rule at a node, with the numbers of one step: the terms add up to the engine's own
gradient (≤ 1e-6 relative), for element-wise nodes, sums (Dense, convolution, pooling), the loss,
a weight of the first layer, dropout (the same masks) and batch normalization (mixing samples)."""
import copy

import numpy as np
import pytest

from engine.graph import diagnostics as D
from engine.graph import fileformat
from engine.graph.chain_rule import explain
from engine.graph.training import Trainer
from graph_helpers import chain, connect
from engine.graph.model import Graph

EXAMPLES = __import__("os").path.join(__import__("os").path.dirname(__import__("os").path.dirname(
    __import__("os").path.abspath(__file__))), "resources", "examples")


def step_of(graph):
    tr = Trainer(graph).setup()
    idx = tr.first_batch()
    return tr, np.asarray(tr.data.x_train[idx]), np.asarray(tr.data.y_train[idx]), tr.store.copy(), copy.deepcopy(tr.plan.generator)


@pytest.mark.parametrize("name", ["moons", "digits_cnn", "logistic_regression"])
def test_the_terms_add_up_to_the_engines_gradient_at_every_node(name):
    g = fileformat.load(f"{EXAMPLES}/{name}.twg").graph
    tr, x, y, store, gen = step_of(g)
    explained = 0
    for nid in g.analysis.order:
        node = g.nodes[nid]
        try:
            rule = explain(g, store, nid, x, y, sample=2, generator=gen)
        except ValueError:
            assert node.type.role in ("input", "target", "param", "output") or node.type_id in ("Parameter",) \
                or not any(True for _ in g.incoming(nid))                   # nothing to explain there
            continue
        explained += 1
        assert rule.matches, (name, node.label, rule.total, rule.engine)
        listed = sum(t[3] for t in rule.terms) if rule.kind != "weight" else rule.listed
        if rule.unlisted == 0 and rule.kind in ("sum", "elementwise"):
            assert listed == pytest.approx(rule.engine - rule.others, rel=1e-6, abs=1e-12)
    assert explained >= 3


def test_an_elementwise_node_is_incoming_times_its_derivative_and_equals_the_float32_step():
    g = fileformat.load(f"{EXAMPLES}/xor.twg").graph
    tanh = next(n for n in g.nodes.values() if n.type_id == "Tanh")
    tr, x, y, store, gen = step_of(g)
    rule = explain(g, store, tanh.id, x, y, sample=0, generator=gen)
    assert rule.kind == "elementwise" and len(rule.terms) == 1
    _, incoming, local, product = rule.terms[0]
    y_val = np.tanh(rule.x)                                       # the input x is Dense's output
    assert local == pytest.approx(1 - np.tanh(rule.x) ** 2, rel=1e-9) and abs(y_val) < 1
    assert product == pytest.approx(rule.engine, rel=1e-9)
    # the same number as the engine's float32 training plan (the probe of the Dense before it)
    dense = next(e.src for e in g.edges.values() if e.dst == tanh.id)
    probe = D.probe(g, store, dense, x, y, training=True)
    assert probe.output_grads["y"][0][rule.element] == pytest.approx(rule.engine, rel=1e-4)


def test_dropout_uses_the_steps_masks_and_batchnorm_reports_the_other_samples_share():
    g = Graph()
    x = g.add_node("Input", {"shape": [2]}).id
    last = chain(g, x, ("Dense", {"units": 6}), ("BatchNorm", {}), "ReLU", ("Dropout", {"p": 0.5}), ("Dense", {"units": 2}))
    t = g.add_node("Target").id
    loss = g.add_node("CrossEntropy").id
    connect(g, last, loss, dst_port="input")
    connect(g, t, loss, dst_port="target")
    g.config["dataset"] = {"source": "synthetic", "name": "moons"}
    g.config["training"] = {"batch_size": 16}
    tr, xb, yb, store, gen = step_of(g)
    bn = next(n for n in g.nodes.values() if n.type_id == "BatchNorm")
    drop = next(n for n in g.nodes.values() if n.type_id == "Dropout")
    r_bn = explain(g, store, bn.id, xb, yb, sample=1, generator=gen)
    assert r_bn.matches and abs(r_bn.others) > 0                   # the batch's statistics carry gradient too
    r_drop = explain(g, store, drop.id, xb, yb, sample=1, generator=gen)
    assert r_drop.matches and r_drop.kind == "elementwise"
    assert r_drop.terms[0][2] in (0.0, pytest.approx(2.0))          # the kept units are scaled by 1/(1-p)
    # the replay (float64) draws the masks the float32 step drew: the same loss
    from engine.graph.plan import Plan
    step = Plan(g, store.copy(), "cpu", "float32", copy.deepcopy(gen))
    assert r_drop.loss == pytest.approx(float(step.forward(xb, yb, training=True).array), rel=1e-5)
