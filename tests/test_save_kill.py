"""kill -9 during saves loses nothing (see kill_saves.py): 50 kills here, 200 in
benchmarks/save_kill.py."""
import os
import sys

import pytest

from engine.graph.training import Trainer
from graph_helpers import mlp_graph
from kill_saves import kill_during_saves


@pytest.mark.skipif(not hasattr(os, "fork") or sys.platform == "win32", reason="needs fork and SIGKILL")
def test_fifty_kills_during_saves_lose_nothing(tmp_path):
    g, _ = mlp_graph((2, 16, 2), training={"epochs": 1})
    tr = Trainer(g)
    tr.fit()
    counts = kill_during_saves(g, tr.store, str(tmp_path), kills=50)
    assert counts == {"kills": 50, "consistent": 50, "untrained": 0, "unreadable": 0, "temp_left": 0,
                      "sidecars_left": 0}, counts
