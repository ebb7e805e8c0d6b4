"""Training a graph: history, metrics, reproducibility, early stopping and best weights,
pause/resume/stop from another thread, NaN detection naming the node, target adaptation."""
import os
import threading
import time

import numpy as np
import pytest

from engine.data import DataError
from engine.graph import events as ev
from engine.graph import fileformat
from engine.graph.params import ParamError
from engine.graph.training import NonFiniteLoss, Trainer, training_config

from graph_helpers import chain, connect, logistic_regression_graph, mlp_graph

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "resources", "examples")


def test_fit_records_per_epoch_and_per_batch_history():
    g, _ = mlp_graph(training={"epochs": 4, "batch_size": 32, "lr": 0.02})
    events = []
    tr = Trainer(g, listener=events.append)
    h = tr.fit()
    assert [r["epoch"] for r in h.epochs] == [1, 2, 3, 4]
    for key in ("train_loss", "val_loss", "train_accuracy", "val_accuracy", "lr", "seconds"):
        assert all(key in r for r in h.epochs)
    n_train = tr.data.n_train
    per_epoch = -(-n_train // 32)
    assert len(h.batches) == 4 * per_epoch
    assert sum(isinstance(e, ev.BatchEnd) for e in events) == 4 * per_epoch
    assert [e.epoch for e in events if isinstance(e, ev.EpochEnd)] == [1, 2, 3, 4]
    assert isinstance(events[-1], ev.TrainingEnd) and events[-1].reason == "finished"
    assert h.epochs[-1]["train_loss"] < h.epochs[0]["train_loss"]


def test_same_graph_same_seed_identical_history_and_other_seed_differs():
    def run(seed):
        g, _ = mlp_graph(training={"epochs": 3, "batch_size": 16, "seed": seed})
        h = Trainer(g).fit()
        return [(r["train_loss"], r["val_loss"]) for r in h.epochs], [b["loss"] for b in h.batches]
    assert run(5) == run(5)
    assert run(5) != run(6)


def test_batch_gradient_descent_and_stochastic_batches():
    g, _ = mlp_graph(training={"epochs": 2, "batch_size": 0})
    tr = Trainer(g)
    tr.fit()
    assert len(tr.history.batches) == 2          # the whole set per step
    g2, _ = mlp_graph(dataset={"source": "synthetic", "name": "moons", "options": {"n": 20}}, training={"epochs": 1, "batch_size": 1})
    tr2 = Trainer(g2)
    tr2.fit()
    assert len(tr2.history.batches) == tr2.data.n_train


def test_early_stopping_and_restoring_the_best_epoch():
    loaded = fileformat.load(os.path.join(EXAMPLES, "overfitting.twg"))
    g = loaded.graph
    g.config["training"] = dict(g.config["training"], early_stopping=30, restore_best=True, epochs=600)
    tr = Trainer(g)
    h = tr.fit()
    assert tr.end_reason == "early_stopping" and len(h.epochs) < 600
    best = h.best_epoch()
    assert len(h.epochs) == best + 30
    best_val = h.epochs[best - 1]["val_loss"]
    assert tr.final_metrics["val_loss"] == pytest.approx(best_val, rel=1e-5)
    assert h.epochs[-1]["val_loss"] > best_val


def test_overfitting_example_validation_loss_turns_upward():
    g = fileformat.load(os.path.join(EXAMPLES, "overfitting.twg")).graph
    h = Trainer(g).fit()
    val, train = h.column("val_loss"), h.column("train_loss")
    best = int(np.argmin(val))
    assert 5 < best < len(val) - 100
    assert val[-1] > 1.5 * val[best]
    assert train[-1] < 0.1 * train[best]


def _slow_trainer():
    g, _ = mlp_graph((2, 64, 64, 2), dataset={"source": "synthetic", "name": "moons", "options": {"n": 2000}},
                     training={"epochs": 1000, "batch_size": 8})
    events = []
    tr = Trainer(g, listener=events.append)
    tr.setup()
    return tr, events


def test_stop_from_another_thread_takes_effect_within_100_ms():
    tr, events = _slow_trainer()
    th = threading.Thread(target=tr.fit)
    th.start()
    while not any(isinstance(e, ev.BatchEnd) for e in events):
        time.sleep(0.005)
    t0 = time.perf_counter()
    tr.stop()
    th.join(5)
    elapsed = time.perf_counter() - t0
    assert not th.is_alive()
    assert elapsed < 0.1, f"stop took {elapsed * 1000:.0f} ms"
    assert tr.end_reason == "stopped"


def test_pause_holds_training_and_resume_continues():
    tr, events = _slow_trainer()
    th = threading.Thread(target=tr.fit)
    th.start()
    while not any(isinstance(e, ev.BatchEnd) for e in events):
        time.sleep(0.005)
    tr.pause()
    time.sleep(0.1)                       # let the batch in flight finish
    n = len(events)
    time.sleep(0.3)
    assert len(events) == n and tr.paused
    t0 = time.perf_counter()
    tr.resume()
    while len(events) == n:
        time.sleep(0.002)
    assert time.perf_counter() - t0 < 0.1
    tr.pause()
    t1 = time.perf_counter()
    tr.stop()                             # stop also works while paused
    th.join(5)
    assert not th.is_alive() and time.perf_counter() - t1 < 0.1
    assert tr.end_reason == "stopped"


def test_nan_stops_training_and_names_the_node_where_it_first_appeared():
    g, ids = mlp_graph((2, 4, 2))
    log = g.add_node("Log", title="log of inputs").id
    first = next(e for e in g.edges.values() if e.src == ids["input"])
    g.disconnect(first.id)
    connect(g, ids["input"], log)
    connect(g, log, first.dst, dst_port=first.dst_port)
    events = []
    tr = Trainer(g, listener=events.append)
    with np.errstate(all="ignore"), pytest.raises(NonFiniteLoss, match="log of inputs produced NaN/Inf first") as info:
        tr.fit()
    assert info.value.node == log
    assert events[-1].reason == "non_finite" and "log of inputs" in events[-1].message


def test_diverging_learning_rate_is_caught():
    g, _ = mlp_graph((2, 32, 2), training={"epochs": 200, "lr": 100.0, "optimizer": "sgd", "batch_size": 0})
    with np.errstate(all="ignore"), pytest.raises(NonFiniteLoss, match="smaller learning rate"):
        Trainer(g).fit()


def test_binary_and_one_hot_targets_are_adapted():
    g, _ = mlp_graph((2, 8, 1), loss="BCEWithLogits", target={"shape": [1], "dtype": "float32"},
                     training={"epochs": 30, "lr": 0.05})
    tr = Trainer(g)
    tr.fit()
    assert tr.final_metrics["val_accuracy"] > 0.85
    g2, _ = mlp_graph((2, 8, 2), loss="CategoricalCrossEntropy", target={"shape": [2], "dtype": "float32"},
                      training={"epochs": 30, "lr": 0.05})
    # categorical cross-entropy wants probabilities: put a Softmax before the loss
    loss = g2.loss_node().id
    pred_edge = g2.incoming(loss)["input"]
    g2.disconnect(pred_edge.id)
    sm = g2.add_node("Softmax").id
    connect(g2, pred_edge.src, sm)
    connect(g2, sm, loss, dst_port="input")
    tr2 = Trainer(g2)
    tr2.fit()
    assert tr2.data.y_train.shape[1:] == (2,) and tr2.final_metrics["val_accuracy"] > 0.85


def test_low_level_logistic_regression_trains():
    g, _ = logistic_regression_graph()
    tr = Trainer(g)
    tr.fit()
    assert tr.final_metrics["val_accuracy"] > 0.85


def test_schedules_change_the_learning_rate():
    g, _ = mlp_graph(training={"epochs": 4, "schedule": "step", "schedule_step": 2, "schedule_gamma": 0.5, "lr": 0.1})
    h = Trainer(g).fit()
    assert h.column("lr") == pytest.approx([0.1, 0.1, 0.05, 0.05])


def test_data_that_does_not_fit_the_graph_gets_a_clear_error():
    g, ids = mlp_graph((3, 4, 2))
    with pytest.raises(DataError, match=r"samples have shape \(2,\) but the Input node expects \(3,\)"):
        Trainer(g).fit()
    g2, _ = mlp_graph()
    g2.config.pop("dataset")
    with pytest.raises(DataError, match="no dataset"):
        Trainer(g2).fit()


def test_training_config_is_validated():
    assert training_config({"lr": 0.1})["optimizer"] == "adam"
    with pytest.raises(ParamError, match="unknown setting 'learning_rate'"):
        training_config({"learning_rate": 0.1})
    with pytest.raises(ParamError, match="batch_size must be at least 0"):
        training_config({"batch_size": -1})


def test_samples_take_the_input_nodes_layout_when_the_numbers_match():
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "resources", "examples",
                        "digits_cnn.twg")
    g = fileformat.load(path).graph
    g.config["dataset"].pop("sample_shape")         # 64 numbers per digit; the Input asks for 1×8×8
    tr = Trainer(g).setup()
    assert tr.data.x_train.shape[1:] == (1, 8, 8) and tr.data.x_val.shape[1:] == (1, 8, 8)


