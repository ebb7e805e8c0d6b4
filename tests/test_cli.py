"""The headless command line: exit codes and one-line messages, never a traceback."""
import csv
import os
import subprocess
import sys

import pytest

from app.main import main

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = os.path.join(ROOT, "resources", "examples")


def run(*args):
    return subprocess.run([sys.executable, "-m", "app.main", *args], capture_output=True, text=True, cwd=ROOT)


def test_check_prints_every_node_with_shape_and_parameter_count(capsys):
    assert main(["check", os.path.join(EXAMPLES, "digits_cnn.twg")]) == 0
    out = capsys.readouterr().out
    assert "N×16×8×8" in out and "4,640 params" in out and "total trainable parameters: 13,706" in out
    assert "ok: the graph is valid" in out


def test_check_of_an_invalid_graph_lists_the_errors(tmp_path, capsys):
    from engine.graph import fileformat
    from graph_helpers import logistic_regression_graph
    g, ids = logistic_regression_graph()
    g.set_param(ids["W"], "shape", [3, 1])
    g.remove_node(ids["target"])
    path = str(tmp_path / "broken.twg")
    fileformat.save(g, path)
    assert main(["check", path]) == 1
    captured = capsys.readouterr()
    assert "cannot multiply N×2 by 3×1" in captured.out and "input 'target'" in captured.out
    assert "2 error(s)" in captured.err


def test_train_writes_history_and_trained_graph(tmp_path):
    out = tmp_path / "run"
    r = run("train", os.path.join(EXAMPLES, "xor.twg"), "--epochs", "3", "--out", str(out), "--seed", "1")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].startswith("training xor:") and "3 epochs" in lines[0]
    epoch_lines = [l for l in lines if l.startswith("epoch")]
    assert len(epoch_lines) == 3 and "train loss" in epoch_lines[0] and "val loss" in epoch_lines[0] and "acc" in epoch_lines[0]
    rows = list(csv.DictReader(open(out / "history.csv")))
    assert [r["epoch"] for r in rows] == ["1", "2", "3"] and "val_accuracy" in rows[0]
    from engine.graph import fileformat
    loaded = fileformat.load(str(out / "xor.twg"))
    assert loaded.weights and len(loaded.history.epochs) == 3
    # training the trained graph again continues from its weights
    r2 = run("train", str(out / "xor.twg"), "--epochs", "1", "--out", str(tmp_path / "again"))
    assert r2.returncode == 0
    first_loss = float(epoch_lines[0].split("train loss ")[1].split()[0])
    cont_loss = float(r2.stdout.split("train loss ")[1].split()[0])
    assert cont_loss < first_loss


@pytest.mark.parametrize("args,code,message", [
    (["train", "nope.twg"], 1, "nope.twg: no such file"),
    (["check", "nope.twg"], 1, "nope.twg: no such file"),
    (["train", os.path.join(EXAMPLES, "xor.twg"), "--epochs", "-3"], 2, "'-3' is not a positive whole number"),
    (["train", os.path.join(EXAMPLES, "xor.twg"), "--lr", "fast"], 2, "'fast' is not a positive number"),
    (["train", os.path.join(EXAMPLES, "xor.twg"), "--device", "tpu"], 2, "invalid choice: 'tpu'"),
    (["frobnicate"], 2, "invalid choice: 'frobnicate'"),
])
def test_bad_input_gives_one_line_and_an_exit_code(args, code, message):
    r = run(*args)
    assert r.returncode == code
    assert message in r.stderr
    assert "Traceback" not in r.stderr and "Traceback" not in r.stdout


def test_broken_file_and_unusable_data_are_one_line_errors(tmp_path):
    bad = tmp_path / "bad.twg"
    bad.write_text("{oops")
    r = run("train", str(bad))
    assert r.returncode == 1 and "not valid JSON (line 1, column 2" in r.stderr and "Traceback" not in r.stderr
    from engine.graph import fileformat
    loaded = fileformat.load(os.path.join(EXAMPLES, "iris.twg"))
    loaded.graph.config["dataset"] = {"source": "csv", "path": "missing.csv"}
    path = str(tmp_path / "iris.twg")
    fileformat.save(loaded.graph, path)
    r = run("train", path, "--out", str(tmp_path / "o"))
    assert r.returncode == 3 and "missing.csv: no such file" in r.stderr and "Traceback" not in r.stderr


