"""PyTorch export (the module part of issue 11): every node type has an emitter or a stated
reason, and the exported module with the graph's weights gives the engine's predictions."""
import os
import sys

import numpy as np
import pytest

from engine.export.pytorch import EMITTERS, NOT_EXPORTED, export_module, state_dict_of
from engine.graph import REGISTRY
from engine.graph import fileformat as ff
from engine.graph.training import Trainer

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "resources", "examples")
NAMES = sorted(f[:-4] for f in os.listdir(EXAMPLES) if f.endswith(".twg"))


def load_exported(exported, store):
    """The exported module, built from its source, with the store's weights, in evaluation mode."""
    import torch
    namespace = {}
    exec(compile(exported.source, "<export>", "exec"), namespace)
    model = namespace[exported.class_name]()
    model.load_state_dict({k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in state_dict_of(exported, store).items()},
                          strict=True)
    return model.eval()


def test_every_node_type_exports_or_says_why_not():
    missing = [nt.type_id for nt in REGISTRY if nt.type_id not in EMITTERS and nt.type_id not in NOT_EXPORTED]
    assert not missing, f"node types without a PyTorch exporter or a reason: {missing}"


@pytest.mark.parametrize("name", NAMES)
def test_the_exported_module_predicts_what_the_engine_predicts(name):
    torch = pytest.importorskip("torch")
    g = ff.load(os.path.join(EXAMPLES, name + ".twg"), load_weights=False).graph
    tr = Trainer(g, base_dir=EXAMPLES)
    tr.fit({"epochs": 1})                       # real weights (and batch-norm statistics) to carry over
    model = load_exported(export_module(g), tr.store)
    x = tr.data.x_val[:16] if tr.data.x_val is not None else tr.data.x_train[:16]
    ours = np.asarray(tr.plan.predict(x))
    with torch.no_grad():
        theirs = model(torch.from_numpy(np.ascontiguousarray(x))).numpy()
    np.testing.assert_allclose(theirs, ours, rtol=1e-4, atol=1e-5)


def _types_to_check():
    from test_registry import DATA_ROLES, SAMPLES
    return sorted(t for t in SAMPLES if t not in DATA_ROLES and REGISTRY.get(t).role != "loss")


@pytest.mark.parametrize("type_id", _types_to_check())
def test_each_node_type_exports_to_the_same_numbers(type_id):
    """The registry test's sample graph of each node type, exported: the module's output (the
    loss's input, here the mean of the node's output) equals the engine's."""
    torch = pytest.importorskip("torch")
    from engine.graph.plan import Plan
    from engine.graph.weights import WeightStore
    from test_registry import sample_graph
    g, node, x, y, _ = sample_graph(type_id)
    if len(g.nodes_of_role("input")) != 1:
        pytest.skip("fed by parameters only")
    store = WeightStore()
    plan = Plan(g, store)
    ours = np.asarray(plan.predict(x))
    model = load_exported(export_module(g), store)
    with torch.no_grad():
        theirs = model(torch.from_numpy(np.ascontiguousarray(x))).numpy()
    np.testing.assert_allclose(theirs, ours, rtol=1e-4, atol=1e-5)


