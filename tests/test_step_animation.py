"""The step animation reads as forward → backward → update: three colour families, forward light
cleared before backward, gradients running back along the wires with their norms, the loss on the
loss node, class counts on integer nodes, the update of every weight (lr × gradient for plain SGD),
badges that are never cut, a legend on the canvas, the chain rule with the engine's numbers, and a
tab that follows live training."""
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QApplication

from app.examples import catalog
from ui import style as S
from ui_helpers import main_window

EX = {e.name: e.path for e in catalog()}


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    w = main_window(qtbot, tmp_path, monkeypatch, size=(1366, 768))
    yield w
    w.training.stop(wait=True)


def record(window, qtbot, name):
    window.open_path(EX[name])
    with qtbot.waitSignal(window.training.session.step_recorded, timeout=20000):
        qtbot.mouseClick(window.training.animation.record_button, Qt.LeftButton)
    an = window.training.animator
    an.pause()
    an.restart_frames()
    return an


def is_blue(c):
    return c.blue() > c.red() and c.blue() >= c.green() * 0.9


def test_three_phases_three_colour_families_in_plan_order_reverse_and_weight_nodes(window, qtbot):
    an = record(window, qtbot, "moons")
    g = window.document.graph
    order = g.analysis.order
    phases = [f[0] for f in an.frames]
    assert phases == sorted(phases, key=["forward", "backward", "update"].index)      # 1, then 2, then 3
    fwd = [f for f in an.frames if f[0] == "forward"]
    bwd = [f for f in an.frames if f[0] == "backward"]
    upd = [f for f in an.frames if f[0] == "update"]
    assert [f[1] for f in fwd] == [n for n in order if n in {f[1] for f in fwd}]
    assert [f[1] for f in bwd] == [n for n in reversed(order) if n in {f[1] for f in bwd}]
    weighted = [n for n in order if g.analysis.weights.get(n)]
    assert [f[1] for f in upd] == weighted
    assert all(f[3] == S.FORWARD for f in fwd) and all(f[3] == S.UPDATE for f in upd)
    assert all(is_blue(f[3]) for f in bwd)
    # a minimum brightness: the smallest gradient's blue still stands out on the canvas
    dark = S.ramp(0.0)
    assert dark.valueF() >= 0.6 and abs(dark.lightnessF() - S.BACKGROUND.lightnessF()) > 0.25


def test_forward_light_is_cleared_before_backward_and_gradients_run_back_along_the_wires(window, qtbot):
    an = record(window, qtbot, "moons")
    first_back = next(i for i, f in enumerate(an.frames) if f[0] == "backward")
    for _ in range(first_back):
        an.step()
    assert any(i.glow == S.FORWARD for i in window.scene.node_items.values())
    an.step()                                                        # the first backward node (the loss)
    glows = [i.glow for i in window.scene.node_items.values() if i.glow is not None]
    assert glows and all(is_blue(c) for c in glows)                  # no amber left
    assert window.canvas_legend.isVisible() and window.canvas_legend.phase == "backward"
    loss_item = window.scene.node_items[an.frames[first_back][1]]
    flows = [e for e in loss_item.edges if e.dst_port.node_item is loss_item and e.flow is not None]
    assert flows and all(e.flow[3].startswith("‖∂‖") for e in flows)
    # the wire's number is what the engine sent back along it
    rec = an.recording
    e = flows[0]
    assert e.flow[3] == f"‖∂‖ {rec.wires[(loss_item.node_id, e.dst_port.name)]:.3g}"


def test_badges_tell_the_loss_the_labels_and_the_update_and_are_never_cut(window, qtbot):
    an = record(window, qtbot, "moons")
    g = window.document.graph
    loss = g.loss_node().id
    target = next(n.id for n in g.nodes.values() if n.type_id == "Target")
    badges = {(f[0], f[1]): f[2] for f in an.frames}
    assert badges[("forward", loss)] == f"loss {an.recording.loss:.3g}"
    assert badges[("forward", target)].startswith("class 0: ") and "class 1: " in badges[("forward", target)]
    fm = QFontMetrics(S.font())
    width = S.NODE_WIDTH - 16
    for (phase, nid), badge in badges.items():
        lines = badge.split("\n")
        assert len(lines) <= 2 and all(fm.horizontalAdvance(line) <= width for line in lines), badge
    dense = next(n for n in g.analysis.order if g.nodes[n].type_id == "Dense")
    assert "‖ΔW‖" in badges[("update", dense)]


def test_plain_sgd_moves_each_weight_by_lr_times_its_gradient(window, qtbot):
    an = record(window, qtbot, "logistic_regression")          # SGD, lr 0.5
    rec = an.recording
    assert rec.plain_sgd and rec.lr == 0.5
    for nid, moved in rec.updates:
        for name, (delta, grad) in moved.items():
            assert delta == pytest.approx(rec.lr * grad, rel=1e-4)
    badge = next(f[2] for f in an.frames if f[0] == "update")
    assert "= lr × ‖∂L/∂w‖ = 0.5 ×" in badge or "= 0.5 × ‖∂L/∂w‖" in badge


