"""The node editor, driven by real mouse, key and drag-and-drop events (offscreen)."""
import os

import pytest
from PySide6.QtCore import QPointF, QSettings, Qt
from PySide6.QtWidgets import QApplication

from app.commands import AddNode, Connect
from app.document import Document
from engine.graph import fileformat

from graph_helpers import logistic_regression_graph, mlp_graph
from ui_helpers import quiet, click, drag, drop_node_type, mouse, node_center, port_pos, snapshot


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("TENSORWEAVE_DATA_DIR", str(tmp_path / "data"))
    QSettings.setPath(QSettings.NativeFormat, QSettings.UserScope, str(tmp_path / "settings"))
    from ui.main_window import MainWindow
    w = quiet(MainWindow())
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    QApplication.processEvents()
    return w


def load(window, graph):
    from engine.graph.layout import apply_layout
    apply_layout(graph)                       # the helpers build graphs without positions
    window.set_document(Document(graph))
    QApplication.processEvents()
    window.view.resetTransform()
    window.view.centerOn(window.scene.itemsBoundingRect().center())
    QApplication.processEvents()


def test_drop_from_the_palette_creates_the_node_at_the_drop_point(window):
    target = window.view.mapToScene(window.view.viewport().rect().center())
    assert drop_node_type(window.view, "Dense", target)
    nodes = list(window.document.graph.nodes.values())
    assert [n.type_id for n in nodes] == ["Dense"]
    item = window.scene.node_items[nodes[0].id]
    # centred under the drop point (within the snapping grid)
    center = item.mapToScene(item.boundingRect().center())
    assert abs(center.x() - target.x()) <= 20 and abs(center.y() - target.y()) <= 40
    assert window.document.dirty and window.windowTitle().startswith("Untitled *")


def test_palette_item_carries_its_type_for_dragging(window):
    item = window.palette.item_for("Conv2D")
    md = window.palette.tree.mimeData([item])
    assert bytes(md.data("application/x-tensorweave-node-type")) == b"Conv2D"
    window.palette.search.setText("fully connected")
    assert [i.data(0, Qt.UserRole) for i in window.palette.items()] == ["Dense"]


def test_dragging_from_port_to_port_connects_and_undo_redo(window):
    g, ids = mlp_graph((2, 4, 2))
    first = next(e for e in g.edges.values() if e.src == ids["input"])
    g.disconnect(first.id)
    load(window, g)
    a = port_pos(window, ids["input"], "x", True)
    b = port_pos(window, first.dst, first.dst_port, False)
    drag(window.view, a, b)
    assert any(e.src == ids["input"] and e.dst == first.dst for e in g.edges.values())
    assert not g.analysis.errors
    window.document.undo_stack.undo()
    assert not any(e.src == ids["input"] for e in g.edges.values())
    window.document.undo_stack.redo()
    assert any(e.src == ids["input"] for e in g.edges.values())
    # dragging from the input side towards the output works as well
    window.document.undo_stack.undo()
    drag(window.view, b, a)
    assert any(e.src == ids["input"] and e.dst == first.dst for e in g.edges.values())


def test_invalid_connections_are_refused_with_the_models_reason(window):
    g, ids = logistic_regression_graph()
    load(window, g)
    before = snapshot(g)
    # MatMul's input 'a' is occupied
    drag(window.view, port_pos(window, ids["b"], "value", True), port_pos(window, ids["matmul"], "a", False))
    assert "already connected" in window.view.last_refusal
    # a cycle: Sigmoid's output back into the Add
    e = g.incoming(ids["add"])["b"]
    window.document.push(__import__("app.commands", fromlist=["RemoveItems"]).RemoveItems(window.document, [], [e.id]))
    drag(window.view, port_pos(window, ids["sigmoid"], "y", True), port_pos(window, ids["add"], "b", False))
    assert "cycle" in window.view.last_refusal
    window.document.undo_stack.undo()
    assert snapshot(g) == before
    # two outputs
    drag(window.view, port_pos(window, ids["W"], "value", True), port_pos(window, ids["b"], "value", True))
    assert "two outputs" in window.view.last_refusal
    assert snapshot(g) == before


