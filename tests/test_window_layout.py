"""The window on a laptop (1366×768) and a desktop (1920×1080) screen, driven as a new user would:
every example opens whole and readable, the docks scroll and are remembered, focus and
presentation modes, the start page and help, Train offered only when it can work, the issue
count leading to the node, and plots whose legends and log ticks never collide with anything."""
import math

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QApplication

from app.document import Document
from app.examples import catalog
from engine.graph import REGISTRY
from engine.graph.model import Graph
from engine.graph.training import Trainer, training_blocker
from ui_helpers import drop_node_type, main_window

SIZES = [(1366, 768), (1920, 1080)]
EXAMPLES = catalog()


def make_window(qtbot, tmp_path, size=(1366, 768), start_page=False):
    w = main_window(qtbot, tmp_path, size=size, start_page=start_page)
    qtbot.waitUntil(lambda: not w._defaults_pending, timeout=5000)
    for _ in range(5):
        QApplication.processEvents()
    return w


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("TENSORWEAVE_DATA_DIR", str(tmp_path / "data"))
    w = make_window(qtbot, tmp_path)
    yield w
    w.training.stop(wait=True)


def settle():
    for _ in range(6):
        QApplication.processEvents()


# ----------------------------------------------------------------------------- every example, whole and readable
@pytest.mark.parametrize("size", SIZES, ids=["1366x768", "1920x1080"])
def test_every_example_opens_whole_with_titles_of_at_least_10_px(qtbot, tmp_path, size):
    w = make_window(qtbot, tmp_path, size)
    assert len(EXAMPLES) == 10
    for ex in EXAMPLES:
        assert w.open_path(ex.path)
        settle()
        view = w.view
        seen = view.visible_scene_rect()
        boxes = [item.scene_box() for item in w.scene.node_items.values()]
        outside = [i.title for i, b in zip(w.scene.node_items.values(), boxes) if not seen.contains(b)]
        assert not outside, f"{ex.name} at {size}: {outside} outside the view"
        assert view.title_pixels() >= 10.0, f"{ex.name} at {size}: titles {view.title_pixels():.1f} px"
        assert w.scene.detail                                  # ports and text drawn, not plain boxes
    # the canvas leaves the plots a real share, and the plots grow with the screen
    plots = w.training.height()
    assert plots >= 0.3 * w.layout_.splitter.height()
    w.close()


def test_the_plots_grow_with_the_screen(qtbot, tmp_path):
    heights = []
    for size in SIZES:
        w = make_window(qtbot, tmp_path / f"{size[0]}", size)
        heights.append((w.training.height(), w.view.height()))
        w.close()
    (p1, c1), (p2, c2) = heights
    assert p2 > p1 * 1.3 and c2 > c1 * 1.3


def test_auto_layout_folds_a_long_chain_into_rows_that_fit_the_view(window):
    from graph_helpers import mlp_graph
    g, _ = mlp_graph(sizes=(2, 8, 8, 8, 8, 2))           # 11 columns in one row
    window.set_document(Document(g))
    settle()
    window.auto_layout()
    settle()
    ys = {round(n.position[1]) for n in g.nodes.values()}
    assert len(ys) >= 3                                   # folded into several rows
    seen = window.view.visible_scene_rect()
    assert all(seen.contains(i.scene_box()) for i in window.scene.node_items.values())
    assert window.view.title_pixels() >= 10.0
    window.document.undo_stack.undo()                     # one undoable step
    assert len({round(n.position[1]) for n in g.nodes.values()}) < len(ys)


# ----------------------------------------------------------------------------- docks
def _inspector_fits_or_scrolls(window, scroll):
    widget = scroll.widget()
    settle()
    fits_across = widget.minimumSizeHint().width() <= scroll.viewport().width()
    tall = widget.minimumSizeHint().height() > scroll.viewport().height()
    scrolls = scroll.verticalScrollBar().maximum() > 0
    return fits_across and (scrolls if tall else widget.height() >= widget.minimumSizeHint().height())


def test_the_inspector_of_every_node_type_fits_or_scrolls(window):
    g = Graph()
    for i, type_id in enumerate(sorted(REGISTRY.types)):
        g.add_node(type_id, position=(i * 200.0, 0.0))
    window.set_document(Document(g))
    settle()
    window.layout_.inspector_dock.raise_()
    scroll = window.layout_.inspector_scroll
    for nid, node in g.nodes.items():
        window.inspector.show_node(nid)
        assert _inspector_fits_or_scrolls(window, scroll), node.type_id
    window.layout_.setup_dock.raise_()
    assert _inspector_fits_or_scrolls(window, window.layout_.setup_scroll)


