"""The overfitting detector's table: real training runs of healthy setups (moons, iris, the digits
MLP with their example settings) and of overfitting ones (the overfitting example; a 2-100-100-2
ReLU network trained long on 80 noisy points), 10 seeds each, judged by
engine.graph.overfitting. Prints false alarms and misses; with --write, stores the histories in
tests/data/overfitting_runs.json, which tests/test_overfitting.py judges again (and re-trains one
seed of each setup to check the stored histories still come out of the engine).

    python benchmarks/overfitting_table.py [--seeds 10] [--write]
"""
import argparse
import json
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from engine.graph import fileformat  # noqa: E402
from engine.graph.overfitting import judge  # noqa: E402
from engine.graph.training import Trainer  # noqa: E402

EXAMPLES = os.path.join(ROOT, "resources", "examples")
OUT = os.path.join(ROOT, "tests", "data", "overfitting_runs.json")


def example(name, **training):
    def make():
        g = fileformat.load(os.path.join(EXAMPLES, f"{name}.twg")).graph
        g.config["training"] = {**g.config["training"], **training}
        return g
    return make


def wide_relu_on_80_points():
    """2-100-100-2 ReLU, trained long (full batch) on 80 noisy moons, validated on 320 fresh ones."""
    from engine.graph.model import Graph
    g = Graph()
    x = g.add_node("Input", {"shape": [2]}).id
    prev = x
    for units in (100, 100):
        d = g.add_node("Dense", {"units": units}).id
        g.connect(prev, "y" if prev != x else "x", d, "x")
        r = g.add_node("ReLU").id
        g.connect(d, "y", r, "x")
        prev = r
    out = g.add_node("Dense", {"units": 2}).id
    g.connect(prev, "y", out, "x")
    t = g.add_node("Target").id
    loss = g.add_node("CrossEntropy").id
    g.connect(out, "y", loss, "input")
    g.connect(t, "y", loss, "target")
    g.config["dataset"] = {"source": "synthetic", "name": "moons", "options": {"n": 400, "noise": 0.35},
                           "normalize": "standardize", "validation_split": 0.8}
    g.config["training"] = {"optimizer": "adam", "lr": 0.01, "batch_size": 0, "epochs": 400, "restore_best": False}
    return g


SETUPS = {
    # name: (graph maker, expected verdict)
    "moons": (example("moons"), False),
    "iris": (example("iris"), False),
    "digits_mlp": (example("digits_mlp"), False),
    "overfitting example": (example("overfitting"), True),
    "2-100-100-2 ReLU, 80 noisy points": (wide_relu_on_80_points, True),
}


def run(make, seed):
    g = make()
    g.config["training"] = {**g.config["training"], "seed": seed, "restore_best": False}
    tr = Trainer(g)
    tr.fit()
    keep = ("epoch", "train_loss", "val_loss")
    return (g.config["training"].get("epochs", 50), [{k: r[k] for k in keep if k in r} for r in tr.history.epochs],
            tr.chance_loss)


def rows_of(run):
    """A stored run's per-epoch rows."""
    return [{"epoch": i + 1, "train_loss": t, "val_loss": v} for i, (t, v) in enumerate(zip(run["train_loss"],
                                                                                           run["val_loss"]))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args()
    runs = []
    print(f"{'setup':<36} {'expect':<8} {'flagged':>7} {'missed':>6} {'false':>5}  onset epochs")
    for name, (make, expect) in SETUPS.items():
        flagged, onsets, t0 = 0, [], time.perf_counter()
        for seed in range(args.seeds):
            epochs, rows, chance = run(make, seed)
            v = judge(rows, epochs, chance)
            flagged += bool(v.spans) if not expect else v.overfitting
            onsets.append(v.onset if v.overfitting else None)
            runs.append({"setup": name, "seed": seed, "epochs": epochs, "chance_loss": chance, "overfits": expect,
                         "train_loss": [float(f"{r['train_loss']:.7g}") for r in rows],
                         "val_loss": [float(f"{r['val_loss']:.7g}") for r in rows]})
        n = args.seeds
        print(f"{name:<36} {'overfit' if expect else 'healthy':<8} {flagged:>7} {n - flagged if expect else 0:>6} "
              f"{0 if expect else flagged:>5}  {onsets}  ({time.perf_counter() - t0:.1f} s)", flush=True)
    if args.write:
        os.makedirs(os.path.dirname(OUT), exist_ok=True)
        with open(OUT, "w") as f:
            json.dump({"about": "training histories judged by tests/test_overfitting.py; written by "
                                "benchmarks/overfitting_table.py --write", "runs": runs}, f, separators=(",", ":"))
        print("wrote", os.path.relpath(OUT, ROOT))


if __name__ == "__main__":
    main()