def _history_without_times(tr):
    return [{k: v for k, v in row.items() if k != "seconds"} for row in tr.history.epochs]


def test_a_pace_only_waits_the_same_seed_gives_the_same_history():
    g, _ = mlp_graph()
    g.config["training"] = {"epochs": 6, "batch_size": 40, "seed": 3}
    full = Trainer(g)
    full.fit()
    paced = Trainer(g)
    paced.set_pace(40.0)
    paced.fit()
    assert _history_without_times(paced) == _history_without_times(full)
    assert [b["loss"] for b in paced.history.batches] == [b["loss"] for b in full.history.batches]


def test_a_pace_of_ten_epochs_per_second_holds_within_20_percent():
    g, _ = mlp_graph()
    g.config["training"] = {"epochs": 12, "batch_size": 16, "seed": 0}
    ends = []
    tr = Trainer(g, listener=lambda e: ends.append(time.perf_counter()) if isinstance(e, ev.EpochEnd) else None)
    tr.set_pace(10.0)
    tr.fit()
    rate = (len(ends) - 1) / (ends[-1] - ends[0])
    print(f"paced at 10 epochs/s: {rate:.2f} epochs/s")
    assert 8.0 <= rate <= 12.0


def test_pause_after_each_epoch_then_resume_and_change_the_pace_while_running():
    g, _ = mlp_graph()
    g.config["training"] = {"epochs": 4, "seed": 0}
    paused_after = []
    tr = Trainer(g, listener=lambda e: paused_after.append(e.epoch) if isinstance(e, ev.EpochEnd) and e.paused
                 else None)
    tr.set_pace(None, pause_each_epoch=True)
    t = threading.Thread(target=tr.fit)
    t.start()
    deadline = time.time() + 20
    while len(tr.history.epochs) < 1 and time.time() < deadline:
        time.sleep(0.01)
    time.sleep(0.1)
    assert len(tr.history.epochs) == 1 and tr.paused
    tr.resume()
    while len(tr.history.epochs) < 2 and time.time() < deadline:
        time.sleep(0.01)
    time.sleep(0.1)
    assert len(tr.history.epochs) == 2 and tr.paused
    tr.set_pace(None)                       # back to full speed: the rest runs through
    tr.resume()
    t.join(20)
    assert len(tr.history.epochs) == 4 and paused_after == [1, 2]
    with pytest.raises(ValueError):
        tr.set_pace(0.0)


