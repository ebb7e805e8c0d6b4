"""What the training window shows, computed by the engine (the overfitting detector: see
test_overfitting.py): node probes,
confusion matrix, decision grid, the per-node gradient check, single-step training."""
import threading
import time

import numpy as np

from engine.graph import diagnostics as D
from engine.graph import REGISTRY
from engine.graph.training import Trainer
from engine.graph.training_data import LabelRule
from graph_helpers import mlp_graph


def rows(train, val):
    return [{"epoch": i + 1, "train_loss": t, "val_loss": v} for i, (t, v) in enumerate(zip(train, val))]


def rule(loss_type):
    return LabelRule.of_loss(REGISTRY.get(loss_type))


def test_confusion_matrix_and_labels():
    ce = rule("CrossEntropy")
    truth = ce.true_labels(np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 1, 0]], dtype=np.float32))
    guess = ce.predicted_labels(np.array([[5, 1, 0], [0, 1, 3], [0, 0, 2], [1, 2, 0]]))
    m = D.confusion_matrix(truth, guess, 3)
    assert m.tolist() == [[1, 0, 0], [0, 1, 1], [0, 0, 1]]
    assert ce.true_labels(np.array([[0.9], [0.1]])).tolist() == [1, 0]
    assert ce.true_labels(np.array([[1.0], [-1.0]])).tolist() == [1, 0]            # hinge-style ±1
    # one output column: a probability is class 1 above 0.5, a logit or hinge score above 0
    col = np.array([[0.3], [0.7], [-0.2]])
    assert rule("BinaryCrossEntropy").predicted_labels(col).tolist() == [0, 1, 0]
    assert rule("BCEWithLogits").predicted_labels(col).tolist() == [1, 1, 0]
    assert rule("Hinge").predicted_labels(col).tolist() == [1, 1, 0]


def test_every_loss_declares_what_it_expects():
    for nt in REGISTRY:
        if nt.role == "loss":
            assert LabelRule.of_loss(nt).metric in ("mae", "accuracy")


def test_the_probability_grid_covers_the_points_and_turns_outputs_into_probabilities():
    x = np.array([[0.0, 0.0], [1.0, 2.0]], dtype=np.float32)
    xs, ys, p = D.probability_grid(lambda q: (q[:, :1] > 0.5).astype(np.float32), rule("BinaryCrossEntropy"), x,
                                   resolution=11)
    assert p.shape == (11, 11, 2) and xs[0] < 0 < 1 < xs[-1] and ys[0] < 0 and ys[-1] > 2
    assert p[:, 0, 1].max() == 0 and p[:, -1, 1].min() == 1 and np.allclose(p.sum(axis=2), 1)
    scores = np.array([[2.0, 0.0, -1.0]])
    assert np.allclose(rule("CrossEntropy").probabilities(scores), np.exp(scores) / np.exp(scores).sum())
    assert np.allclose(rule("NLL").probabilities(np.log([[0.2, 0.8]])), [[0.2, 0.8]])
    assert np.allclose(rule("BCEWithLogits").probabilities(np.array([[0.0]])), [[0.5, 0.5]])
    assert np.allclose(rule("CategoricalCrossEntropy").probabilities(np.array([[1.0, 3.0]])), [[0.25, 0.75]])


def test_probe_returns_value_and_gradient_without_touching_the_store():
    g, ids = mlp_graph()
    tr = Trainer(g).setup()
    before = tr.store.state()
    x, y = tr.data.x_train[:16], tr.data.y_train[:16]
    p = D.probe(g, tr.store, ids["output"], x, y)
    assert p.outputs["y"].shape == (16, 2) and p.output_grads["y"].shape == (16, 2)
    assert p.weights["weight"].shape == p.weight_grads["weight"].shape
    assert all(t.grad is None for t in tr.store.tensors.values())
    assert all(np.array_equal(before[k], v) for k, v in tr.store.state().items())
    # the output gradient of a mean cross-entropy: (softmax - onehot) / batch
    logits = p.outputs["y"].astype(np.float64)
    soft = np.exp(logits - logits.max(1, keepdims=True))
    soft /= soft.sum(1, keepdims=True)
    soft[np.arange(16), y] -= 1
    np.testing.assert_allclose(p.output_grads["y"], soft / 16, rtol=1e-4, atol=1e-6)


def test_gradient_check_passes_for_real_nodes_and_catches_a_wrong_backward(monkeypatch):
    g, ids = mlp_graph(activation="Tanh")
    tr = Trainer(g).setup()
    x, y = tr.data.x_train[:8], tr.data.y_train[:8]
    tanh = next(n for n, node in g.nodes.items() if node.type_id == "Tanh")
    for nid in (ids["output"], tanh, ids["loss"]):
        res = D.gradcheck_node(g, tr.store, nid, x, y)
        assert res.checked > 0 and res.max_abs_diff < 1e-6, res.summary()
    from engine.ops import elementwise
    real = elementwise.Tanh.backward
    monkeypatch.setattr(elementwise.Tanh, "backward", lambda self, *a, **k: tuple(2 * g for g in real(self, *a, **k)))
    res = D.gradcheck_node(g, tr.store, tanh, x, y)
    assert res.max_abs_diff > 1e-3 and "input 'x'" in res.worst


def test_gradient_check_skips_kinks_and_nodes_without_inputs():
    g, ids = mlp_graph(activation="ReLU")
    tr = Trainer(g).setup()
    res = D.gradcheck_node(g, tr.store, ids["input"], tr.data.x_train[:4], tr.data.y_train[:4])
    assert res.checked == 0 and "nothing to check" in res.summary()


def test_trainer_step_runs_one_batch_then_waits():
    g, _ = mlp_graph(training={"epochs": 50, "batch_size": 16})
    tr = Trainer(g)
    tr.pause()
    t = threading.Thread(target=tr.fit, daemon=True)
    t.start()
    time.sleep(0.3)
    assert tr.history.batches == []
    tr.step()
    deadline = time.time() + 10
    while len(tr.history.batches) < 1 and time.time() < deadline:
        time.sleep(0.01)
    time.sleep(0.2)
    assert len(tr.history.batches) == 1 and tr.paused
    tr.step()
    while len(tr.history.batches) < 2 and time.time() < deadline:
        time.sleep(0.01)
    time.sleep(0.2)
    assert len(tr.history.batches) == 2
    tr.stop()
    t.join(5)
    assert not t.is_alive() and tr.end_reason == "stopped"