def test_a_shape_mismatch_is_refused_naming_both_shapes(window):
    g, ids = logistic_regression_graph()
    load(window, g)
    d = g.add_node("Dense", {"units": 3}, position=(0, 400)).id
    g.add_node("Tanh", position=(300, 400))
    mm2 = g.add_node("MatMul", position=(600, 400)).id
    window.document.push(Connect(window.document, ids["input"], "x", d, "x"))
    QApplication.processEvents()
    drag(window.view, port_pos(window, d, "y", True), port_pos(window, mm2, "a", False))
    drag(window.view, port_pos(window, ids["W"], "value", True), port_pos(window, mm2, "b", False))
    assert "cannot multiply N×3 by 2×1" in window.view.last_refusal


def test_a_wire_dropped_on_empty_canvas_offers_types_that_accept_it(window, qtbot):
    g, ids = mlp_graph((2, 4, 2))
    load(window, g)
    start = port_pos(window, ids["output"], "y", True)
    drag(window.view, start, QPointF(start.x() + 260, start.y() + 260))
    popup = window.view.popup
    assert popup is not None and popup.isVisible()
    offered = [popup.list.item(i).data(Qt.UserRole) for i in range(popup.list.count())]
    assert "ReLU" in offered and "Input" not in offered and "Embedding" not in offered
    n_before = len(g.nodes)
    qtbot.keyClicks(popup.edit, "softmax")
    qtbot.keyClick(popup.edit, Qt.Key_Return)
    new = [n for n in g.nodes.values() if n.type_id == "Softmax"]
    assert len(new) == 1 and len(g.nodes) == n_before + 1
    assert any(e.src == ids["output"] and e.dst == new[0].id for e in g.edges.values())
    window.document.undo_stack.undo()          # one step undoes the node and its wire
    assert len(g.nodes) == n_before and not any(n.type_id == "Softmax" for n in g.nodes.values())


def test_tab_opens_search_and_adds_a_node(window, qtbot):
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key_Tab)
    popup = window.view.popup
    assert popup.isVisible()
    qtbot.keyClicks(popup.edit, "lstm")
    qtbot.keyClick(popup.edit, Qt.Key_Return)
    assert [n.type_id for n in window.document.graph.nodes.values()] == ["LSTM"]


def test_double_click_on_empty_canvas_opens_search(window):
    p = window.view.mapToScene(window.view.viewport().rect().center())
    mouse(window.view, "press", p)
    mouse(window.view, "release", p)
    mouse(window.view, "double", p)
    assert window.view.popup is not None and window.view.popup.isVisible()
    window.view.popup.close()


def test_moving_nodes_by_mouse_is_one_undoable_step(window):
    g, ids = mlp_graph()
    load(window, g)
    before = g.nodes[ids["input"]].position
    c = node_center(window, ids["input"])
    # press on the header (not a port)
    header = QPointF(c.x(), window.scene.node_items[ids["input"]].scenePos().y() + 10)
    drag(window.view, header, QPointF(header.x() + 100, header.y() + 60))
    after = g.nodes[ids["input"]].position
    assert after != before and after[0] % 20 == 0 and after[1] % 20 == 0       # snapped to the grid
    window.document.undo_stack.undo()
    assert g.nodes[ids["input"]].position == before
    assert window.scene.node_items[ids["input"]].pos().x() == before[0]


