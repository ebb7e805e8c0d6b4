"""Compiled execution: equal to the engine's eager result (values and gradients), per-node events
in topological order forward and reverse order backward, nothing reported without a listener."""
import numpy as np
import pytest

import engine
from engine import functional as F, nn
from engine.graph import events as ev
from engine.graph.model import Graph
from engine.graph.plan import GraphInvalid, Plan
from engine.graph.weights import WeightStore

from graph_helpers import chain, connect, logistic_regression_graph, mlp_graph, random_batch


def eager_from_store(store, node_ids, module):
    """Copy the plan's weights into an engine.nn module (float64 for exact comparison)."""
    for nid, layer in zip(node_ids, [m for m in module if m._parameters]):
        for name, p in layer._parameters.items():
            if p is not None:
                p.array = store.tensors[(nid, name)].array.astype(np.float64).copy()


def weighted_nodes(g, plan):
    return [st.node.id for st in plan.steps if st.weights]


def test_mlp_plan_equals_eager_engine_values_and_gradients():
    g, ids = mlp_graph((3, 5, 4), activation="Tanh")
    store = WeightStore()
    plan = Plan(g, store, dtype="float64")
    x, y = random_batch((6, 3)).astype(np.float64), np.array([0, 1, 3, 2, 1, 0])
    loss = plan.forward(x, y)
    plan.backward()
    model = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 4))
    eager_from_store(store, weighted_nodes(g, plan), model)
    eloss = F.cross_entropy(model(engine.tensor(x)), engine.tensor(y))
    eloss.backward()
    assert loss.item() == pytest.approx(eloss.item(), rel=1e-12)
    for nid, layer in zip(weighted_nodes(g, plan), [model[0], model[2]]):
        for name in ("weight", "bias"):
            np.testing.assert_allclose(store.tensors[(nid, name)].grad.numpy(), getattr(layer, name).grad.numpy(), rtol=1e-10)