def test_the_chain_rule_panel_shows_the_engines_numbers_during_backward(window, qtbot):
    an = record(window, qtbot, "moons")
    relu = next(n.id for n in window.document.graph.nodes.values() if n.type_id == "ReLU")
    i = next(i for i, f in enumerate(an.frames) if f[0] == "backward" and f[1] == relu)
    for _ in range(i + 1):
        an.step()
    panel = window.training.animation
    rule = panel.chain_rule
    assert rule is not None and rule.node.startswith("ReLU") and rule.kind == "elementwise" and rule.matches
    assert not panel.chain.isHidden() and "✓ the engine computed" in panel.chain.text()
    assert f"{rule.engine:.4g}" in panel.chain.text()
    # pointing at another node while the recording is there explains that one
    dense = next(n.id for n in window.document.graph.nodes.values() if n.type_id == "Dense")
    window.training.tabs.setCurrentWidget(panel)
    window.scene.clearSelection()
    window.scene.node_items[dense].setSelected(True)
    assert panel.chain_rule.node.startswith("Dense") and panel.chain_rule.matches


def test_during_live_training_the_tab_and_the_legend_follow_the_tint(window, qtbot):
    from app.commands import SetConfig
    window.open_path(EX["digits_cnn"])
    doc = window.document
    doc.push(SetConfig(doc, "training", {**doc.graph.config["training"], "epochs": 1000}))
    tv = window.training
    seen = []
    tv.session.node_activity.connect(seen.append)
    tv.run()
    qtbot.waitUntil(lambda: len(seen) >= 2, timeout=20000)
    QApplication.processEvents()
    assert tv.animation.live and "tinted by" in tv.animation.where.text()
    legend = window.canvas_legend
    assert legend.phase == "live"
    norms = [g for _, g in seen[-1].values() if g > 0]
    assert legend.hi >= legend.lo > 0 and legend.hi <= max(norms) * 1.0001
    tv.stop(wait=True)
    qtbot.waitUntil(lambda: tv.session.state == "idle", timeout=20000)
    assert not tv.animation.live and not legend.isVisible()


# ----------------------------------------------------------------------------- what the model does over its inputs
def test_the_decision_boundary_shades_the_models_own_probabilities_with_both_point_sets(window, qtbot):
    import numpy as np
    window.open_path(EX["moons"])
    window.training.run()
    qtbot.waitUntil(lambda: window.training.session.state == "idle", timeout=60000)
    tv = window.training
    tv.tabs.setCurrentWidget(tv.boundary)
    view = tv.boundary
    assert view.mode == "plane" and view.probs.shape[:2] >= (128, 128)
    predict = tv.source.predictor()
    rng = np.random.default_rng(0)
    for i, j in rng.integers(0, 128, (12, 2)):
        p = tv.source.data().rule.probabilities(predict(np.array([[view.xs[j], view.ys[i]]], dtype=np.float32)))[0]
        assert np.allclose(view.probs[i, j], p, atol=1e-6)
    n_train = len(view.train_points.data)
    n_val = len(view.val_points.data)
    assert n_train == 480 and n_val == 120                      # moons: 600 points, a fifth held out
    view.show_val.setChecked(False)
    assert not view.val_points.isVisible() and view.train_points.isVisible()
    # confidence: pale near the boundary, strong far from it
    from ui.boundary_view import shade
    img = shade(np.array([[[0.5, 0.5], [0.02, 0.98]]]))
    assert img[0, 0, :3].astype(int).sum() < img[0, 1, :3].astype(int).sum()


def test_a_one_input_regression_shows_its_fitted_curve_through_the_points(window, qtbot):
    import numpy as np
    window.open_path(EX["overfitting"])
    tv = window.training
    i = tv.tabs.indexOf(tv.boundary)
    assert tv.tabs.isTabEnabled(i) and tv.tabs.tabText(i) == "Fitted curve"
    tv.run()
    qtbot.waitUntil(lambda: tv.session.state == "idle", timeout=60000)
    tv.tabs.setCurrentWidget(tv.boundary)
    view = tv.boundary
    assert view.mode == "curve"
    xs, ys = view.curve.getData()
    pred = np.asarray(tv.source.predictor()(np.asarray(xs, dtype=np.float32)[:, None])).reshape(-1)
    assert np.allclose(ys, pred, atol=1e-6)
    tx, ty = view.train_points.getData()
    assert len(tx) == 8 and len(view.val_points.getData()[0]) == 200
    # overfit: the curve passes (nearly) through the 8 training points
    at = np.asarray(tv.source.predictor()(np.asarray(tx, dtype=np.float32)[:, None])).reshape(-1)
    assert np.abs(at - ty).max() < 0.1


