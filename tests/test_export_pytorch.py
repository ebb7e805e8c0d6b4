"""PyTorch export (the module part of issue 11): every node type has an emitter or a stated
reason, and the exported module with the graph's weights gives the engine's predictions."""
import os

import numpy as np
import pytest

from engine.export.pytorch import EMITTERS, NOT_EXPORTED, export_module, state_dict_of
from engine.graph import REGISTRY
from engine.graph import fileformat as ff
from engine.graph.training import Trainer

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "resources", "examples")
NAMES = sorted(f[:-4] for f in os.listdir(EXAMPLES) if f.endswith(".twg"))


def test_every_node_type_exports_or_says_why_not():
    missing = [nt.type_id for nt in REGISTRY if nt.type_id not in EMITTERS and nt.type_id not in NOT_EXPORTED]
    assert not missing, f"node types without a PyTorch exporter or a reason: {missing}"


@pytest.mark.parametrize("name", NAMES)
def test_the_exported_module_predicts_what_the_engine_predicts(name):
    torch = pytest.importorskip("torch")
    g = ff.load(os.path.join(EXAMPLES, name + ".twg"), load_weights=False).graph
    tr = Trainer(g, base_dir=EXAMPLES)
    tr.fit({"epochs": 1})                       # real weights (and batch-norm statistics) to carry over
    exported = export_module(g)
    namespace = {}
    exec(compile(exported.source, f"<{name} export>", "exec"), namespace)
    model = namespace[exported.class_name]()
    state = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in state_dict_of(exported, tr.store).items()}
    model.load_state_dict(state, strict=True)
    model.eval()
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
    exported = export_module(g)
    namespace = {}
    exec(compile(exported.source, "<export>", "exec"), namespace)
    model = namespace[exported.class_name]()
    model.load_state_dict({k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in state_dict_of(exported, store).items()})
    model.eval()
    with torch.no_grad():
        theirs = model(torch.from_numpy(np.ascontiguousarray(x))).numpy()
    np.testing.assert_allclose(theirs, ours, rtol=1e-4, atol=1e-5)