def test_rubber_band_and_delete_key(window, qtbot):
    g, ids = mlp_graph()
    load(window, g)
    n_nodes, n_edges = len(g.nodes), len(g.edges)
    rect = window.scene.itemsBoundingRect()
    far = QPointF(rect.left() - 50, rect.top() - 50)
    drag(window.view, far, QPointF(rect.right() + 50, rect.bottom() + 50))
    assert set(window.scene.selected_node_ids()) == set(g.nodes)
    window.activateWindow()
    qtbot.waitActive(window)
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key_Delete)
    assert not g.nodes and not g.edges
    window.document.undo_stack.undo()
    assert len(g.nodes) == n_nodes and len(g.edges) == n_edges


def test_every_kind_of_edit_undoes_and_redoes_to_an_identical_model(window, qtbot):
    g, ids = logistic_regression_graph()
    load(window, g)
    doc = window.document
    edits = [
        lambda: drop_node_type(window.view, "Tanh", QPointF(0, 500)),
        lambda: doc.push(Connect(doc, ids["add"], "y", next(n.id for n in g.nodes.values() if n.type_id == "Tanh"), "x")),
        lambda: window.inspector.show_node(ids["W"]) or window.inspector._commit("init", "zeros"),
        lambda: drag(window.view, QPointF(node_center(window, ids["b"]).x(), window.scene.node_items[ids["b"]].scenePos().y() + 10),
                     QPointF(node_center(window, ids["b"]).x() + 40, window.scene.node_items[ids["b"]].scenePos().y() + 90)),
        lambda: window.inspector.show_node(ids["sigmoid"]) or window.inspector._rename("squash"),
        lambda: (window.scene.clearSelection(), window.scene.node_items[ids["sigmoid"]].setSelected(True), window.duplicate()),
        lambda: (window.scene.clearSelection(), window.scene.node_items[ids["W"]].setSelected(True), window.delete_selection()),
        lambda: window.auto_layout(),
        lambda: (window.select_all(), window.copy(), window.paste()),
    ]
    for i, edit in enumerate(edits):
        before = snapshot(g)
        count = doc.undo_stack.count()
        edit()
        QApplication.processEvents()
        after = snapshot(g)
        assert after != before, f"edit {i} changed nothing"
        assert doc.undo_stack.count() == count + 1, f"edit {i} is not one undo step"
        doc.undo_stack.undo()
        assert snapshot(g) == before, f"undo of edit {i}"
        doc.undo_stack.redo()
        assert snapshot(g) == after, f"redo of edit {i}"
        # the scene mirrors the model
        assert set(window.scene.node_items) == set(g.nodes) and set(window.scene.edge_items) == set(g.edges)


def test_copy_and_paste_between_windows(window, qtbot):
    g, ids = mlp_graph((2, 5, 3))
    load(window, g)
    dense = [n.id for n in g.nodes.values() if n.type_id == "Dense"]
    window.scene.clearSelection()
    for nid in dense + [n.id for n in g.nodes.values() if n.type_id == "ReLU"]:
        window.scene.node_items[nid].setSelected(True)
    # offscreen, window activation is unreliable, so the menu actions are triggered; their
    # bindings to the platform's Copy/Paste keys are checked below
    window.actions["copy"].trigger()
    from ui.main_window import MainWindow
    other = quiet(MainWindow(autosave=False))
    qtbot.addWidget(other)
    other.show()
    other.actions["paste"].trigger()
    g2 = other.document.graph
    assert sorted(n.type_id for n in g2.nodes.values()) == ["Dense", "Dense", "ReLU"]
    assert len(g2.edges) == 2 and not set(g2.nodes) & set(g.nodes)            # fresh ids
    assert sorted(n.params["units"] for n in g2.nodes.values() if n.type_id == "Dense") == [3, 5]
    assert set(other.scene.selected_node_ids()) == set(g2.nodes)              # the pasted nodes are selected
    from PySide6.QtGui import QKeySequence
    assert QKeySequence(QKeySequence.Copy) in window.actions["copy"].shortcuts()
    assert QKeySequence(QKeySequence.Paste) in other.actions["paste"].shortcuts()
    other.actions["paste"].trigger()                                           # pasting again adds another copy
    assert len(g2.nodes) == 6