def test_gpu_request_without_gpu_is_a_one_line_error():
    import engine
    if engine.gpu_available():
        pytest.skip("this machine has a GPU")
    r = run("train", os.path.join(EXAMPLES, "xor.twg"), "--device", "gpu", "--epochs", "1")
    assert r.returncode == 3 and ("CuPy" in r.stderr or "GPU" in r.stderr) and "Traceback" not in r.stderr


def test_a_run_that_keeps_its_last_weights_also_saves_the_best_epoch(tmp_path):
    out = tmp_path / "over"
    r = run("train", os.path.join(EXAMPLES, "overfitting.twg"), "--epochs", "120", "--out", str(out))
    assert r.returncode == 0, r.stderr
    best = out / "overfitting-best-epoch.twg"
    assert best.exists() and "saved the best epoch's weights" in r.stdout
    from engine.graph import fileformat
    from engine.graph.training import Trainer
    from engine.graph.weights import WeightStore
    loaded = fileformat.load(str(best))
    store = WeightStore()
    store.load_state(loaded.weights)
    tr = Trainer(loaded.graph, store).setup()
    val_loss, _ = tr.evaluate(tr.data.x_val, tr.data.y_val)
    assert val_loss == pytest.approx(min(loaded.history.column("val_loss")), rel=1e-4)


def test_train_ends_with_the_overfitting_verdict_and_writes_a_summary(tmp_path):
    import json
    out = tmp_path / "over"
    r = run("train", os.path.join(EXAMPLES, "overfitting.twg"), "--epochs", "120", "--out", str(out))
    assert r.returncode == 0, r.stderr
    last = r.stdout.strip().splitlines()[-1]
    summary = json.loads((out / "summary.json").read_text())
    onset = summary["overfitting_onset"]
    assert isinstance(onset, int) and last.startswith(f"overfitting: from epoch {onset} ")
    assert summary["best_epoch"] == onset and summary["best_val_loss"] < summary["final_val_loss"]
    rows = list(csv.DictReader(open(out / "history.csv")))
    assert summary["best_val_loss"] == pytest.approx(min(float(x["val_loss"]) for x in rows))
    assert summary["final_val_loss"] == pytest.approx(float(rows[-1]["val_loss"]))
    healthy = tmp_path / "moons"
    r = run("train", os.path.join(EXAMPLES, "moons.twg"), "--out", str(healthy))
    assert r.returncode == 0 and r.stdout.strip().splitlines()[-1].startswith("overfitting: none")
    assert json.loads((healthy / "summary.json").read_text())["overfitting_onset"] is None


def test_an_unexpected_error_is_one_line_and_a_log_never_a_traceback(tmp_path, monkeypatch, capsys):
    import app.cli

    def broken(args):
        raise ZeroDivisionError("a bug somewhere")
    monkeypatch.setenv("TENSORWEAVE_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(app.cli, "check", broken)
    assert main(["check", os.path.join(EXAMPLES, "xor.twg")]) == 3
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "unexpected error (ZeroDivisionError: a bug somewhere)" in err[0]
    log = err[0].split("the details are in ")[1]
    assert log.startswith(str(tmp_path)) and "Traceback" in open(log).read() and "broken" in open(log).read()


def test_export_writes_a_pytorch_package(tmp_path, capsys):
    out = tmp_path / "xor-torch"
    assert main(["export", os.path.join(EXAMPLES, "xor.twg"), str(out)]) == 0
    assert {"model.py", "weights.npz", "data.npz", "train.py"} <= set(os.listdir(out))
    assert "torchrun" in capsys.readouterr().out
    assert main(["import-weights", os.path.join(EXAMPLES, "xor.twg"), str(tmp_path / "missing.npz")]) == 3