def test_the_trainer_takes_arrays_tensors_and_datasets_in_memory():
    import engine
    from engine.utils.data import TensorDataset
    g, _ = mlp_graph((2, 8, 2))
    g.config.pop("dataset")
    g.config["training"] = {"epochs": 3, "batch_size": 16}
    rng = np.random.default_rng(0)
    x = rng.normal(size=(100, 2))                      # float64: made float32 as the engine computes
    y = (x[:, 0] > 0).astype(np.int64)
    tr = Trainer(g, data=(x, y))
    tr.fit()
    assert (tr.data.n_train, tr.data.n_val) == (80, 20) and tr.data.x_train.dtype == np.float32
    tr2 = Trainer(g, data=TensorDataset(engine.tensor(x[:60], dtype="float32"), engine.tensor(y[:60])),
                  validation=(x[60:], y[60:]))
    tr2.fit()
    assert (tr2.data.n_train, tr2.data.n_val) == (60, 40) and "val_loss" in tr2.history.epochs[-1]
    assert tr2.predict(x[:3]).shape == (3, 2)
    with pytest.raises(DataError, match="one row per sample"):
        Trainer(g, data=(x, y[:50])).setup()
    with pytest.raises(DataError, match="Input node expects"):
        Trainer(g, data=(np.zeros((10, 3), np.float32), y[:10])).setup()
    with pytest.raises(DataError, match="NaN"):
        Trainer(g, data=(np.full((10, 2), np.nan), y[:10])).setup()
    with pytest.raises(DataError, match="no dataset is chosen"):
        Trainer(g).setup()


def test_a_run_publishes_consistent_weight_snapshots_and_keeps_its_own_store():
    from engine.graph import events as ev
    g, _ = mlp_graph((2, 8, 2), training={"epochs": 3, "batch_size": 16, "lr": 0.05})
    events = []

    def listen(e):
        events.append(e)
        if isinstance(e, ev.BatchEnd) and (e.epoch, e.batch) == (2, 1):
            tr.request_weights()               # answered at the next batch boundary

    tr = Trainer(g, listener=listen)
    tr.fit()
    kinds = [type(e).__name__ for e in events if not isinstance(e, ev.BatchEnd)]
    # the starting weights, one before every epoch's end, the requested one, the final one
    assert kinds == ["WeightsPublished", "WeightsPublished", "EpochEnd", "WeightsPublished",
                     "WeightsPublished", "EpochEnd", "WeightsPublished", "EpochEnd", "WeightsPublished", "TrainingEnd"]
    asked = [e for e in events if isinstance(e, ev.WeightsPublished)][2]
    per_epoch = len(tr.history.batches) // 3
    assert (asked.epoch, asked.step) == (2, per_epoch + 1)        # before epoch 2's second batch
    final = [e for e in events if isinstance(e, ev.WeightsPublished)][-1]
    assert final.final and final.epoch == 3
    for key, arr in tr.store.state().items():
        np.testing.assert_array_equal(final.state[key], arr)
    snap = [e for e in events if isinstance(e, ev.WeightsPublished)][1]      # after epoch 1
    assert snap.epoch == 1 and any(not np.array_equal(snap.state[k], final.state[k]) for k in snap.state)
