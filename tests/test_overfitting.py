"""The overfitting detector (engine.graph.overfitting) on a table of real runs — no alarm on the
healthy ones, every overfitting one flagged and still flagged at its end — and on the cases that
broke its predecessor: a noisy last epoch, a short run, a validation loss that comes back."""
import json
import math
import os

import numpy as np
import pytest

from benchmarks.overfitting_table import OUT, SETUPS, rows_of, run
from engine.graph.overfitting import OverfittingDetector, chance_loss, judge, overfitting_onset

with open(OUT) as f:
    RUNS = json.load(f)["runs"]


def rows(train, val):
    return [{"epoch": i + 1, "train_loss": t, "val_loss": v} for i, (t, v) in enumerate(zip(train, val))]


def test_the_table_no_alarm_on_healthy_runs_every_overfitting_run_flagged_and_staying_flagged():
    table = {}
    for r in RUNS:
        v = judge(rows_of(r), r["epochs"], r["chance_loss"])
        counts = table.setdefault(r["setup"], [0, 0])
        counts[0] += 1
        if r["overfits"]:
            counts[1] += v.overfitting
            assert v.overfitting, f"missed: {r['setup']} seed {r['seed']}"
            assert v.spans[-1] == (v.onset, None)                        # holding at the end
            assert v.onset == int(np.argmin(r["val_loss"])) + 1                # the best epoch of the run
        else:
            counts[1] += bool(v.spans)
            assert not v.spans, f"false alarm: {r['setup']} seed {r['seed']} from epoch {v.spans[0][0]}"
    assert set(table) == set(SETUPS) and all(n >= 10 for n, _ in table.values())
    for name, (n, flagged) in table.items():
        print(f"{name:<36} {n} runs, flagged {flagged}")


@pytest.mark.parametrize("setup", list(SETUPS))
def test_the_stored_runs_still_come_out_of_the_engine(setup):
    stored = next(r for r in RUNS if r["setup"] == setup and r["seed"] == 0)
    make, _ = SETUPS[setup]
    epochs, history, chance = run(make, 0)
    assert epochs == stored["epochs"] and chance == pytest.approx(stored["chance_loss"], rel=1e-6)
    np.testing.assert_allclose([r["val_loss"] for r in history], stored["val_loss"], rtol=1e-4)
    np.testing.assert_allclose([r["train_loss"] for r in history], stored["train_loss"], rtol=1e-4, atol=1e-7)


def test_the_minimal_case_is_flagged_and_a_noisy_last_epoch_does_not_clear_it():
    train = [1.0, .9, .8, .6, .4, .3, .2, .1]
    val = [.6, .5, .45, .6, .9, 1.5, 2.5, 3.0]
    assert overfitting_onset(rows(train, val)) == 3
    assert overfitting_onset(rows(train[:-1] + [.85], val)) == 3          # the last training loss jumps up


def test_once_established_it_holds_through_noise_and_lifts_when_validation_comes_back():
    r = next(r for r in RUNS if r["setup"] == "overfitting example" and r["seed"] == 0)
    history = rows_of(r)
    v = judge(history, r["epochs"], r["chance_loss"])
    onset, best = v.onset, min(r["val_loss"])
    # epochs of noise well above the best: still overfitting
    noisy = history + [{"epoch": len(history) + i + 1, "train_loss": 1e-4,
                        "val_loss": best * (1.4 + 0.3 * (-1) ** i)} for i in range(20)]
    assert judge(noisy, r["epochs"], r["chance_loss"]).onset == onset
    # the validation loss comes back to its best: the verdict is lifted, the shading ends there
    back = noisy + [{"epoch": len(noisy) + i + 1, "train_loss": 1e-4, "val_loss": best * 1.01} for i in range(10)]
    v = judge(back, r["epochs"], r["chance_loss"])
    assert not v.overfitting and v.spans and v.spans[-1][1] is not None and v.spans[-1][0] == onset


def test_a_healthy_run_with_a_tiny_best_loss_is_not_flagged():
    # moons-like: the validation loss goes from 0.002 to 0.02 (ten times!) while the model is
    # still far better than chance (log 2): no overfitting a class should be shown
    train = list(np.geomspace(0.5, 0.001, 40))
    val = list(np.geomspace(0.5, 0.002, 25)) + list(np.linspace(0.002, 0.02, 15))
    assert judge(rows(train, val), 40, math.log(2)).spans == []
    assert judge(rows(train, val), 40, None).overfitting            # without the chance level it would be


def test_the_detector_streams_the_same_verdict_as_a_whole_history():
    r = next(r for r in RUNS if r["setup"].startswith("2-100"))
    det = OverfittingDetector(r["epochs"], r["chance_loss"])
    for row in rows_of(r):
        det.update(row)
    whole = judge(rows_of(r), r["epochs"], r["chance_loss"])
    assert (det.verdict.onset, det.verdict.flagged_at, det.verdict.spans) == (whole.onset, whole.flagged_at, whole.spans)


def test_chance_levels():
    y = np.array([0, 1] * 50)
    assert chance_loss("CrossEntropy", "multiclass", y, y) == pytest.approx(math.log(2))
    assert chance_loss("CrossEntropy", "multiclass", np.arange(300) % 3, np.arange(90) % 3) == pytest.approx(math.log(3))
    onehot = np.eye(4)[np.arange(400) % 4]
    assert chance_loss("CategoricalCrossEntropy", "multiclass", onehot, onehot) == pytest.approx(math.log(4))
    col = (np.arange(100) % 4 == 0).astype(np.float32)[:, None]          # a quarter positive
    h = -(0.25 * math.log(0.25) + 0.75 * math.log(0.75))
    assert chance_loss("BinaryCrossEntropy", "binary", col, col) == pytest.approx(h, rel=1e-5)
    assert chance_loss("Hinge", "binary", col * 2 - 1, col * 2 - 1) == 1.0
    t = np.random.default_rng(0).normal(3.0, 2.0, (500, 1))
    assert chance_loss("MSE", "regression", t, t) == pytest.approx(t.var(), rel=1e-6)
    assert chance_loss("MAE", "regression", t, t) == pytest.approx(np.abs(t - np.median(t)).mean(), rel=1e-6)
    assert chance_loss("KLDivergence", "multiclass", onehot, onehot) is None


def test_the_trainer_knows_its_chance_level_and_the_history_keeps_it():
    from engine.graph.training import History, Trainer
    from graph_helpers import mlp_graph
    g, _ = mlp_graph(training={"epochs": 2})
    tr = Trainer(g)
    tr.fit()
    assert tr.chance_loss == pytest.approx(math.log(2), rel=0.05)          # moons: two balanced classes
    assert History.from_json(tr.history.to_json()).chance_loss == tr.chance_loss


def test_the_table_file_is_where_the_benchmark_writes_it():
    assert os.path.isfile(OUT) and len(RUNS) >= 50


def test_a_second_stretch_after_a_lifted_one_is_shaded_from_where_the_first_ended():
    val = [1.0, .5, .3, .2] + [.4] * 6 + [.205] * 6 + [.5] * 8
    train = list(np.geomspace(1.0, 0.01, len(val)))
    v = judge(rows(train, val), len(val), None)
    spans = v.spans
    assert len(spans) >= 2
    for (a, b), (c, _) in zip(spans, spans[1:]):
        assert b is not None and c >= b                      # no epoch shaded twice
