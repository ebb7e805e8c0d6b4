"""Training in the window, driven through its buttons and fields (offscreen): curves, markers,
restore best, animation order, Stop latency, event-loop latency, failures naming the node,
inspection views."""
import os
import time

import numpy as np
import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from app.commands import SetConfig
from app.document import Document
from engine.graph.layout import apply_layout
from graph_helpers import mlp_graph
from ui_helpers import main_window

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "resources", "examples")


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    w = main_window(qtbot, tmp_path, monkeypatch)
    yield w
    w.training.stop(wait=True)


def open_example(window, name, **training):
    doc = Document.open(os.path.join(EXAMPLES, f"{name}.twg"))
    window.set_document(doc)
    if training:
        doc.push(SetConfig(doc, "training", {**doc.graph.config["training"], **training}))
    QApplication.processEvents()
    return doc


def wait_idle(qtbot, window, timeout=60000):
    qtbot.waitUntil(lambda: window.training.session.state == "idle", timeout=timeout)


def type_into(qtbot, spin, text):
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, text)
    qtbot.keyClick(spin, Qt.Key_Return)


def test_training_from_the_panel_fills_both_curves(window, qtbot):
    doc = open_example(window, "moons")
    panel, curves = window.training.panel, window.training.curves
    type_into(qtbot, panel.epochs, "4")
    assert doc.graph.config["training"]["epochs"] == 4           # stored in the document …
    assert doc.undo_stack.canUndo() and doc.dirty                  # … as an undoable edit
    qtbot.mouseClick(window.training.controls.run_button, Qt.LeftButton)
    wait_idle(qtbot, window)
    assert len(curves.train_curve.getData()[0]) == 4
    assert len(curves.val_curve.getData()[0]) == 4
    assert len(curves.metric_train.getData()[0]) == 4 and len(curves.metric_val.getData()[0]) == 4
    assert len(curves.batch_curve.getData()[0]) > 4                # smoothed per-batch loss
    train = curves.train_curve.getData()[1]
    assert train[-1] < train[0]
    assert curves.best_epoch is not None and curves.best_line.isVisible()
    assert "finished" in window.training.controls.text().lower()
    assert doc.history is not None and len(doc.history.epochs) == 4
    # a second run keeps the first one faintly
    qtbot.mouseClick(window.training.controls.run_button, Qt.LeftButton)
    wait_idle(qtbot, window)
    assert len(curves.prev_train.getData()[0]) == 4
    assert [r["name"] for r in doc.graph.config["runs"]] == ["run 1", "run 2"]     # both in the history
    doc.undo_stack.undo()                                           # the second run's record …
    doc.undo_stack.undo()                                           # … the first's …
    doc.undo_stack.undo()                                           # … and the epochs edit
    assert doc.graph.config["training"]["epochs"] == 40 and panel.epochs.value() == 40
    assert not doc.graph.config.get("runs")


def test_overfitting_example_is_marked_and_best_weights_restore_its_loss(window, qtbot):
    doc = open_example(window, "overfitting", epochs=60)
    curves = window.training.curves
    qtbot.mouseClick(window.training.controls.run_button, Qt.LeftButton)
    wait_idle(qtbot, window)
    rows = curves.rows
    best = min(rows, key=lambda r: r["val_loss"])
    assert curves.onset == best["epoch"] and curves.onset < 60
    assert curves.overfit_regions and curves.overfit_regions[-1].isVisible() and not curves.banner.isHidden()
    assert rows[-1]["val_loss"] > best["val_loss"] and rows[-1]["train_loss"] < best["train_loss"]
    qtbot.mouseClick(curves.restore_button, Qt.LeftButton)
    tr = window.training.session.trainer
    loss, _ = tr.evaluate(tr.data.x_val, tr.data.y_val)
    assert loss == pytest.approx(best["val_loss"], rel=1e-5)
    assert str(best["epoch"]) in window.training.controls.text()