def test_inspector_edits_a_parameter_and_the_edge_shapes_follow(window):
    g, ids = mlp_graph((2, 8, 2))
    load(window, g)
    dense = next(n for n in g.nodes.values() if n.type_id == "Dense" and n.params["units"] == 8)
    click(window.view, QPointF(node_center(window, dense.id).x(), window.scene.node_items[dense.id].scenePos().y() + 10))
    assert window.inspector.node_id == dense.id
    spin = window.inspector.editors["units"]
    spin.setValue(32)
    out_edge = next(e for e in g.edges.values() if e.src == dense.id)
    assert window.scene.edge_items[out_edge.id].label == "N×32"
    assert "N×32" in window.inspector.facts.text() and "96" in window.inspector.facts.text()   # 2·32 + 32
    # a bad value for a parameter shows the model's message and changes nothing
    window.inspector.show_node(ids["input"])
    field = window.inspector.editors["shape"]                   # typed into the field, then Enter
    field.setText("2, -1")
    field.editingFinished.emit()
    assert "at least 1" in window.inspector.errors["shape"].text()
    assert g.nodes[ids["input"]].params["shape"] == (2,)
    window.document.undo_stack.undo()
    assert window.scene.edge_items[out_edge.id].label == "N×8"


def test_save_and_open_round_trip_and_the_dirty_marker(window, tmp_path):
    g, ids = logistic_regression_graph()
    load(window, g)
    window.document.push(AddNode(window.document, "Tanh", position=(40, 600)))
    assert window.windowTitle().startswith("Untitled *")
    path = str(tmp_path / "lr.twg")
    window.ask_save_path = lambda: path
    assert window.save()
    assert window.windowTitle() == "lr — Tensorweave" and not window.document.dirty
    state = snapshot(g)
    window.document.undo_stack.undo()
    assert window.document.dirty                          # moved away from the saved state
    window.document.undo_stack.redo()
    assert not window.document.dirty                      # back at the saved state
    assert window.open_path(path)
    assert snapshot(window.document.graph) == state and window.document.path == path
    recent = QSettings("Tensorweave", "Tensorweave").value("recent")
    assert recent and recent[0] == os.path.abspath(path)


def test_close_asks_about_unsaved_changes(window, tmp_path):
    window.document.push(AddNode(window.document, "Tanh"))
    answers = []
    window.ask_save_changes = lambda: answers.pop(0)
    answers.append("cancel")
    assert not window.close() and window.isVisible()
    answers.append("discard")
    assert window.close()
    window.show()
    window.document.push(AddNode(window.document, "ReLU"))
    path = str(tmp_path / "x.twg")
    window.ask_save_path = lambda: path
    answers.append("save")
    assert window.close() and os.path.exists(path)


def test_opening_another_file_asks_first(window):
    window.document.push(AddNode(window.document, "Tanh"))
    window.ask_save_changes = lambda: "cancel"
    window.ask_open_path = lambda: pytest.fail("should not ask for a file after cancel")
    assert not window.open()
    assert [n.type_id for n in window.document.graph.nodes.values()] == ["Tanh"]


def test_a_bad_file_shows_the_loaders_message_and_keeps_the_document(window, tmp_path):
    window.document.push(AddNode(window.document, "Tanh"))
    doc = window.document
    bad = tmp_path / "bad.twg"
    bad.write_text('{"format": "tensorweave-graph", "version": 1, "nodes": [{"id": "a", "type": "Warp"}]}')
    assert not window.open_path(str(bad))
    assert "nodes[0].type: unknown node type 'Warp'" in window.errors[-1]
    assert window.document is doc and [n.type_id for n in doc.graph.nodes.values()] == ["Tanh"]


