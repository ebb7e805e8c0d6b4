"""Load, analysis and planning time of very large graphs (the issue's 100,000-node chain and
ring, and a chain with an Output node on every link): each must stay well under 5 s, i.e. grow
linearly. Prints seconds per phase for each size.

    python benchmarks/big_graphs.py [--sizes 1000 10000 100000]
"""
import argparse
import json
import time

from _common import ROOT  # noqa: F401  (puts the project on sys.path)

from engine.graph import fileformat as ff  # noqa: E402
from engine.graph.plan import GraphInvalid, Plan  # noqa: E402
from engine.graph.weights import WeightStore  # noqa: E402


def chain(n, ring=False, outputs=False):
    nodes = [{"id": "in", "type": "Input", "params": {"shape": [4]}}]
    edges = []
    prev = "in"
    for i in range(n - 1):          # with the Input: n nodes
        nid = f"r{i}"
        nodes.append({"id": nid, "type": "ReLU"})
        edges.append({"id": f"e{i}", "from": {"node": prev, "port": "x" if prev == "in" else "y"},
                      "to": {"node": nid, "port": "x"}})
        if outputs:
            nodes.append({"id": f"o{i}", "type": "Output"})
            edges.append({"id": f"eo{i}", "from": {"node": nid, "port": "y"}, "to": {"node": f"o{i}", "port": "x"}})
        prev = nid
    if ring:   # close the loop: the first ReLU takes the last one's output instead of the Input's
        edges[0] = {"id": "e0", "from": {"node": prev, "port": "y"}, "to": {"node": "r0", "port": "x"}}
    return json.dumps({"format": ff.FORMAT, "version": ff.VERSION, "nodes": nodes, "edges": edges})


def measure(text):
    t0 = time.perf_counter()
    g = ff.loads(text).graph          # load includes one analysis
    t1 = time.perf_counter()
    from engine.graph.model import analyze
    a = g.analysis = analyze(g)
    t2 = time.perf_counter()
    try:
        Plan(g, WeightStore())
    except GraphInvalid:
        pass
    t3 = time.perf_counter()
    return t1 - t0, t2 - t1, t3 - t2, len(a.issues)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    args = ap.parse_args()
    print(f"{'graph':<22}{'nodes':>9}{'load s':>9}{'analyze s':>11}{'plan s':>9}{'issues':>8}")
    for n in args.sizes:
        for name, text in (("chain", chain(n)), ("ring", chain(n, ring=True)),
                           ("chain + outputs", chain((n + 1) // 2, outputs=True))):
            load, analysis, plan, issues = measure(text)
            print(f"{name:<22}{n:>9}{load:>9.2f}{analysis:>11.2f}{plan:>9.2f}{issues:>8}", flush=True)


if __name__ == "__main__":
    main()
