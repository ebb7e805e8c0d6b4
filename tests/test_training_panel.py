"""The overfitting lab in the Training setup: every setting of the training configuration has an
editor made from its spec (ranges from the spec), each edit one undo step; a synthetic set's own
options (size, noise) are there too, and the split the trainer will use is shown."""
import pytest
from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QSpinBox

from app.examples import catalog
from engine.data.synthetic import OPTIONS
from engine.graph.training import TRAINING_PARAMS, Trainer, training_config
from ui_helpers import main_window

EX = {e.name: e.path for e in catalog()}


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    w = main_window(qtbot, tmp_path, monkeypatch)
    yield w
    w.training.stop(wait=True)


def edit(w, value):
    """Change an editor as a user would and let it commit."""
    if isinstance(w, QCheckBox):
        w.click() if w.isChecked() != value else None
    elif isinstance(w, QComboBox):
        i = list(w.spec.choices).index(value)
        w.setCurrentIndex(i)
        w.activated.emit(i)
    elif isinstance(w, (QSpinBox, QDoubleSpinBox)):
        w.setValue(value)
    else:
        w.setText(str(value))
        w.editingFinished.emit()


def other_value(spec, current):
    if spec.kind == "bool":
        return not current
    if spec.kind == "choice":
        return next(c for c in spec.choices if c != current and c != "gpu")
    if spec.kind == "int":
        return current + 1 if spec.max is None or current < spec.max else current - 1
    if spec.optional:
        return 2.5
    hi = spec.max if spec.max is not None else current + 1.0
    return round(min(current + 0.05, hi) if current + 0.05 <= hi else current - 0.05, 6)


def test_every_training_setting_is_editable_from_its_spec_and_each_edit_is_one_undo_step(window):
    window.open_path(EX["moons"])
    panel, doc = window.training.panel, window.document
    assert set(panel.editors) == {p.name for p in TRAINING_PARAMS}
    for spec in TRAINING_PARAMS:                       # ranges come from the spec, never retyped
        w = panel.editors[spec.name]
        assert w.spec is spec and w.toolTip().endswith(spec.help) or spec.name == "device"
        if isinstance(w, (QSpinBox, QDoubleSpinBox)) and spec.min is not None:
            assert w.minimum() == pytest.approx(spec.min)
        if isinstance(w, QDoubleSpinBox) and spec.max is not None:
            assert w.maximum() == pytest.approx(spec.max)
    # settings that only some optimizers and schedules use appear with them
    edit(panel.editors["optimizer"], "sgd")
    assert not panel.editors["momentum"].isHidden() and panel.editors["beta1"].isHidden()
    edit(panel.editors["schedule"], "step")
    assert not panel.editors["schedule_step"].isHidden()
    for spec in TRAINING_PARAMS:
        if spec.name in ("optimizer", "schedule", "device"):
            continue
        w = panel.editors[spec.name]
        before = dict(doc.graph.config["training"])
        current = training_config(before)[spec.name]
        value = other_value(spec, current)
        steps = doc.undo_stack.count()
        edit(w, value)
        got = training_config(doc.graph.config["training"])[spec.name]
        assert got == pytest.approx(value), spec.name
        assert doc.undo_stack.count() == steps + 1, spec.name
        doc.undo_stack.undo()
        assert doc.graph.config["training"] == before, spec.name
        doc.undo_stack.redo()
    # a refused value says why and changes nothing
    clip = panel.editors["clip_grad_norm"]
    before = dict(doc.graph.config["training"])
    edit(clip, "-1")
    assert "at least" in panel.message.text() and doc.graph.config["training"] == before


def test_a_synthetic_sets_size_and_noise_are_in_the_panel_and_the_trainer_uses_them(window):
    window.open_path(EX["moons"])
    panel, doc = window.training.panel, window.document
    assert set(panel.option_editors) == {p.name for p in OPTIONS["moons"]}
    assert panel.counts.text() == "480 for training, 120 for validation"
    edit(panel.option_editors["noise"], 0.3)
    assert doc.graph.config["dataset"]["options"]["noise"] == 0.3
    edit(panel.option_editors["n"], 1000)
    assert panel.counts.text() == "800 for training, 200 for validation"
    tr = Trainer(doc.graph).setup()
    assert tr.data.n_train == 800 and tr.data.n_val == 200
    doc.undo_stack.undo()
    assert doc.graph.config["dataset"]["options"]["n"] == 600 and panel.option_editors["n"].value() == 600
    # the overfitting example's few points: more training points, fewer validation ones
    window.open_path(EX["overfitting"])
    panel, doc = window.training.panel, window.document
    edit(panel.option_editors["n_train"], 40)
    edit(panel.option_editors["n_validation"], 100)
    assert panel.counts.text() == "40 for training, 100 for validation" and not panel.split.isEnabled()
    tr = Trainer(doc.graph).setup()
    assert tr.data.n_train == 40 and tr.data.n_val == 100