def test_recovery_file_is_written_and_offered_after_a_crash(window, qtbot, tmp_path):
    from app.autosave import Autosave, leftover_recoveries
    window.autosave.timer.setInterval(50)
    window.document.push(AddNode(window.document, "Dense", {"units": 7}))
    qtbot.waitUntil(lambda: os.path.exists(window.autosave.path), timeout=2000)
    # the process "crashes": the window goes away without closing properly
    crashed_file = window.autosave.path
    window.autosave.timer.stop()
    from ui.main_window import MainWindow
    fresh = quiet(MainWindow())
    qtbot.addWidget(fresh)
    asked = []
    fresh.ask_restore = lambda record: asked.append(record) or True
    assert fresh.offer_recovery()
    assert asked and asked[0]["file"] == crashed_file
    restored = fresh.document.graph
    assert [(n.type_id, n.params["units"]) for n in restored.nodes.values()] == [("Dense", 7)]
    assert fresh.document.dirty
    assert not os.path.exists(crashed_file)
    assert all(r["file"] != crashed_file for r in leftover_recoveries())
    fresh.autosave.stop()
    assert isinstance(window.autosave, Autosave)


def test_saving_or_a_clean_document_removes_the_recovery_file(window, tmp_path):
    window.document.push(AddNode(window.document, "Tanh"))
    assert window.autosave.save_now() and os.path.exists(window.autosave.path)
    window.ask_save_path = lambda: str(tmp_path / "s.twg")
    window.save()
    assert not os.path.exists(window.autosave.path)
    assert not window.autosave.save_now()


def test_zoom_with_wheel_and_keys_and_pan_with_middle_button(window, qtbot):
    g, _ = mlp_graph()
    load(window, g)
    n_nodes = len(g.nodes)
    z = window.view.zoom()
    window.view.zoom_in()
    assert window.view.zoom() == pytest.approx(z * 1.25)
    window.view.zoom_out()
    assert window.view.zoom() == pytest.approx(z)
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QWheelEvent
    center = QPointF(window.view.viewport().rect().center())
    wheel = QWheelEvent(center, QPointF(window.view.viewport().mapToGlobal(center.toPoint())), QPoint(0, 0),
                        QPoint(0, 240), Qt.NoButton, Qt.NoModifier, Qt.NoScrollPhase, False)
    QApplication.sendEvent(window.view.viewport(), wheel)
    assert window.view.zoom() > z * 1.3
    h = window.view.horizontalScrollBar().value()
    p = window.view.mapToScene(window.view.viewport().rect().center())
    drag(window.view, p, QPointF(p.x() + 100, p.y()), button=Qt.MiddleButton)
    assert window.view.horizontalScrollBar().value() != h
    assert len(g.nodes) == n_nodes                 # panning changed nothing in the model


def test_status_bar_counts_errors_and_parameters(window):
    g, ids = logistic_regression_graph()
    load(window, g)
    assert window.status_counts.text().startswith("3 parameters · ~") and "to train" in window.status_counts.text() and window.issues_button.isHidden()
    g.set_param(ids["W"], "shape", [3, 1])
    assert window.issues_button.text().startswith("✖ 1 error") and not window.issues_button.isHidden()


def test_examples_menu_lists_the_lesson_in_order_and_opens_examples(window):
    titles = [a.text() for a in window.examples_menu.actions()]
    assert titles[0] == "1. Logistic regression — first steps" and titles[2] == "3. Two moons — first steps"
    assert len(titles) == 10 and all(a.statusTip() for a in window.examples_menu.actions())
    next(a for a in window.examples_menu.actions() if "convolutional" in a.text()).trigger()
    assert window.document.name == "digits_cnn" and len(window.document.graph.nodes) == 13


def test_level_of_detail_hides_text_when_zoomed_far_out(window):
    g, _ = mlp_graph()
    load(window, g)
    window.view.zoom_by(0.2 / window.view.zoom())
    QApplication.processEvents()
    image = window.view.grab()
    assert not image.isNull()