def test_animation_visits_nodes_in_order_forward_and_reverse_backward(window, qtbot):
    doc = open_example(window, "xor")
    visited = []
    window.training.animator.visited.connect(lambda phase, nid: visited.append((phase, nid)))
    with qtbot.waitSignal(window.training.session.step_recorded, timeout=20000):
        qtbot.mouseClick(window.training.animation.record_button, Qt.LeftButton)
    window.training.animator.run_to_end()
    forward = [n for p, n in visited if p == "forward"]
    backward = [n for p, n in visited if p == "backward"]
    update = [n for p, n in visited if p == "update"]
    order = [n for n in doc.graph.analysis.order]
    assert forward == [n for n in order if n in forward] and len(forward) == len(doc.graph.nodes)
    assert backward == [n for n in reversed(forward) if n in backward]
    trainable = {nid for nid, n in doc.graph.nodes.items() if n.type_id == "Dense"}
    assert trainable <= set(backward)
    assert update == [n for n in order if n in trainable]             # the update: weight nodes, in plan order
    # the badges show the real statistics of that step
    dense = next(iter(trainable))
    assert "‖ΔW‖" in window.scene.node_items[dense].badge                 # the update phase came last
    fwd_badge = next(f[2] for f in window.training.animator.frames if f[0] == "forward" and f[1] == dense)
    assert "±" in fwd_badge
    # step node by node from the start
    window.training.animator.restart_frames()
    visited.clear()
    qtbot.mouseClick(window.training.animation.step_button, Qt.LeftButton)
    qtbot.mouseClick(window.training.animation.step_button, Qt.LeftButton)
    assert [n for _, n in visited] == forward[:2]


def test_stop_during_training_takes_effect_within_200_ms(window, qtbot):
    open_example(window, "digits_cnn", epochs=1000)
    session = window.training.session
    qtbot.mouseClick(window.training.controls.run_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: session.trainer is not None and bool(session.trainer.history.batches), timeout=20000)
    t0 = time.perf_counter()
    qtbot.mouseClick(window.training.controls.stop_button, Qt.LeftButton)
    while session.busy and time.perf_counter() - t0 < 5:
        QApplication.processEvents()
        time.sleep(0.001)
    elapsed = time.perf_counter() - t0
    print(f"stop took {elapsed * 1000:.1f} ms")
    assert not session.busy and elapsed < 0.2
    wait_idle(qtbot, window)
    assert "stopped" in window.training.controls.text().lower()


def test_event_loop_keeps_ticking_while_the_digits_cnn_trains(window, qtbot):
    open_example(window, "digits_cnn", epochs=1000)
    gaps, last = [], [None]

    def tick():
        now = time.perf_counter()
        if last[0] is not None:
            gaps.append(now - last[0])
        last[0] = now
    timer = QTimer()
    timer.timeout.connect(tick)
    timer.start(10)
    qtbot.mouseClick(window.training.controls.run_button, Qt.LeftButton)
    qtbot.wait(2000)
    timer.stop()
    steps = window.training.session.trainer.history.batches
    window.training.stop(wait=True)
    late = np.maximum(np.asarray(gaps) - 0.010, 0.0)
    p95 = float(np.percentile(late, 95))
    print(f"event-loop latency while training: p95 {p95 * 1000:.1f} ms, max {late.max() * 1000:.1f} ms, "
          f"{len(gaps)} ticks, {len(steps)} training steps")
    assert len(steps) > 10                    # it really trained meanwhile
    assert len(gaps) > 50 and p95 < 0.050


def test_a_nan_run_stops_with_the_node_named_and_the_window_usable(window, qtbot):
    g, ids = mlp_graph(activation="Log")      # log of a negative pre-activation: NaN at once
    apply_layout(g)
    window.set_document(Document(g))
    log_id = next(n for n, node in g.nodes.items() if node.type_id == "Log")
    qtbot.mouseClick(window.training.controls.run_button, Qt.LeftButton)
    wait_idle(qtbot, window)
    assert window.errors and "Log" in window.errors[-1] and "NaN" in window.errors[-1]
    assert window.scene.selected_node_ids() == [log_id]
    assert window.scene.node_items[log_id].glow is not None
    assert window.training.controls.run_button.isEnabled()       # usable again


def test_a_bad_dataset_reports_a_message(window, qtbot):
    g, _ = mlp_graph(sizes=(3, 4, 2))        # moons has 2 features, the Input wants 3
    apply_layout(g)
    window.set_document(Document(g))
    qtbot.mouseClick(window.training.controls.run_button, Qt.LeftButton)
    wait_idle(qtbot, window)
    assert window.errors and "Input" in window.errors[-1]


def test_step_trains_exactly_one_batch_at_a_time(window, qtbot):
    open_example(window, "moons")
    session, panel = window.training.session, window.training.panel
    qtbot.mouseClick(window.training.controls.step_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: len(session.trainer.history.batches) == 1, timeout=20000)
    qtbot.wait(150)
    assert len(session.trainer.history.batches) == 1 and session.state == "paused"
    assert window.training.controls.pause_button.text() == "Resume"
    qtbot.mouseClick(window.training.controls.step_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: len(session.trainer.history.batches) == 2, timeout=5000)
    qtbot.wait(100)
    assert len(session.trainer.history.batches) == 2
    qtbot.mouseClick(window.training.controls.pause_button, Qt.LeftButton)        # Resume
    qtbot.waitUntil(lambda: len(session.trainer.history.batches) > 5, timeout=5000)
    qtbot.mouseClick(window.training.controls.stop_button, Qt.LeftButton)
    wait_idle(qtbot, window)


