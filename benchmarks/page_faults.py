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


def child(names, steps):
    import resource
    import time

    sys.path.insert(0, HERE)
    from _common import set_threads
    set_threads(2)
    import engine
    from train_step import WORKLOADS, engine_step
    out = {}
    for name in names:
        w = WORKLOADS[name]
        step, _ = engine_step(engine, w, w["batch"], "cpu")
        for _ in range(5):
            step()
        r0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
        for _ in range(steps):
            step()
        t1, r1 = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
        out[name] = dict(step=(t1 - t0) / steps, faults=(r1.ru_minflt - r0.ru_minflt) / steps,
                         sys=(r1.ru_stime - r0.ru_stime) / steps)
    print(json.dumps(out))


def run_child(names, steps, system):
    env = dict(os.environ)
    env.pop("TENSORWEAVE_MALLOC", None)
    if system:
        env["TENSORWEAVE_MALLOC"] = "system"
    done = subprocess.run([sys.executable, __file__, "--child", "--steps", str(steps), *names], env=env,
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
        child(names, args.steps)
        return 0
    from train_step import WORKLOADS
    for name in names:
        sysd, kept = [], []
        for _ in range(args.rounds):       # a process of its own each: a heap grown by one
            sysd.append(run_child([name], args.steps, True)[name])     # workload would serve the next
            kept.append(run_child([name], args.steps, False)[name])
        speed = [a["step"] / b["step"] for a, b in zip(sysd, kept)]

        def med(rows, key, scale):
            return statistics.median(r[key] for r in rows) * scale
        print(f"{WORKLOADS[name]['title']}\n"
              f"    glibc settings  {med(sysd, 'step', 1e3):7.2f} ms/step  {med(sysd, 'faults', 1):7.0f} faults  "
              f"{med(sysd, 'sys', 1e3):6.2f} ms kernel\n"
              f"    freed kept      {med(kept, 'step', 1e3):7.2f} ms/step  {med(kept, 'faults', 1):7.0f} faults  "
              f"{med(kept, 'sys', 1e3):6.2f} ms kernel\n"
              f"    speed-up {statistics.median(speed):.2f}x (min {min(speed):.2f}, max {max(speed):.2f})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