def test_a_new_user_builds_logistic_regression_by_mouse_saves_reopens_and_undoes_everything(window, qtbot, tmp_path):
    """The lesson's model from low-level ops: drops from the palette, parameters set in the
    inspector with the keyboard, wires dragged port to port; then save, reopen, undo every step."""
    drop, edit_text, wire, view, g = by_mouse(window, qtbot)
    x = drop("Input", 0, 0)
    w = drop("Parameter", 0, 1)
    b = drop("Parameter", 1, 2)
    mm = drop("MatMul", 1, 0)
    add = drop("Add", 2, 0)
    sig = drop("Sigmoid", 3, 0)
    t = drop("Target", 3, 1)
    loss = drop("BinaryCrossEntropy", 4, 0)
    edit_text(w, "shape", "2, 1")
    edit_text(t, "shape", "1")
    click(view, node_header(window, t))
    combo = window.inspector.editors["dtype"]
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key_Down)                 # int64 → float32
    assert g.nodes[t].params == {"shape": (1,), "dtype": "float32"}
    wire(x, "x", mm, "a")
    wire(w, "value", mm, "b")
    wire(mm, "y", add, "a")
    wire(b, "value", add, "b")
    wire(add, "y", sig, "x")
    wire(sig, "y", loss, "input")
    wire(t, "y", loss, "target")
    assert len(g.edges) == 7 and not g.analysis.issues, g.analysis.issues
    assert str(g.analysis.specs[(loss, "loss")]) == "scalar" and g.analysis.total_params() == 3
    steps = window.document.undo_stack.count()
    assert steps == 8 + 3 + 7                          # every drop, edit and wire is one undo step

    path = str(tmp_path / "logreg.twg")
    window.ask_save_path = lambda: path
    assert window.save() and window.windowTitle() == "logreg — Tensorweave"
    built = snapshot(g)
    stack = window.document.undo_stack
    for _ in range(steps):                             # undo every step: back to an empty canvas
        stack.undo()
    assert not g.nodes and not g.edges and window.document.dirty
    for _ in range(steps):                             # and redo them all: the saved graph again
        stack.redo()
    assert snapshot(g) == built and not window.document.dirty
    from ui.main_window import MainWindow
    other = quiet(MainWindow(autosave=False))
    qtbot.addWidget(other)
    assert other.open_path(path)                       # reopened in another window
    assert snapshot(other.document.graph) == built and not other.document.graph.analysis.issues


def test_selecting_a_node_does_not_shift_the_canvas(window):
    g, ids = mlp_graph()
    load(window, g)
    before_width = window.view.viewport().width()
    anchor = window.view.mapFromScene(QPointF(0, 0))
    dense = next(n.id for n in g.nodes.values() if n.type_id == "Dense")
    click(window.view, QPointF(node_center(window, dense).x(), window.scene.node_items[dense].scenePos().y() + 10))
    assert window.inspector.node_id == dense
    assert window.view.viewport().width() == before_width
    assert window.view.mapFromScene(QPointF(0, 0)) == anchor
    assert window.document.undo_stack.count() == 0          # a click records no move


def node_header(window, nid):
    item = window.scene.node_items[nid]
    return QPointF(item.scenePos().x() + 60, item.scenePos().y() + 10)


def by_mouse(window, qtbot):
    """Helpers for building a graph the way a user does: drop, edit in the inspector, wire."""
    view, g = window.view, window.document.graph
    view.resetTransform()
    origin = view.mapToScene(view.viewport().rect().topLeft()) + QPointF(120, 80)

    def drop(type_id, col, row):
        before = set(g.nodes)
        assert drop_node_type(view, type_id, origin + QPointF(col * 240, row * 130))
        (nid,) = set(g.nodes) - before
        return nid

    def edit_text(nid, name, text):
        click(view, node_header(window, nid))
        assert window.inspector.node_id == nid
        editor = window.inspector.editors[name]
        editor.setFocus()
        if hasattr(editor, "selectAll"):
            editor.selectAll()
        if hasattr(editor, "lineEdit") and editor.lineEdit():
            editor.lineEdit().selectAll()
        qtbot.keyClicks(editor, text)
        qtbot.keyClick(editor, Qt.Key_Return)

    def wire(a, a_port, b, b_port):
        drag(view, port_pos(window, a, a_port, True), port_pos(window, b, b_port, False))
    return drop, edit_text, wire, view, g