def test_the_inspector_scrolls_on_a_short_window(qtbot, tmp_path):
    w = make_window(qtbot, tmp_path, (1366, 420))
    g = Graph()
    nid = g.add_node("Conv2D").id
    w.set_document(Document(g))
    w.layout_.inspector_dock.raise_()
    w.inspector.show_node(nid)
    settle()
    scroll = w.layout_.inspector_scroll
    assert scroll.verticalScrollBar().maximum() > 0
    last = w.inspector.editors["weight_init"]
    scroll.ensureWidgetVisible(last)
    settle()
    assert last.visibleRegion().boundingRect().height() == last.height()      # reachable, whole
    w.close()


def test_dock_sizes_survive_a_restart_and_reset_layout_gives_the_defaults(qtbot, tmp_path):
    w = make_window(qtbot, tmp_path)
    defaults = (w.layout_.palette_dock.width(), w.view.height())
    w.resizeDocks([w.layout_.palette_dock], [300], Qt.Horizontal)
    w.layout_.splitter.setSizes([250, 400])
    w.layout_.setup_dock.hide()
    settle()
    chosen = (w.layout_.palette_dock.width(), w.view.height())
    w.close()
    w2 = make_window(qtbot, tmp_path)
    assert abs(w2.layout_.palette_dock.width() - chosen[0]) <= 4
    assert abs(w2.view.height() - chosen[1]) <= 4
    assert w2.layout_.setup_dock.isHidden()
    w2.actions["reset_layout"].trigger()
    settle()
    assert abs(w2.layout_.palette_dock.width() - defaults[0]) <= 4
    assert abs(w2.view.height() - defaults[1]) <= 8
    assert not w2.layout_.setup_dock.isHidden()
    w2.close()


def test_one_key_maximizes_the_canvas_and_one_the_plots(window, qtbot):
    window.open_path(EXAMPLES[2].path)
    settle()
    canvas = window.view.width(), window.view.height()
    qtbot.keyClick(window, Qt.Key_F8)
    settle()
    assert window.layout_.palette_dock.isHidden() and window.training.isHidden()
    assert window.view.width() > canvas[0] and window.view.height() > canvas[1]
    qtbot.keyClick(window, Qt.Key_F8)
    settle()
    assert not window.layout_.palette_dock.isHidden() and not window.training.isHidden()
    plots = window.training.height()
    qtbot.keyClick(window, Qt.Key_F9)
    settle()
    assert window.view.isHidden() and window.training.height() > plots * 1.5
    qtbot.keyClick(window, Qt.Key_F8)                     # the other key switches modes directly
    settle()
    assert window.training.isHidden() and not window.view.isHidden()
    qtbot.keyClick(window, Qt.Key_F8)
    settle()
    assert not window.view.isHidden() and not window.training.isHidden()


def test_a_maximized_window_is_not_what_the_next_start_remembers(qtbot, tmp_path):
    w = make_window(qtbot, tmp_path)
    w.toggle_maximize("plots")
    w.close()
    w2 = make_window(qtbot, tmp_path)
    assert not w2.view.isHidden() and not w2.layout_.palette_dock.isHidden()
    w2.close()


# ----------------------------------------------------------------------------- presentation mode
def test_presentation_mode_makes_text_and_lines_half_again_larger(window, qtbot):
    window.open_path(EXAMPLES[2].path)                    # moons
    settle()
    title = window.view.title_pixels()
    curves = window.training.curves
    tick = curves.loss_plot.getPlotItem().getAxis("left").style["tickFont"].pointSizeF()
    pen = curves.train_curve.opts["pen"].widthF()
    qtbot.keyClick(window, Qt.Key_F11)
    settle()
    assert window.view.presentation and window.layout_.palette_dock.isHidden()
    assert window.view.title_pixels() >= 1.5 * title - 1e-6
    assert curves.loss_plot.getPlotItem().getAxis("left").style["tickFont"].pointSizeF() >= 1.5 * tick - 1e-6
    assert curves.train_curve.opts["pen"].widthF() >= 1.5 * pen - 1e-6
    qtbot.keyClick(window, Qt.Key_F11)
    settle()
    assert not window.view.presentation and not window.layout_.palette_dock.isHidden()
    assert window.view.title_pixels() == pytest.approx(title, rel=0.02)