def test_cnn_and_lstm_plans_equal_eager_engine():
    g = Graph()
    x = g.add_node("Input", {"shape": [1, 6, 6]}).id
    out = chain(g, x, ("Conv2D", {"filters": 3, "padding": "same"}), "ReLU", ("MaxPool2D", {}), "Flatten",
                ("Dense", {"units": 2}))
    t = g.add_node("Target").id
    loss = g.add_node("CrossEntropy").id
    connect(g, out, loss, dst_port="input")
    connect(g, t, loss, dst_port="target")
    store = WeightStore()
    plan = Plan(g, store, dtype="float64")
    xb, yb = random_batch((4, 1, 6, 6)).astype(np.float64), np.array([0, 1, 1, 0])
    lv = plan.forward(xb, yb).item()
    plan.backward()
    model = nn.Sequential(nn.Conv2d(1, 3, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(27, 2))
    eager_from_store(store, weighted_nodes(g, plan), model)
    el = F.cross_entropy(model(engine.tensor(xb)), engine.tensor(yb))
    el.backward()
    assert lv == pytest.approx(el.item(), rel=1e-12)
    conv_id = weighted_nodes(g, plan)[0]
    np.testing.assert_allclose(store.tensors[(conv_id, "weight")].grad.numpy(), model[0].weight.grad.numpy(), rtol=1e-10)

    g2 = Graph()
    x2 = g2.add_node("Input", {"shape": [5, 3]}).id
    out2 = chain(g2, x2, ("LSTM", {"units": 4, "bidirectional": True}), ("Dense", {"units": 1}))
    t2 = g2.add_node("Target", {"shape": [1], "dtype": "float32"}).id
    l2 = g2.add_node("MSE").id
    connect(g2, out2, l2, dst_port="input")
    connect(g2, t2, l2, dst_port="target")
    store2 = WeightStore()
    plan2 = Plan(g2, store2, dtype="float64")
    xs, ys = random_batch((3, 5, 3)).astype(np.float64), random_batch((3, 1), 1).astype(np.float64)
    lv2 = plan2.forward(xs, ys).item()
    plan2.backward()
    lstm = nn.LSTM(3, 4, bidirectional=True, batch_first=True)
    lstm_id, dense_id = weighted_nodes(g2, plan2)
    for name, p in lstm._parameters.items():
        p.array = store2.tensors[(lstm_id, name)].array.copy()
    dense = nn.Linear(8, 1)
    dense.weight.array, dense.bias.array = (store2.tensors[(dense_id, n)].array.copy() for n in ("weight", "bias"))
    _, (h, _) = lstm(engine.tensor(xs))
    last = F.cat([h[0], h[1]], dim=1)
    el2 = F.mse_loss(dense(last), engine.tensor(ys))
    el2.backward()
    assert lv2 == pytest.approx(el2.item(), rel=1e-12)
    np.testing.assert_allclose(store2.tensors[(lstm_id, "weight_hh_l0_reverse")].grad.numpy(),
                               lstm.weight_hh_l0_reverse.grad.numpy(), rtol=1e-9)


def test_events_forward_in_topological_order_then_backward_in_reverse():
    g, ids = logistic_regression_graph()
    plan = Plan(g, WeightStore())
    seen = []
    plan.listener = seen.append
    x, y = random_batch((8, 2)), (random_batch((8, 1)) > 0).astype(np.float32)
    plan.forward(x, y)
    plan.backward()
    order = [st.node.id for st in plan.steps]
    fwd = [e.node for e in seen if isinstance(e, ev.ForwardEnd)]
    starts = [e.node for e in seen if isinstance(e, ev.ForwardStart)]
    bwd = [e.node for e in seen if isinstance(e, ev.BackwardEnd)]
    assert fwd == order and starts == order
    assert bwd == [n for n in reversed(order) if next(s for s in plan.steps if s.node.id == n).needs_grad]
    # every forward end follows its start; all forward events come before any backward event
    first_back = next(i for i, e in enumerate(seen) if isinstance(e, ev.BackwardEnd))
    assert all(not isinstance(e, ev.BackwardEnd) for e in seen[:first_back])
    by_node = {e.node: e for e in seen if isinstance(e, ev.ForwardEnd)}
    s = by_node[ids["sigmoid"]].value
    assert s.shape == (8, 1) and 0 < s.min <= s.mean <= s.max < 1
    w_event = next(e for e in seen if isinstance(e, ev.BackwardEnd) and e.node == ids["W"])
    assert w_event.weight_grad_norms["value"] > 0


def test_sampling_reports_every_kth_step_and_nothing_without_listener():
    g, ids = mlp_graph()
    plan = Plan(g, WeightStore())
    seen = []
    plan.listener, plan.sample_every = seen.append, 3
    x, y = random_batch((8, 2)), np.zeros(8, dtype=np.int64)
    for _ in range(7):
        plan.forward(x, y)
        plan.backward()
    steps = sorted({e.step for e in seen})
    assert steps == [0, 3, 6]
    plan.listener = None
    plan.forward(x, y)
    plan.backward()
    assert max(e.step for e in seen) == 6


def test_invalid_graph_does_not_compile():
    g = Graph()
    g.add_node("Dense")
    with pytest.raises(GraphInvalid, match="not connected"):
        Plan(g, WeightStore())


def test_weights_survive_recompilation_when_their_shape_still_fits():
    g, ids = mlp_graph((2, 8, 2))
    store = WeightStore()
    Plan(g, store)
    dense_ids = [nid for (nid, name) in store.tensors if name == "weight"]
    before = {k: v.numpy().copy() for k, v in store.tensors.items()}
    last = [n for n in dense_ids if g.analysis.weights[n]["weight"].shape[0] == 2][0]
    g.set_param(last, "units", 3)          # the last layer changes shape; the first keeps its weights
    g.set_param(ids["loss"], "reduction", "sum")
    Plan(g, store)
    first = [n for n in dense_ids if n != last][0]
    np.testing.assert_array_equal(store.tensors[(first, "weight")].numpy(), before[(first, "weight")])
    assert store.tensors[(last, "weight")].shape == (3, 8)


def test_prediction_in_eval_mode_ignores_dropout_and_targets():
    g, ids = mlp_graph((2, 16, 2))
    drop = g.add_node("Dropout", {"p": 0.5}).id
    # put dropout between the input and the first layer
    first = next(e for e in g.edges.values() if e.src == ids["input"])
    g.disconnect(first.id)
    connect(g, ids["input"], drop)
    connect(g, drop, first.dst, dst_port=first.dst_port)
    plan = Plan(g, WeightStore())
    x = random_batch((5, 2))
    a, b = plan.predict(x).copy(), plan.predict(x).copy()
    np.testing.assert_array_equal(a, b)
    assert a.shape == (5, 2)


def test_time_based_sampling_limits_reports_per_second():
    g, ids = mlp_graph()
    plan = Plan(g, WeightStore())
    seen = []
    plan.listener, plan.sample_interval = seen.append, 10.0     # at most one report per 10 s
    x, y = random_batch((8, 2)), np.zeros(8, dtype=np.int64)
    for _ in range(20):
        plan.forward(x, y)
        plan.backward()
    assert {e.step for e in seen} == {0}
    assert any(isinstance(e, ev.BackwardEnd) for e in seen)


def test_trainer_forwards_sampled_node_events():
    g, ids = mlp_graph(training={"epochs": 2})
    seen = []
    from engine.graph.training import Trainer
    Trainer(g, listener=seen.append, sample_every=5).fit()
    steps = sorted({e.step for e in seen if isinstance(e, ev.ForwardEnd)})
    assert steps and all(s % 5 == 0 for s in steps)


def test_a_branch_wired_into_a_loss_target_trains_too():
    """A consistency loss between two branches: both get gradients (PyTorch computes the target's
    gradient for mse), so neither branch is silently frozen."""
    g = Graph()
    x = g.add_node("Input", {"shape": [3]}).id
    a = chain(g, x, ("Dense", {"units": 2}))
    b = chain(g, x, ("Dense", {"units": 2}))
    loss = g.add_node("MSE").id
    connect(g, a, loss, dst_port="input")
    connect(g, b, loss, dst_port="target")
    store = WeightStore()
    plan = Plan(g, store, dtype="float64")
    xb = random_batch((5, 3)).astype(np.float64)
    plan.forward(xb)
    plan.backward()
    ga, gb = (store.tensors[(n, "weight")].grad for n in (a, b))
    assert ga is not None and gb is not None
    assert np.abs(gb.numpy()).sum() > 0
    # the target branch's gradient, checked by central differences on one of its weights
    wb = store.tensors[(b, "weight")]
    eps = 1e-6
    base = wb.array[0, 0]
    wb.array[0, 0] = base + eps
    up = plan.forward(xb, training=False, grad=False).item()
    wb.array[0, 0] = base - eps
    down = plan.forward(xb, training=False, grad=False).item()
    wb.array[0, 0] = base
    assert gb.numpy()[0, 0] == pytest.approx((up - down) / (2 * eps), rel=1e-6)
