"""Shared helpers for the benchmark scripts: timing, thread pinning, model builders for both
frameworks with identical initial weights."""
import os
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)


def set_threads(n):
    """Same thread count for numpy's BLAS and PyTorch (set before numpy is imported)."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, str(n))


def try_import_torch():
    try:
        import torch
        return torch
    except Exception:
        return None


def interleaved(ours, reference, rounds, sync_ours=None, sync_reference=None):
    """Time two step functions in alternating blocks so machine noise hits both: (our seconds
    per step, the reference's, per round), and the per-round ratios reference/ours (above 1:
    ours is faster)."""
    mine, theirs = [], []
    for _ in range(rounds):
        mine.append(time_steps(ours, repeats=3, sync=sync_ours))
        theirs.append(time_steps(reference, repeats=3, sync=sync_reference))
    return mine, theirs, [b / a for a, b in zip(mine, theirs)]


def time_steps(step, warmup=20, repeats=7, min_time=0.25, sync=None):
    """Median seconds per call of ``step`` over ``repeats`` blocks of enough calls for min_time."""
    for _ in range(warmup):
        step()
    if sync:
        sync()
    n = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(n):
            step()
        if sync:
            sync()
        dt = time.perf_counter() - t0
        if dt >= min_time / 4 or n >= 1 << 16:
            break
        n *= 2
    n = max(1, int(n * (min_time / 4) / max(dt, 1e-9)))
    blocks = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(n):
            step()
        if sync:
            sync()
        blocks.append((time.perf_counter() - t0) / n)
    return statistics.median(blocks)


def ratio_summary(ratios, target=None):
    """'0.86x (min 0.66, max 1.02)' and, with a target, whether the min of the rounds meets it."""
    text = f"{statistics.median(ratios):5.2f}x (min {min(ratios):.2f}, max {max(ratios):.2f})"
    if target is not None:
        text += f"  (target ≥ {target}: {'met' if min(ratios) >= target else 'MISSED'})"
    return text


def fmt_time(s):
    if s < 1e-3:
        return f"{s * 1e6:8.1f} µs"
    return f"{s * 1e3:8.2f} ms"
