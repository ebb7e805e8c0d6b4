"""What keeping freed memory in the heap (engine/allocator.py) buys: the train_step.py workloads
in the eager engine, each workload and round in two fresh processes — one with glibc's own malloc settings
(TENSORWEAVE_MALLOC=system), one with the engine's — alternating, without PyTorch in the process
(importing torch changes the process's malloc behaviour, so train_step.py never sees the faults).

    python benchmarks/page_faults.py [--rounds 5] [--steps 30] [a b c d]

Prints per workload the minor page faults and kernel time per step of each, and the speed-up
(system time / kept time per step) as the median of the rounds with min–max.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def child(name, steps):
    import resource
    import time

    sys.path.insert(0, HERE)
    from _common import set_threads
    set_threads(2)
    import engine
    from train_step import WORKLOADS, engine_step
    w = WORKLOADS[name]
    step, _ = engine_step(engine, w, w["batch"], "cpu")
    for _ in range(5):
        step()
    r0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    for _ in range(steps):
        step()
    t1, r1 = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps(dict(step=(t1 - t0) / steps, faults=(r1.ru_minflt - r0.ru_minflt) / steps,
                          sys=(r1.ru_stime - r0.ru_stime) / steps)))


def run_child(name, steps, system):
    """One workload in a fresh process (a heap grown by one workload would serve the next)."""
    env = dict(os.environ)
    env.pop("TENSORWEAVE_MALLOC", None)
    if system:
        env["TENSORWEAVE_MALLOC"] = "system"
    done = subprocess.run([sys.executable, __file__, "--child", "--steps", str(steps), name], env=env,
                          capture_output=True, text=True, timeout=1800)
    if done.returncode:
        raise SystemExit(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("workloads", nargs="*", default=None)
    args = ap.parse_args(argv)
    names = args.workloads or ["a", "b", "c", "d"]
    if args.child:
        child(names[0], args.steps)
        return 0
    from _common import ratio_summary
    from train_step import WORKLOADS
    for name in names:
        sysd, kept = [], []
        for _ in range(args.rounds):
            sysd.append(run_child(name, args.steps, True))
            kept.append(run_child(name, args.steps, False))
        speed = [a["step"] / b["step"] for a, b in zip(sysd, kept)]

        def med(rows, key, scale):
            return statistics.median(r[key] for r in rows) * scale
        print(f"{WORKLOADS[name]['title']}\n"
              f"    glibc settings  {med(sysd, 'step', 1e3):7.2f} ms/step  {med(sysd, 'faults', 1):7.0f} faults  "
              f"{med(sysd, 'sys', 1e3):6.2f} ms kernel\n"
              f"    freed kept      {med(kept, 'step', 1e3):7.2f} ms/step  {med(kept, 'faults', 1):7.0f} faults  "
              f"{med(kept, 'sys', 1e3):6.2f} ms kernel\n"
              f"    speed-up {ratio_summary(speed)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