def test_reset_weights_starts_again_from_the_seeded_initialisation(window, qtbot):
    doc = open_example(window, "xor", epochs=3)
    panel = window.training.panel
    qtbot.mouseClick(window.training.controls.run_button, Qt.LeftButton)
    wait_idle(qtbot, window)
    first = window.training.curves.rows[0]["train_loss"]
    qtbot.mouseClick(window.training.controls.run_button, Qt.LeftButton)          # continues from trained weights
    wait_idle(qtbot, window)
    assert window.training.curves.rows[0]["train_loss"] < first
    qtbot.mouseClick(window.training.controls.reset_button, Qt.LeftButton)
    assert not doc.store.tensors
    qtbot.mouseClick(window.training.controls.run_button, Qt.LeftButton)
    wait_idle(qtbot, window)
    assert window.training.curves.rows[0]["train_loss"] == pytest.approx(first, rel=1e-6)


def test_close_while_training_asks_then_stops(window, qtbot):
    open_example(window, "digits_cnn", epochs=1000)
    session = window.training.session
    qtbot.mouseClick(window.training.controls.run_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: session.trainer is not None and bool(session.trainer.history.batches), timeout=20000)
    asked = []
    window.ask_stop_training = lambda: asked.append(1) or False
    window.close()
    assert asked and window.isVisible() and session.busy        # "no": keeps training
    window.ask_stop_training = lambda: asked.append(1) or True
    window.close()
    assert len(asked) == 2 and not session.busy and not window.isVisible()


def test_live_mode_tints_nodes_while_training(window, qtbot):
    doc = open_example(window, "digits_cnn", epochs=1000)
    seen = []
    window.training.session.node_activity.connect(seen.append)
    qtbot.mouseClick(window.training.controls.run_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: len(seen) >= 2, timeout=20000)
    conv = next(n for n, node in doc.graph.nodes.items() if node.type_id == "Conv2D")
    assert window.scene.node_items[conv].glow is not None
    assert seen[-1][conv][1] > 0                                  # a gradient norm arrived
    window.training.stop(wait=True)
    wait_idle(qtbot, window)
    assert window.scene.node_items[conv].glow is None


def test_gpu_choice_is_greyed_out_with_the_reason_when_unavailable(window):
    from engine.backend import gpu_unavailable_reason
    reason = gpu_unavailable_reason()
    if reason is None:
        pytest.skip("a GPU is available here")
    item = window.training.panel.device.model().item(1)
    assert not item.isEnabled() and item.toolTip() == reason


def test_dataset_choice_is_an_undoable_document_edit(window, qtbot, tmp_path):
    doc = open_example(window, "moons")
    panel = window.training.panel
    i = panel.source.findData("synthetic:circles")
    panel.source.setCurrentIndex(i)
    panel.source.activated.emit(i)
    assert doc.graph.config["dataset"]["name"] == "circles"
    doc.undo_stack.undo()
    assert doc.graph.config["dataset"]["name"] == "moons" and panel.source.currentData() == "synthetic:moons"
    # the user's CSV: the target column is picked from the file's header
    path = tmp_path / "points.csv"
    path.write_text("a,b,kind\n" + "".join(f"{i % 7},{(i * 3) % 5},{'yes' if i % 2 else 'no'}\n" for i in range(60)))
    i = panel.source.findData("csv:")
    panel.source.setCurrentIndex(i)
    panel.source.activated.emit(i)
    panel.path.setText(str(path))
    panel.path.editingFinished.emit()
    ds = doc.graph.config["dataset"]
    assert ds["source"] == "csv" and ds["path"] == str(path)
    assert [panel.label_column.itemText(k) for k in range(panel.label_column.count())] == ["a", "b", "kind"]
    assert ds.get("label") in (None, "kind") and panel.label_column.currentText() == "kind"   # default: last column
    panel.label_column.setCurrentIndex(0)
    panel.label_column.activated.emit(0)
    assert doc.graph.config["dataset"]["label"] == "a"


