"""The pre-flight memory estimate bounds what training really allocates: for every bundled
example, the peak of traced allocations during one epoch (numpy's included) stays under it."""
import os
import tracemalloc

import pytest

from engine.graph import fileformat as ff, memory
from engine.graph.training import Trainer

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "resources", "examples")
NAMES = sorted(f[:-4] for f in os.listdir(EXAMPLES) if f.endswith(".twg"))


@pytest.mark.parametrize("name", NAMES)
def test_training_allocates_less_than_the_estimate_announces(name):
    g = ff.load(os.path.join(EXAMPLES, name + ".twg"), load_weights=False).graph
    est = memory.estimate(g)
    tr = Trainer(g, base_dir=EXAMPLES)
    tr.setup({"epochs": 1})
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        tr.fit()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak - before <= est.total, f"{name}: {peak - before:,} bytes allocated, {est.total:,} announced"
