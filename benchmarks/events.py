"""Cost of per-node events while training a graph, and of the plan against the eager engine.

For two example graphs, times a full training step (forward, backward, Adam) of the compiled
plan with no listener, with a listener sampling every 10th step, 10 times a second (what a live
view needs), and every step. Percentages are the median of per-round ratios to no listener. Blocks are interleaved so machine noise hits all.

    python benchmarks/events.py [--rounds 11]
"""
import argparse
import os
import statistics
import sys

from _common import fmt_time, set_threads, time_steps

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=11)
    args = ap.parse_args()
    set_threads(2)
    import engine
    from engine.graph import fileformat
    from engine.graph.plan import Plan
    from engine.graph.weights import WeightStore
    from engine.graph.training import Trainer

    for name, batch in (("digits_mlp", 32), ("digits_cnn", 32)):
        g = fileformat.load(os.path.join(ROOT, "resources", "examples", name + ".twg")).graph
        tr = Trainer(g).setup()
        x, y = tr.data.x_train[:batch], tr.data.y_train[:batch]

        def plan_step(listener=None, every=1, interval=0.0):
            plan = Plan(g, WeightStore())
            opt = engine.optim.Adam(plan.parameters, lr=1e-3)
            plan.listener, plan.sample_every, plan.sample_interval = listener, every, interval
            events = []

            def step():
                opt.zero_grad()
                plan.forward(x, y)
                plan.backward()
                opt.step()
                if len(events) > 10000:
                    events.clear()
            if listener is not None:
                plan.listener = events.append
            return step

        variants = {"plan, no listener": plan_step(), "plan, listener every 10th step": plan_step(True, 10),
                    "plan, listener 10 times a second": plan_step(True, 1, 0.1),
                    "plan, listener every step": plan_step(True, 1)}
        times = {k: [] for k in variants}
        for _ in range(args.rounds):
            for k, step in variants.items():
                times[k].append(time_steps(step, repeats=3, min_time=0.15))
        print(f"{name}, batch {batch}:")
        for k, ts in times.items():
            t = statistics.median(ts)
            ratios = [a / b for a, b in zip(ts, times["plan, no listener"])]
            print(f"    {k:32s} {fmt_time(t)}/step   {100 * (statistics.median(ratios) - 1):+6.1f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
