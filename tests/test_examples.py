"""Every example graph: valid, its inferred shapes equal the shapes that actually run, and its
configured training reaches the quality it states (meta.quality)."""
import os

import numpy as np
import pytest

from engine.graph import fileformat
from engine.graph.plan import Plan
from engine.graph.shapes import concrete
from engine.graph.training import Trainer
from engine.graph.weights import WeightStore

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "resources", "examples")
NAMES = sorted(f[:-4] for f in os.listdir(EXAMPLES) if f.endswith(".twg"))
REQUIRED = {"logistic_regression", "xor", "moons", "spiral", "iris", "digits_mlp", "digits_cnn", "overfitting",
            "sine_lstm", "digits_autoencoder"}


def test_all_examples_are_there():
    assert REQUIRED <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_inferred_shapes_match_the_run(name):
    loaded = fileformat.load(os.path.join(EXAMPLES, name + ".twg"))
    g = loaded.graph
    assert not g.analysis.issues, g.analysis.issues
    tr = Trainer(g).setup()
    plan = Plan(g, WeightStore())
    batch = 7
    plan.forward(tr.data.x_train[:batch], tr.data.y_train[:batch])
    for (nid, port), slot in plan.slot_of.items():
        value = plan.values[slot]
        spec = g.analysis.specs[(nid, port)]
        assert value.shape == concrete(spec.shape, batch), f"{g.nodes[nid].label}.{port}"


@pytest.mark.parametrize("name", NAMES)
def test_example_trains_to_its_stated_quality(name):
    loaded = fileformat.load(os.path.join(EXAMPLES, name + ".twg"))
    quality = loaded.graph.config["meta"]["quality"]
    tr = Trainer(loaded.graph)
    h = tr.fit()
    if quality["metric"] == "overfits":
        val = h.column("val_loss")
        assert val[-1] >= quality["min"] * min(val)
        return
    value = tr.final_metrics[quality["metric"]]
    if "min" in quality:
        assert value >= quality["min"], f"{name}: {quality['metric']} {value:.4f} < {quality['min']}"
    if "max" in quality:
        assert value <= quality["max"], f"{name}: {quality['metric']} {value:.4f} > {quality['max']}"