def test_the_exported_train_py_runs_in_lockstep_with_the_engine(tmp_path):
    """digits MLP, 3 epochs, same initial weights, same batches: the per-epoch losses of the
    exported train.py equal tensorweave's within 1e-4 relative."""
    pytest.importorskip("torch")
    import subprocess
    import sys
    from engine.export.pytorch import export_package
    from engine.graph.weights import WeightStore
    g = ff.load(os.path.join(EXAMPLES, "digits_mlp.twg"), load_weights=False).graph
    g.config["training"] = dict(g.config["training"], epochs=3, restore_best=False)
    export_package(g, WeightStore(), str(tmp_path), "digits_mlp", base_dir=EXAMPLES)
    tr = Trainer(g, base_dir=EXAMPLES)
    history = tr.fit()
    done = subprocess.run([sys.executable, "train.py"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    rows = [line.split() for line in done.stdout.splitlines() if line.startswith("epoch")]
    assert len(rows) == 3
    for row, ours in zip(rows, history.epochs):
        assert float(row[3]) == pytest.approx(ours["train_loss"], rel=1e-4)
        assert float(row[5]) == pytest.approx(ours["val_loss"], rel=1e-4)
        assert float(row[7]) == pytest.approx(ours["val_accuracy"], abs=1e-4)   # printed to 4 places
    assert (tmp_path / "checkpoint.npz").exists()


@pytest.mark.skipif(sys.platform == "win32", reason="torchrun with gloo")
def test_two_processes_with_torchrun_train_as_well_and_the_weights_come_back(tmp_path):
    """The exported digits MLP on 2 processes (gloo): its validation accuracy is within a point
    of the single process's, and its checkpoint, imported into the graph, gives the validation
    loss train.py printed."""
    pytest.importorskip("torch")
    import shutil
    import socket
    import subprocess
    from app.main import main
    from engine.export.pytorch import export_package
    from engine.graph.weights import WeightStore
    torchrun = shutil.which("torchrun") or os.path.join(os.path.dirname(sys.executable), "torchrun")
    if not os.path.exists(torchrun):
        pytest.skip("torchrun is not installed")
    g = ff.load(os.path.join(EXAMPLES, "digits_mlp.twg"), load_weights=False).graph
    g.config["training"] = dict(g.config["training"], epochs=12, restore_best=False)
    export_package(g, WeightStore(), str(tmp_path), "digits_mlp", base_dir=EXAMPLES)
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    single = subprocess.run([sys.executable, "train.py", "--out", "single.npz"], cwd=tmp_path, capture_output=True,
                            text=True, timeout=300, env=env)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    multi = subprocess.run([torchrun, "--nproc_per_node=2", f"--master_port={port}", "train.py", "--out", "multi.npz"],
                           cwd=tmp_path, capture_output=True, text=True, timeout=300, env=env)
    assert single.returncode == 0 and multi.returncode == 0, multi.stderr[-2000:]
    rows_multi = [line.split() for line in multi.stdout.splitlines() if line.startswith("epoch")]
    rows_one = [line.split() for line in single.stdout.splitlines() if line.startswith("epoch")]
    last = rows_multi[-1]
    # the best validation accuracy of each run (what restore-best keeps): within a point
    assert abs(max(float(r[7]) for r in rows_multi) - max(float(r[7]) for r in rows_one)) <= 0.01
    graph_file = str(tmp_path / "digits_mlp.twg")
    ff.save(g, graph_file)
    assert main(["import-weights", graph_file, str(tmp_path / "multi.npz")]) == 0
    loaded = ff.load(graph_file)
    tr = Trainer(loaded.graph, loaded.weight_store(), base_dir=EXAMPLES)
    tr.setup()
    val_loss, _ = tr.evaluate_validation()
    assert val_loss == pytest.approx(float(last[5]), rel=1e-4)


@pytest.mark.parametrize("name", NAMES)
def test_the_exported_module_has_the_engines_gradients(name):
    """The loss of one batch (evaluation mode, the loss written as train.py writes it): every
    weight's gradient in PyTorch equals the engine's within 1e-4."""
    torch = pytest.importorskip("torch")
    import torch.nn.functional as TF
    from engine.export.train_script import LOSSES
    from engine.graph.plan import Plan
    g = ff.load(os.path.join(EXAMPLES, name + ".twg"), load_weights=False).graph
    tr = Trainer(g, base_dir=EXAMPLES)
    tr.setup()
    x, y = tr.data.x_train[:16], tr.data.y_train[:16]
    store = tr.store
    plan = Plan(g, store)
    plan.forward(x, y, training=False, grad=True)
    plan.backward()
    exported = export_module(g)
    model = load_exported(exported, store)
    loss_node = g.loss_node()
    r = loss_node.params.get("reduction", "mean")
    expr = LOSSES[loss_node.type_id].format(r=r, delta=loss_node.params.get("delta", 1.0),
                                            kl="batchmean" if r == "mean" else "sum")
    helpers = {"F": TF, "torch": torch, "_reduce": lambda v, r: v.mean() if r == "mean" else v.sum(),
               "_signed": lambda t: 2 * t - 1 if bool((t >= 0).all()) else t}
    pred, target = model(torch.from_numpy(np.ascontiguousarray(x)), torch.from_numpy(np.ascontiguousarray(y)),
                         with_target=True)
    loss = eval(expr, {**helpers, "pred": pred, "y": target})
    loss.backward()
    assert_same_gradients(exported, store, model, name, rtol=1e-4, atol=lambda g: 1e-5)


def assert_same_gradients(exported, store, model, label, rtol, atol):
    """Every trainable weight's gradient in the module equals the engine's (``atol`` of the
    engine's gradient). Returns the (node, weight) pairs compared."""
    params = dict(model.named_parameters())
    compared = []
    for key, module_key in exported.weight_keys.items():
        node, _, w = key.partition("/")
        t = store.tensors.get((node, w))
        if t is None or not t.requires_grad or module_key not in params:
            continue
        ours, theirs = t.grad.numpy(), params[module_key].grad
        theirs = np.zeros_like(ours) if theirs is None else theirs.numpy()
        np.testing.assert_allclose(theirs, ours, rtol=rtol, atol=atol(ours), err_msg=f"{label}: gradient of {module_key}")
        compared.append((node, w))
    return compared


def test_random_graphs_have_the_engines_gradients_in_pytorch():
    """Random graphs over every operation type (tests/random_graphs.py) with a scalar loss on all
    their outputs ((Σ mean(output))²): every weight's gradient of the exported module equals the
    engine's, both in float64 so that only the mathematics is compared (random chains amplify
    float32 rounding; the examples' test above is in float32)."""
    torch = pytest.importorskip("torch")
    import random
    from engine.graph.plan import Plan
    from engine.graph.weights import WeightStore
    from random_graphs import operation_types, random_graph
    types = operation_types()
    checked = set()
    for i, t in enumerate(types):
        rng = random.Random(i)
        for seed in range(2000 + 10 * i, 2010 + 10 * i):
            g, x = random_graph(seed, size=4, types=[t] * 6 + rng.sample(types, 10))
            if any(n.type_id == t for n in g.nodes.values()):
                break
        total = None                                    # Σ mean(output), over every output
        for o in g.nodes_of_role("output"):
            src = g.incoming(o.id)["x"]
            g.remove_node(o.id)
            mean = g.add_node("Mean")
            g.connect(src.src, src.src_port, mean.id, "x")
            if total is not None:
                add = g.add_node("Add")
                g.connect(total[0], total[1], add.id, "a")
                g.connect(mean.id, "y", add.id, "b")
                total = (add.id, "y")
            else:
                total = (mean.id, "y")
        zero, loss = g.add_node("Constant", {"values": [0.0]}), g.add_node("MSE")
        g.connect(total[0], total[1], loss.id, "input")
        g.connect(zero.id, "value", loss.id, "target")
        assert not g.analysis.errors, (seed, g.analysis.errors)
        store = WeightStore()
        Plan(g, store)                                  # float32 weights, which both sides then widen exactly
        plan = Plan(g, store, "cpu", "float64")
        x64 = x.astype(np.float64)
        plan.forward(x64, None, training=False, grad=True)
        plan.backward()
        exported = export_module(g)
        model = load_exported(exported, store).double()
        pred = model(torch.from_numpy(x64))
        if not pred.requires_grad:                      # nothing trainable upstream of the loss
            continue
        (pred ** 2).mean().backward()
        compared = assert_same_gradients(exported, store, model, f"seed {seed}", rtol=1e-6,
                                         atol=lambda ours: 1e-9 * max(1.0, float(np.abs(ours).max())))
        checked |= {g.nodes[node].type_id for node, _ in compared}
    assert {"Dense", "Conv2D", "LSTM", "GRU", "RNN", "BatchNorm", "LayerNorm", "Parameter"} <= checked, checked
