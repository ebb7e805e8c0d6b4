"""kill -9 during saves, many times (the issue's 200): prints how many reopened documents came
with their own weights, opened untrained (weights lost), could not be read, and how many temp
files or extra sidecars the next save left behind.

    python benchmarks/save_kill.py [--kills 200]
"""
import argparse
import os
import sys
import tempfile

from _common import ROOT

sys.path.insert(0, os.path.join(ROOT, "tests"))

from engine.graph.training import Trainer  # noqa: E402
from graph_helpers import mlp_graph  # noqa: E402
from kill_saves import kill_during_saves  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kills", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    g, _ = mlp_graph((2, 64, 64, 2), training={"epochs": 1})
    tr = Trainer(g)
    tr.fit()
    with tempfile.TemporaryDirectory() as folder:
        counts = kill_during_saves(g, tr.store, folder, args.kills, args.seed)
    print(" ".join(f"{k}={v}" for k, v in counts.items()))
    lost = counts["kills"] - counts["consistent"]
    print(f"{lost} of {counts['kills']} kills lost the trained weights or the document")
    return 1 if lost or counts["temp_left"] or counts["sidecars_left"] else 0


if __name__ == "__main__":
    sys.exit(main())
