"""What the graph path costs: one training step of each train_step.py workload built as a graph
and run by ``Trainer.train_batch`` (the plan, per-node bookkeeping, the metric), against the same
network in the eager engine (engine.nn modules, a hand-written step), in one process with
interleaved rounds.

    python benchmarks/graph_path.py [--rounds 5] [a b c d]

Prints per workload the median time per step of each and the ratio eager/graph (1.00 = the graph
path costs nothing; the target is ≥ 0.95), with the min–max of the rounds.
"""
import argparse
import statistics
import sys

import numpy as np

from _common import fmt_time, interleaved, ratio_summary, set_threads
from train_step import WORKLOADS, engine_step, make_data

TARGET = 0.95


def build_graph(w):
    """The workload as a graph: Input → layers → CrossEntropy ← Target."""
    from engine.graph.model import Graph
    g = Graph()
    if w["kind"] == "mlp":
        shape, layers = [w["sizes"][0]], []
        for units in w["sizes"][1:-1]:
            layers += [("Dense", {"units": units}), ("ReLU", {})]
        layers.append(("Dense", {"units": w["sizes"][-1]}))
    elif w["kind"] == "cnn":
        shape = [1, 28, 28]
        layers = [("Conv2D", {"filters": 16, "kernel_size": [3]}), ("ReLU", {}), ("MaxPool2D", {}),
                  ("Conv2D", {"filters": 32, "kernel_size": [3]}), ("ReLU", {}), ("MaxPool2D", {}),
                  ("Flatten", {}), ("Dense", {"units": 10})]
    else:
        shape = [w["seq"], w["features"]]
        layers = [("LSTM", {"units": w["hidden"]}), ("Dense", {"units": 10})]
    prev = (g.add_node("Input", {"shape": shape}).id, "x")
    for type_id, params in layers:
        node = g.add_node(type_id, params)
        g.connect(prev[0], prev[1], node.id, node.type.inputs[0].name)
        prev = (node.id, "y")
    target, loss = g.add_node("Target", {"shape": [], "dtype": "int64"}), g.add_node("CrossEntropy")
    g.connect(prev[0], prev[1], loss.id, "input")
    g.connect(target.id, "y", loss.id, "target")
    return g


def graph_step(w, batch):
    from engine.graph.training import Trainer
    x, y = make_data(np, w, batch)
    tr = Trainer(build_graph(w), data=(x, y), validation=(x[:2], y[:2]), allow_data=True)   # all rows train
    tr.setup({"optimizer": "adam", "lr": 1e-3, "batch_size": batch, "shuffle": False})
    idx = np.arange(batch)
    return lambda: tr.train_batch(idx)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("workloads", nargs="*", default=["a", "b", "c", "d"])
    args = ap.parse_args(argv)
    set_threads(args.threads)
    import engine
    print(f"{args.threads} threads; eager engine against the same network as a graph through Trainer")
    for name in args.workloads:
        w = WORKLOADS[name]
        eager, _ = engine_step(engine, w, w["batch"], "cpu")
        graph = graph_step(w, w["batch"])
        tg, te, ratios = interleaved(graph, eager, args.rounds)          # ratio: eager / graph
        print(f"{w['title']}\n    eager {fmt_time(statistics.median(te))}/step   graph {fmt_time(statistics.median(tg))}"
              f"/step   ratio {ratio_summary(ratios, TARGET)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