def test_in_presentation_mode_the_camera_follows_the_step_animation(window, qtbot):
    window.open_path(next(e.path for e in EXAMPLES if e.name == "digits_cnn"))
    settle()
    window.set_presentation(True)
    settle()
    with qtbot.waitSignal(window.training.session.step_recorded, timeout=20000):
        window.training.animate_step()
    animator = window.training.animator
    animator.pause()
    animator.restart_frames()
    last = None
    for _ in range(len(animator.frames)):
        animator.step()
        last = animator.frames[animator.index][1]
    qtbot.wait(400)                                       # the camera's glide
    item = window.scene.node_items[last]
    assert window.view.visible_scene_rect().contains(item.sceneBoundingRect().center())
    window.set_presentation(False)


# ----------------------------------------------------------------------------- pace
def test_pause_after_each_epoch_waits_for_continue(window, qtbot):
    from ui.run_controls import PACES
    doc = window.document
    window.open_path(EXAMPLES[2].path)
    doc = window.document
    controls, session = window.training.controls, window.training.session
    i = controls.pace.findData("epoch")
    controls.pace.setCurrentIndex(i)
    controls.pace.activated.emit(i)
    assert session.pace == "epoch" and len(PACES) >= 6
    qtbot.mouseClick(controls.run_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: session.state == "paused", timeout=20000)
    qtbot.wait(200)
    assert len(session.trainer.history.epochs) == 1 and controls.pause_button.text() == "Continue"
    qtbot.mouseClick(controls.pause_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: len(session.trainer.history.epochs) == 2 and session.state == "paused", timeout=20000)
    qtbot.mouseClick(controls.stop_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: session.state == "idle", timeout=20000)
    assert doc.graph.config["training"]["epochs"] == 40      # the pace is not a document setting


def test_the_progress_bar_never_runs_ahead_of_the_curves(window, qtbot):
    window.open_path(next(e.path for e in EXAMPLES if e.name == "overfitting"))
    tv = window.training
    tv.set_pace(100.0)
    checked = []

    def check():
        fmt = tv.controls.progress.format()
        if fmt.startswith("epoch ") and tv.curves.rows:
            epoch = int(fmt.split()[1].split("/")[0])
            checked.append(epoch - tv.curves.rows[-1]["epoch"])
    tv.curves.flushed.connect(check)
    tv.run()
    qtbot.waitUntil(lambda: tv.session.state == "idle", timeout=60000)
    assert len(checked) >= 3 and max(checked) <= 1           # the bar's epoch is the plotted one or the next


# ----------------------------------------------------------------------------- first five minutes
def test_the_start_page_opens_every_example_in_the_lesson_order(qtbot, tmp_path):
    w = make_window(qtbot, tmp_path, start_page=True)
    assert w.layout_.on_start_page and w.layout_.palette_dock.isHidden()
    cards = w.start_page.cards
    assert [c.example.order for c in cards] == sorted(c.example.order for c in cards)
    assert cards[0].example.level == "first steps" and cards[-1].example.level == "advanced"
    for card in cards:
        assert card.example.teaches and card.example.description
        assert card.picture.pixmap() is not None and not card.picture.pixmap().isNull()
    for card in cards:
        w.show_start_page()
        settle()
        qtbot.mouseClick(card, Qt.LeftButton)
        settle()
        assert not w.layout_.on_start_page and w.document.name == card.example.name
        assert not w.layout_.palette_dock.isHidden()
    w.actions["start_page"].trigger()
    assert w.layout_.on_start_page
    w.close()


def test_help_has_a_quick_start_card_and_a_concept_map_whose_links_open_examples(window):
    quick = window.show_help("quick")
    text = quick.browser.toPlainText()
    assert "Drop" in text and "Wire" in text and "Train" in text and "F5" in text and "F6" in text
    concepts = window.show_help("concepts")
    text = concepts.browser.toPlainText()
    for concept in ("Tensor", "autodiff", "Layer", "Loss", "Optimizer", "Batch, epoch", "Overfitting", "Dropout"):
        assert concept in text
    from PySide6.QtCore import QUrl
    concepts.browser.anchorClicked.emit(QUrl("example:overfitting"))
    assert window.document.name == "overfitting"