def test_node_values_gradient_check_confusion_and_decision_boundary(window, qtbot):
    doc = open_example(window, "moons", epochs=3)
    qtbot.mouseClick(window.training.controls.run_button, Qt.LeftButton)
    wait_idle(qtbot, window)
    dense = next(n for n, node in doc.graph.nodes.items() if node.type_id == "Dense")
    tv = window.training
    tv.tabs.setCurrentWidget(tv.values)
    window.scene.node_items[dense].setSelected(True)
    QApplication.processEvents()
    items = [tv.values.which.itemText(k) for k in range(tv.values.which.count())]
    assert "value of y" in items and "gradient of weight" in items
    tv.values.which.setCurrentText("gradient of weight")
    assert tv.values.view.kind == "heatmap" and "shape (16, 2)" in tv.values.view.stats.text()
    tv.values.which.setCurrentText("value of y")
    assert "shape (32, 16)" in tv.values.view.stats.text()
    qtbot.mouseClick(tv.values.check_button, Qt.LeftButton)
    assert "largest difference" in tv.values.check_result.text()
    res = tv.values.gradient_check()
    assert res.max_abs_diff < 1e-6 and res.checked > 0
    tv.tabs.setCurrentWidget(tv.confusion)
    m = tv.confusion.matrix
    assert m.shape == (2, 2) and m.sum() == 120 and np.trace(m) > 100
    tv.tabs.setCurrentWidget(tv.boundary)
    assert tv.boundary.grid is not None and tv.boundary.grid.shape == (128, 128)
    assert 0.0 <= tv.boundary.grid.min() and tv.boundary.grid.max() <= 1.0


def test_curves_export_png_and_csv(window, qtbot, tmp_path):
    open_example(window, "xor", epochs=3)
    qtbot.mouseClick(window.training.controls.run_button, Qt.LeftButton)
    wait_idle(qtbot, window)
    curves = window.training.curves
    assert curves.export_png(str(tmp_path / "c.png"))
    assert (tmp_path / "c.png").stat().st_size > 1000
    curves.export_csv(str(tmp_path / "c.csv"))
    lines = (tmp_path / "c.csv").read_text().splitlines()
    assert lines[0].startswith("epoch,train_loss") and len(lines) == 4


def test_while_a_worker_trains_cycles_are_collected_on_the_gui_thread_only(window, qtbot):
    """The cycle collector may run in any thread that allocates; collecting Qt wrappers on the
    training thread deadlocked with the GUI thread (seen in this suite). While a worker runs, the
    automatic collector is off and the GUI thread collects on its timer."""
    import gc
    open_example(window, "digits_cnn", epochs=1000)
    collected_in = set()

    def note(phase, info):
        if phase == "start":
            import threading
            collected_in.add(threading.current_thread().name)
    gc.callbacks.append(note)
    try:
        assert gc.isenabled()
        window.training.run()
        qtbot.waitUntil(lambda: window.training.session.trainer is not None and
                        bool(window.training.session.trainer.history.batches), timeout=20000)
        assert not gc.isenabled()
        junk = []
        for _ in range(3000):                    # cycles for the collector to find
            a = {}
            a["self"] = a
            junk.append(a)
        del junk
        qtbot.wait(1500)
        window.training.stop(wait=True)
        wait_idle(qtbot, window)
    finally:
        gc.callbacks.remove(note)
    assert gc.isenabled()
    assert collected_in and collected_in <= {"MainThread"}


def test_the_window_reads_published_snapshots_never_the_running_store(window, qtbot):
    """The run trains its own copy of the weights; the document's store changes only on the GUI
    thread, from the snapshots the run publishes, and ends equal to the run's weights."""
    doc = open_example(window, "moons", epochs=30)
    window.training.tabs.setCurrentWidget(window.training.boundary)     # a live view: asks for weights
    published = []
    window.training.session.weights_published.connect(lambda: published.append(time.perf_counter()))
    window.training.run()
    tr = window.training.session.trainer
    qtbot.waitUntil(lambda: len(published) >= 3, timeout=60000)
    shared = {id(t.array) for t in tr.store.tensors.values()} & {id(t.array) for t in doc.store.tensors.values()}
    assert tr.store is not doc.store and not shared
    wait_idle(qtbot, window)
    assert len(published) >= 30
    for key, arr in tr.store.state().items():
        np.testing.assert_array_equal(doc.store.state()[key], arr)