def test_a_new_user_builds_a_digits_mlp_from_layers_by_mouse(window, qtbot, tmp_path):
    drop, edit_text, wire, view, g = by_mouse(window, qtbot)
    x = drop("Input", 0, 0)
    d1 = drop("Dense", 1, 0)
    relu = drop("ReLU", 2, 0)
    d2 = drop("Dense", 3, 0)
    t = drop("Target", 3, 1)
    loss = drop("CrossEntropy", 4, 0)
    edit_text(x, "shape", "64")
    edit_text(d1, "units", "128")
    edit_text(d2, "units", "10")
    wire(x, "x", d1, "x")
    wire(d1, "y", relu, "x")
    wire(relu, "y", d2, "x")
    wire(d2, "y", loss, "input")
    wire(t, "y", loss, "target")
    a = g.analysis
    assert not a.issues, a.issues
    assert a.total_params() == 64 * 128 + 128 + 128 * 10 + 10
    assert window.scene.edge_items[g.incoming(loss)["input"].id].label == "N×10"
    path = str(tmp_path / "digits.twg")
    window.ask_save_path = lambda: path
    assert window.save()
    built = snapshot(g)
    stack = window.document.undo_stack
    steps = stack.count()
    assert steps == 6 + 3 + 5
    for _ in range(steps):
        stack.undo()
    assert not g.nodes
    assert window.open_path(path) and snapshot(window.document.graph) == built


def test_fit_shows_the_whole_graph_and_never_blows_a_small_one_up(window):
    from ui import style
    window.open_path(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "resources",
                                  "examples", "digits_cnn.twg"))
    QApplication.processEvents()
    window.view.fit()
    assert window.view.zoom() >= style.LOD_DETAIL and window.scene.detail
    seen = window.view.visible_scene_rect()
    assert all(seen.contains(i.scene_box()) for i in window.scene.node_items.values())
    g, _ = mlp_graph(sizes=(2, 1))
    load(window, g)
    window.view.fit()
    assert window.view.zoom() <= 1.25 + 1e-9


def test_ctrl_click_extends_the_selection_and_space_drag_pans(window, qtbot):
    g, ids = mlp_graph()
    load(window, g)
    a, b = ids["input"], ids["loss"]
    click(window.view, node_header(window, a))
    click(window.view, node_header(window, b), modifiers=Qt.ControlModifier)
    assert set(window.scene.selected_node_ids()) == {a, b}
    click(window.view, node_header(window, a), modifiers=Qt.ControlModifier)
    assert window.scene.selected_node_ids() == [b]
    window.view.setFocus()
    qtbot.keyPress(window.view, Qt.Key_Space)
    h = window.view.horizontalScrollBar().value()
    p = window.view.mapToScene(window.view.viewport().rect().center())
    drag(window.view, p, QPointF(p.x() + 120, p.y()))
    qtbot.keyRelease(window.view, Qt.Key_Space)
    assert window.view.horizontalScrollBar().value() != h
    assert window.document.undo_stack.count() == 0            # panning records nothing


def test_a_replaced_document_no_longer_reaches_the_window(window):
    g, ids = mlp_graph()
    load(window, g)
    window.set_document(Document())
    counts = window.status_counts.text()
    g.set_param(next(n.id for n in g.nodes.values() if n.type_id == "Dense"), "units", 99)
    assert window.status_counts.text() == counts
    assert g._listeners == []                 # scene, inspector and window all let go of the old graph