def test_an_empty_canvas_says_how_to_begin(window):
    window.new()
    settle()
    image = window.view.viewport().grab().toImage()
    from ui import style
    bg = style.BACKGROUND.rgb()
    mid = image.height() // 2
    row = [image.pixel(x, mid) for x in range(image.width())]
    text_rows = [y for y in range(image.height()) if any(
        abs((image.pixel(x, y) & 0xFF) - (bg & 0xFF)) > 60 for x in range(0, image.width(), 3))]
    assert text_rows, "no hint drawn"
    assert row                                                  # the hint is centred text over the grid
    drop_node_type(window.view, "Dense", QPointF(0, 0))
    settle()
    image = window.view.viewport().grab().toImage()
    assert image.pixel(image.width() // 2, text_rows[0]) != 0  # redrawn without the hint (no stale text)


def test_new_says_there_is_no_data_set_and_train_agrees(window, qtbot):
    window.new()
    panel, controls = window.training.panel, window.training.controls
    assert panel.source.currentData() == "none:" and "none" in panel.source.currentText()
    assert not controls.run_button.isEnabled() and not window.actions["train"].isEnabled()
    # a graph that could train, still without data: Train says what is missing
    from graph_helpers import mlp_graph
    g, _ = mlp_graph()
    g.config.pop("dataset", None)
    window.set_document(Document(g))
    reason = training_blocker(g)
    assert "data set" in reason and reason in window.training.controls.run_button.toolTip()
    i = window.training.panel.source.findData("synthetic:moons")
    window.training.panel.source.setCurrentIndex(i)
    window.training.panel.source.activated.emit(i)
    assert g.config["dataset"]["name"] == "moons" and window.training.controls.run_button.isEnabled()
    tr = Trainer(g).setup()
    assert tr.data.x_train.shape[1] == 2                     # the trainer uses what the box shows


def test_each_example_shows_its_own_data_set_in_the_box(window):
    for ex in EXAMPLES:
        window.open_path(ex.path)
        ds = window.document.graph.config["dataset"]
        key = f"{ds['source']}:{ds.get('name', '')}"
        assert window.training.panel.source.currentData() == key, ex.name


def test_train_is_disabled_while_the_graph_has_an_error_and_the_count_leads_to_the_node(window, qtbot):
    window.open_path(EXAMPLES[2].path)
    g = window.document.graph
    assert window.training.controls.run_button.isEnabled()
    target = next(n for n in g.nodes.values() if n.type_id == "Target")
    g.set_param(target.id, "shape", [3])                 # labels of the wrong shape for the loss
    errors = g.analysis.errors
    assert errors
    controls = window.training.controls
    assert not controls.run_button.isEnabled() and not window.actions["train"].isEnabled()
    assert errors[0].message in controls.run_button.toolTip()
    button = window.issues_button
    assert not button.isHidden() and "error" in button.text()
    window.scene.clearSelection()
    qtbot.mouseClick(button, Qt.LeftButton)
    faulty = errors[0].node
    assert window.scene.selected_node_ids() == [faulty]
    assert window.view.visible_scene_rect().contains(window.scene.node_items[faulty].sceneBoundingRect().center())
    g.set_param(target.id, "shape", [])
    assert window.training.controls.run_button.isEnabled() and window.issues_button.isHidden()


def test_a_node_not_wired_yet_is_a_neutral_hint_not_a_red_error(window):
    window.new()
    drop_node_type(window.view, "Dense", QPointF(0, 0))
    settle()
    item = next(iter(window.scene.node_items.values()))
    assert item.unconnected == ["x"] and not item.errors
    assert item.inputs["x"].waiting
    assert "to connect" in window.issues_button.text() and "error" not in window.issues_button.text()


def test_restore_best_is_offered_only_when_it_can_act(window, qtbot, tmp_path):
    from app.commands import SetConfig
    window.open_path(next(e.path for e in EXAMPLES if e.name == "overfitting"))
    doc = window.document
    curves = window.training.curves
    doc.push(SetConfig(doc, "training", {**doc.graph.config["training"], "epochs": 60, "restore_best": True}))
    window.training.run()
    qtbot.waitUntil(lambda: window.training.session.state == "idle", timeout=60000)
    assert not curves.banner.isHidden() and curves.restore_button.isHidden()     # already the best weights
    doc.push(SetConfig(doc, "training", {**doc.graph.config["training"], "restore_best": False}))
    window.training.reset_weights()
    window.training.run()
    qtbot.waitUntil(lambda: window.training.session.state == "idle", timeout=60000)
    assert not curves.banner.isHidden() and not curves.restore_button.isHidden()
    qtbot.mouseClick(curves.restore_button, Qt.LeftButton)
    assert curves.restore_button.isHidden()                  # done: nothing more to restore
    path = str(tmp_path / "over.twg")
    doc.save(path)
    window.open_path(path)                                     # a saved run: curves, but no best weights at hand
    curves = window.training.curves
    assert curves.rows and not curves.banner.isHidden() and curves.restore_button.isHidden()
    assert "saved run" in curves.banner_text.text()


# ----------------------------------------------------------------------------- readable plots
def _curve_points_in_scene(plot, curve):
    """The curve's points that are drawn (inside the plot's view range), in scene coordinates."""
    xs, ys = curve.getData()
    if xs is None:
        return []
    vb = plot.getPlotItem().vb
    seen = vb.viewRect()
    return [vb.mapViewToScene(QPointF(float(x), float(y))) for x, y in zip(xs, ys)
            if np.isfinite(y) and seen.contains(QPointF(float(x), float(y)))]


@pytest.mark.parametrize("name", ["moons", "overfitting"])
def test_no_legend_covers_a_curve(window, qtbot, name):
    window.open_path(next(e.path for e in EXAMPLES if e.name == name))
    window.training.run()
    qtbot.waitUntil(lambda: window.training.session.state == "idle", timeout=60000)
    settle()
    curves = window.training.curves
    for plot, items in ((curves.loss_plot, (curves.train_curve, curves.val_curve, curves.batch_curve)),
                        (curves.metric_plot, (curves.metric_train, curves.metric_val))):
        legend = plot.getPlotItem().titleLabel.sceneBoundingRect()
        assert legend.height() > 0 and "training" in plot.getPlotItem().titleLabel.text
        for i, curve in enumerate(items):
            pts = _curve_points_in_scene(plot, curve)
            assert pts or i == 2                    # the per-batch curve is empty for whole-set batches
            assert not any(legend.contains(p) for p in pts)
        assert not legend.intersects(plot.getPlotItem().vb.sceneBoundingRect())


def test_log_ticks_never_collide():
    from ui.plots import log_ticks
    for lo, hi in [(0.07, 0.15), (0.079, 0.15), (1e-5, 3.0), (0.001, 1000.0), (0.5, 0.52), (1e-12, 1e3), (2, 9)]:
        for pixels in (60, 120, 200, 400, 900):
            a, b = math.log10(lo), math.log10(hi)
            values = log_ticks(a, b, pixels, 20)
            assert values, (lo, hi, pixels)
            pos = [(math.log10(v) - a) / (b - a) * pixels for v in values]
            assert all(q - p >= 20 - 1e-6 for p, q in zip(pos, pos[1:])), (lo, hi, pixels, values)
            assert all(lo * (1 - 1e-9) <= v <= hi * (1 + 1e-9) for v in values)


def test_the_loss_axis_labels_only_what_has_room_in_log_mode(window, qtbot):
    window.open_path(next(e.path for e in EXAMPLES if e.name == "overfitting"))
    curves = window.training.curves
    curves.set_history([{"epoch": i + 1, "train_loss": 0.15 - 0.0007 * i, "val_loss": 0.079 + 0.0007 * i}
                        for i in range(100)])
    curves.log_box.setChecked(True)
    settle()
    axis = curves.loss_plot.getPlotItem().getAxis("left")
    lo, hi = curves.loss_plot.getPlotItem().vb.viewRange()[1]
    size = axis.geometry().height()
    levels = axis.tickValues(lo, hi, size)
    values = [v for _, vs in levels for v in vs]
    assert len(values) >= 2
    gap = min(abs(b - a) for a, b in zip(sorted(values), sorted(values)[1:])) / (hi - lo) * size
    from PySide6.QtGui import QFontMetrics
    assert gap >= QFontMetrics(axis.style["tickFont"]).height()


def test_heatmaps_have_a_colour_bar_named_axes_and_a_sequential_map_for_non_negative_data(window, qtbot):
    from ui.inspection import DIVERGING, SEQUENTIAL, ArrayView
    view = ArrayView()
    qtbot.addWidget(view)
    view.resize(700, 250)
    view.show()
    view.show_array(np.abs(np.random.default_rng(0).normal(size=(32, 1, 8, 8))), "pixels")
    assert view.kind == "grid" and view.cmap is SEQUENTIAL and view.levels[0] == 0.0
    assert view.colour_bar.isVisible()
    assert "samples" in view.plot.getPlotItem().titleLabel.text
    view.show_array(np.random.default_rng(0).normal(size=(32, 16)), "activations")
    assert view.kind == "heatmap" and view.cmap is DIVERGING and view.levels[0] == -view.levels[1]
    pi = view.plot.getPlotItem()
    assert pi.getAxis("bottom").labelText.startswith("unit") and pi.getAxis("left").labelText.startswith("sample")
    x0, x1 = pi.vb.viewRange()[0]
    assert (x0, x1) == pytest.approx((0, 16), abs=0.5)         # the data fills the plot, no empty margins
    view.show_array(np.random.default_rng(0).normal(size=(16, 3, 3, 3)), "kernels", role="weight")
    assert view.kind == "grid" and not view.separators.path().isEmpty()
    assert view.separators.pen().isCosmetic() and view.separators.pen().widthF() <= 1


def test_the_decision_boundary_is_named_after_the_features_and_fitted_to_the_data(window, qtbot):
    window.open_path(EXAMPLES[2].path)                    # moons
    tv = window.training
    tv.tabs.setCurrentWidget(tv.boundary)
    settle()
    pi = tv.boundary.plot.getPlotItem()
    x = tv.source.data().host()[0]
    (x0, x1), (y0, y1) = pi.vb.viewRange()
    span = x.max(axis=0) - x.min(axis=0)
    assert x0 <= x[:, 0].min() and x1 >= x[:, 0].max() and (x1 - x0) <= 1.5 * span[0]
    assert y0 <= x[:, 1].min() and y1 >= x[:, 1].max() and (y1 - y0) <= 1.5 * span[1]
    assert "x" in pi.getAxis("bottom").labelText and "standardized" in pi.getAxis("bottom").labelText


def test_views_that_do_not_apply_are_disabled_with_the_reason(window):
    window.open_path(next(e.path for e in EXAMPLES if e.name == "overfitting"))    # a regression
    tv = window.training
    i = tv.tabs.indexOf(tv.confusion)
    assert not tv.tabs.isTabEnabled(i) and "regression" in tv.tabs.tabToolTip(i)
    window.open_path(next(e.path for e in EXAMPLES if e.name == "digits_cnn"))    # 8×8 images
    tv = window.training
    i = tv.tabs.indexOf(tv.boundary)
    assert not tv.tabs.isTabEnabled(i) and "2 input features" in tv.tabs.tabToolTip(i)
    assert tv.tabs.isTabEnabled(tv.tabs.indexOf(tv.confusion))


def test_focus_and_presentation_modes_mix_in_any_order_without_losing_a_panel(window):
    window.open_path(EXAMPLES[2].path)
    lay = window.layout_
    lay.setup_dock.hide()                          # the user's own choice survives the modes
    chosen = {d: d.isHidden() for d in lay.docks}
    for sequence in (["canvas", "pres_on", "pres_off", "canvas"], ["canvas", "pres_on", "canvas", "pres_off"],
                     ["pres_on", "plots", "pres_off", "plots"], ["plots", "canvas", "pres_on", "pres_off", "canvas"]):
        for step in sequence:
            if step in ("canvas", "plots"):
                window.toggle_maximize(step)
            else:
                window.set_presentation(step == "pres_on")
            settle()
            if lay.mode or lay.presenting:
                assert all(d.isHidden() for d in lay.docks), (sequence, step)
        assert lay.mode is None and not lay.presenting
        assert {d: d.isHidden() for d in lay.docks} == chosen, sequence
        assert not window.view.isHidden() and not window.training.isHidden()


def test_the_start_page_leads_back_to_the_open_graph(window, qtbot):
    window.open_path(EXAMPLES[2].path)
    window.actions["start_page"].trigger()
    assert window.layout_.on_start_page and not window.start_page.back_button.isHidden()
    assert "moons" in window.start_page.back_button.text()
    qtbot.mouseClick(window.start_page.back_button, Qt.LeftButton)
    assert not window.layout_.on_start_page and window.document.name == "moons"
    assert not window.layout_.palette_dock.isHidden() and window.actions["train"].isEnabled()
    window.new()                                      # an empty graph: nothing to go back to
    window.actions["start_page"].trigger()
    assert window.start_page.back_button.isHidden()