def test_a_data_file_outside_the_folder_is_read_only_after_the_user_says_yes(window, qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox
    from engine.graph import fileformat as ff
    (tmp_path / "project").mkdir()
    data = tmp_path / "elsewhere.csv"
    data.write_text("a,b,label\n" + "".join(f"{i},{-i},{i % 2}\n" for i in range(40)))
    g, _ = mlp_graph((2, 2), dataset={"source": "csv", "path": str(data)}, training={"epochs": 2})
    path = str(tmp_path / "project" / "g.twg")
    ff.save(g, path)
    window.set_document(Document.open(path))
    answers, asked = [QMessageBox.No, QMessageBox.Yes], []

    def question(*args, **kwargs):
        asked.append(args[2])
        return answers.pop(0)
    monkeypatch.setattr(QMessageBox, "question", question)
    window.training.run()
    qtbot.waitUntil(lambda: len(asked) == 1 and window.training.session.state == "idle", timeout=20000)
    assert str(data) in asked[0] and not window.document.store.tensors          # "No": nothing read or trained
    window.training.run()
    qtbot.waitUntil(lambda: len(asked) == 2, timeout=20000)
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: bool(window.document.history and window.document.history.epochs), timeout=20000)
    assert str(data) in window.document.trusted_data


def test_export_train_elsewhere_and_bring_the_weights_back(window, qtbot, tmp_path):
    """The digits CNN exported from the window, trained by its train.py (one epoch, one process
    here; torchrun is covered in test_export_pytorch.py), its checkpoint loaded back: the
    confusion matrix shows what the PyTorch-trained weights predict."""
    pytest.importorskip("torch")
    import subprocess
    import sys
    open_example(window, "digits_cnn")
    folder = tmp_path / "cnn"
    assert window.export_pytorch(str(folder))
    done = subprocess.run([sys.executable, "train.py", "--epochs", "1"], cwd=folder, capture_output=True, text=True,
                          timeout=300, env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert done.returncode == 0, done.stderr[-1500:]
    assert window.load_trained_weights(str(folder / "checkpoint.npz"))
    assert window.document.weights_changed
    matrix, names = window.training.source.confusion()
    assert matrix.sum() > 0 and np.trace(matrix) / matrix.sum() > 0.5      # one epoch already learns digits


def test_import_a_pytorch_onnx_cnn_and_animate_one_step_of_it(window, qtbot, tmp_path):
    """The other half of issue 11's done-scenario: a CNN with batch norm exported by
    torch.onnx.export, imported from the window, given a Target, a loss and the digits, and one
    step animated node by node over the imported layers."""
    torch = pytest.importorskip("torch")
    pytest.importorskip("onnx")
    from app.commands import AddNode, Connect, RemoveItems
    from test_onnx import _torch_models, torch_onnx
    _, models = _torch_models()
    model, shape = models["cnn_bn"]
    path = tmp_path / "cnn.onnx"
    path.write_bytes(torch_onnx(torch, model, torch.randn(2, *shape), fold=False))
    assert window.import_onnx(str(path))
    doc = window.document
    g = doc.graph
    assert doc.dirty and not doc.path and "cnn" in window.windowTitle()
    kinds = [g.nodes[n].type_id for n in g.analysis.order]
    assert kinds.count("Conv2D") == 2 and kinds.count("BatchNorm") == 2
    assert set(window.scene.node_items) == set(g.nodes)             # every imported node is on the canvas
    out = g.nodes_of_role("output")[0]
    head = g.incoming(out.id)["x"]
    doc.push(RemoveItems(doc, [out.id]))
    x, y = g.nodes[head.src].position
    target, loss = AddNode(doc, "Target", {"shape": [], "dtype": "int64"}, (x, y + 160)), AddNode(doc, "CrossEntropy", None, (x + 220, y + 80))
    doc.push(target)
    doc.push(loss)
    doc.push(Connect(doc, head.src, head.src_port, loss.node_id, "input"))
    doc.push(Connect(doc, target.node_id, "y", loss.node_id, "target"))
    doc.push(SetConfig(doc, "dataset", {"source": "bundled", "name": "digits", "sample_shape": [1, 8, 8],
                                        "normalize": "minmax"}))
    assert not g.analysis.errors
    with qtbot.waitSignal(window.training.session.step_recorded, timeout=30000):
        qtbot.mouseClick(window.training.animation.record_button, Qt.LeftButton)
    an = window.training.animator
    forward = [f[1] for f in an.frames if f[0] == "forward"]
    backward = [f[1] for f in an.frames if f[0] == "backward"]
    convs = [n for n in g.nodes if g.nodes[n].type_id in ("Conv2D", "BatchNorm")]
    assert all(n in forward and n in backward for n in convs)
    updated = [f[1] for f in an.frames if f[0] == "update"]
    assert set(convs) <= set(updated)                               # batch norm's scale and shift, the filters