# ----------------------------------------------------------------------------- the run history
def train(window, qtbot):
    window.training.run()
    qtbot.waitUntil(lambda: window.training.session.state == "idle", timeout=60000)


def test_every_run_is_kept_with_its_settings_overlaid_on_demand_and_saved_with_the_graph(window, qtbot, tmp_path):
    from app.commands import SetConfig
    from engine.graph import fileformat
    window.open_path(EX["overfitting"])
    doc = window.document
    doc.push(SetConfig(doc, "training", {**doc.graph.config["training"], "epochs": 80}))
    train(window, qtbot)
    panel = window.training.panel
    edit(panel.option_editors["n_train"], 40)                        # the cure: more data
    train(window, qtbot)
    runs_view, curves = window.training.runs, window.training.curves
    runs = doc.graph.config["runs"]
    assert [r["name"] for r in runs] == ["run 1", "run 2"]
    assert runs[0]["dataset"]["options"].get("n_train", 8) == 8 and runs[1]["dataset"]["options"]["n_train"] == 40
    assert runs[0]["summary"]["overfitting_onset"] is not None
    assert runs[1]["summary"]["final_val_loss"] < runs[0]["summary"]["final_val_loss"]
    assert runs_view.table.rowCount() == 2 and "n_train 40" in runs_view.table.item(1, 2).text()
    # overlay the first run in the plots: its curves and its name in the legend
    runs_view.set_overlay(0, True)
    assert doc.graph.config["runs"][0]["overlay"] is True
    assert len(curves._overlay_items) == 4 and "run 1" in curves.loss_plot.getPlotItem().titleLabel.text
    xs, ys = curves._overlay_items[1][1].getData()
    assert list(ys) == pytest.approx([r["val_loss"] for r in runs[0]["history"]])
    doc.undo_stack.undo()                                            # showing it was one undo step
    assert not doc.graph.config["runs"][0]["overlay"] and not curves._overlay_items
    doc.undo_stack.redo()
    # rename, then save and open again: the history and the overlay come back
    runs_view.table.item(1, 1).setText("more data")
    assert doc.graph.config["runs"][1]["name"] == "more data"
    path = str(tmp_path / "lab.twg")
    doc.save(path)
    window.open_path(path)
    runs = window.document.graph.config["runs"]
    assert [r["name"] for r in runs] == ["run 1", "more data"] and runs[0]["overlay"]
    assert len(window.training.curves._overlay_items) == 4
    assert fileformat.load(path).graph.config["runs"][1]["history"][-1]["epoch"] == 80
    # delete one
    window.training.runs.table.selectRow(0)
    window.training.runs.delete_selected()
    assert [r["name"] for r in window.document.graph.config["runs"]] == ["more data"]


@pytest.mark.parametrize("runs,message", [
    ("lots", "runs must be a list"),
    ([1], "runs[0] must be an object"),
    ([{"name": 3, "history": []}], "runs[0].name"),
    ([{"name": "a", "history": [{"epoch": 1, "val_loss": "high"}]}], "runs[0].history[0].val_loss"),
    ([{"name": "a", "history": [{"epoch": 1.5}]}], "runs[0].history[0] must be an object with a whole-number epoch"),
])
def test_a_file_with_broken_runs_says_where(tmp_path, runs, message):
    import json
    from engine.graph import fileformat
    doc = json.loads(open(EX["xor"]).read())
    doc["runs"] = runs
    path = tmp_path / "bad.twg"
    path.write_text(json.dumps(doc))
    with pytest.raises(fileformat.GraphFileError, match=__import__("re").escape(message)):
        fileformat.load(str(path))


def test_an_option_editor_survives_its_own_edit(window):
    window.open_path(EX["moons"])
    panel = window.training.panel
    noise = panel.option_editors["noise"]
    edit(noise, 0.2)
    edit(noise, 0.25)                                  # the same widget, still there, edits again
    assert panel.option_editors["noise"] is noise
    assert window.document.graph.config["dataset"]["options"]["noise"] == 0.25


@pytest.mark.parametrize("field,value,message", [
    ("summary", {"best_val_loss": "low"}, "runs[0].summary.best_val_loss must be a number or null"),
    ("model", {"parameters": "many"}, "runs[0].model.parameters must be a whole number"),
    ("model", {"dropout": ["half"]}, "runs[0].model.dropout must be a list of numbers"),
    ("dataset", {"options": [1]}, "runs[0].dataset.options must be an object"),
])
def test_runs_with_fields_of_the_wrong_kind_are_refused_when_loading(tmp_path, field, value, message):
    import json
    import re
    from engine.graph import fileformat
    doc = json.loads(open(EX["xor"]).read())
    doc["runs"] = [{"name": "a", "history": [], field: value}]
    path = tmp_path / "bad.twg"
    path.write_text(json.dumps(doc))
    with pytest.raises(fileformat.GraphFileError, match=re.escape(message)):
        fileformat.load(str(path))