# ----------------------------------------------------------------------------- neurons
def test_the_neuron_view_shows_each_units_own_output_over_the_plane(window, qtbot):
    import numpy as np
    from engine.graph.neurons import plane
    from engine.graph.plan import Plan
    from engine.random import Generator
    window.open_path(EX["moons"])
    tv = window.training
    tv.run()
    qtbot.waitUntil(lambda: tv.session.state == "idle", timeout=60000)
    tv.tabs.setCurrentWidget(tv.neurons)
    data = tv.neurons.data
    g = window.document.graph
    assert data is not None and len(data.layers) == 3 and data.xs is not None
    pts, _ = plane(tv.source.data().host()[0], len(data.xs))
    plan = Plan(g, window.document.store.copy(), "cpu", "float32", Generator(0),
                targets={layer.shown for layer in data.layers})
    plan.forward(pts.astype(np.float32), None, training=False)
    G = len(data.xs)
    for layer in data.layers:
        direct = np.asarray(plan.value_of(layer.shown, "y"))
        for u in range(len(layer.values)):
            assert np.allclose(layer.values[u], direct[:, u].reshape(G, G), atol=1e-6)
        w = window.document.store.tensors[(layer.node, "weight")].array
        assert np.allclose(layer.weight, w[:layer.weight.shape[0], :layer.weight.shape[1]])
    assert data.layers[0].activation == "ReLU" and data.layers[-1].activation == "linear"
    # a click on a unit tells its incoming weights and its share of the next layer
    canvas = tv.neurons.canvas
    r = canvas.rects[(1, 2)]
    qtbot.mouseClick(canvas, Qt.LeftButton, pos=r.center().toPoint())
    assert canvas.selected == (1, 2) and "unit 3 of 16" in tv.neurons.info.text()
    assert "share of what the next layer receives" in tv.neurons.info.text()
    shares = data.layers[0].share
    assert abs(shares.sum() - 1.0) < 1e-9


def test_the_neuron_view_follows_training_at_least_four_times_a_second(window, qtbot):
    from app.commands import SetConfig
    window.open_path(EX["moons"])
    doc = window.document
    doc.push(SetConfig(doc, "training", {**doc.graph.config["training"], "epochs": 10000}))
    tv = window.training
    tv.tabs.setCurrentWidget(tv.neurons)
    frames = []
    original = tv.neurons.refresh
    tv.neurons.refresh = lambda: frames.append(__import__("time").perf_counter()) or original()
    tv.run()
    qtbot.waitUntil(lambda: tv.session.trainer is not None and bool(tv.session.trainer.history.epochs), timeout=20000)
    start = len(frames)
    qtbot.wait(2000)
    shown = len(frames) - start
    tv.stop(wait=True)
    print(f"neuron view: {shown / 2:.1f} frames per second while training")
    assert shown >= 8


def test_other_inputs_show_the_units_on_one_sample(window, qtbot):
    window.open_path(EX["digits_mlp"])
    tv = window.training
    tv.tabs.setCurrentWidget(tv.neurons)
    data = tv.neurons.data
    assert data is not None and data.xs is None and data.inputs.shape == (64,)
    assert len(data.layers[0].values) == 16 and data.layers[0].units == 128
    assert not tv.neurons.sample.isHidden()
    tv.neurons.sample.setValue(5)
    assert tv.neurons.data.inputs.shape == (64,)
    window.open_path(EX["logistic_regression"])                 # MatMul and Add, no Dense layers
    tv = window.training
    i = tv.tabs.indexOf(tv.neurons)
    assert not tv.tabs.isTabEnabled(i) and "Dense layers" in tv.tabs.tabToolTip(i)


def test_the_neuron_view_needs_a_whole_chain_of_dense_layers():
    from engine.graph.model import Graph
    from engine.graph.neurons import dense_chain
    from graph_helpers import chain, connect
    g = Graph()
    x = g.add_node("Input", {"shape": [2]}).id
    last = chain(g, x, ("Dense", {"units": 4}), ("BatchNorm", {}), "ReLU", ("Dropout", {"p": 0.2}),
                 ("Dense", {"units": 2}))
    t, loss = g.add_node("Target").id, g.add_node("CrossEntropy").id
    connect(g, last, loss, dst_port="input")
    connect(g, t, loss, dst_port="target")
    layers = dense_chain(g)
    assert [act for _, _, act in layers] == ["ReLU", "linear"]     # through BatchNorm and Dropout
    side = g.add_node("Tanh").id                                    # a branch the view cannot draw
    connect(g, layers[0][1], side)
    assert dense_chain(g) is None
