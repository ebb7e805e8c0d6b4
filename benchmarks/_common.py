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


def interleaved(ours, reference, rounds, sync_ours=None, sync_reference=None, switches=8, block=0.08,
                pause=0.06):
    """Time two step functions so machine noise hits both: (our seconds per step, the
    reference's, per round), and the per-round ratios reference/ours (above 1: ours is faster).

    Each round alternates ``switches`` short blocks (about ``block`` seconds) of each, in ABBA
    order, and keeps each side's median block. Before every block the process sleeps ``pause``
    seconds: OpenBLAS's and PyTorch's OpenMP worker threads busy-wait for a while after parallel
    work, and without the pause the side that ran last kept spinning into the other's block
    (short blocks without it moved ratio (b) from 0.8 to 1.5 and (c) from 0.75 to 0.61, the
    direction depending on whose workers spun longer). With it, the medians agree with long
    blocks and the spread between rounds narrows (b: 0.74–0.83 against 0.52–0.84)."""
    ours_n = _calibrate(ours, block, sync_ours)
    ref_n = _calibrate(reference, block, sync_reference)
    mine, theirs = [], []
    for _ in range(rounds):
        a, b = [], []
        for k in range(switches):
            if k % 2:
                a.append(_block(ours, ours_n, sync_ours, pause))
                b.append(_block(reference, ref_n, sync_reference, pause))
            else:
                b.append(_block(reference, ref_n, sync_reference, pause))
                a.append(_block(ours, ours_n, sync_ours, pause))
        mine.append(statistics.median(a))
        theirs.append(statistics.median(b))
    return mine, theirs, [y / x for x, y in zip(mine, theirs)]


def _calibrate(step, seconds, sync=None, warmup=20):
    """How many calls of ``step`` take about ``seconds`` (after ``warmup`` calls)."""
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
        if dt >= seconds / 2 or n >= 1 << 16:
            return max(1, round(n * seconds / max(dt, 1e-9)))
        n *= 2


def _block(step, n, sync, pause=0.0):
    if pause:
        time.sleep(pause)
    t0 = time.perf_counter()
    for _ in range(n):
        step()
    if sync:
        sync()
    return (time.perf_counter() - t0) / n


def time_steps(step, warmup=20, repeats=7, min_time=0.25, sync=None):
    """Median seconds per call of ``step`` over ``repeats`` blocks of about min_time/4 each."""
    n = _calibrate(step, min_time / 4, sync, warmup)
    return statistics.median(_block(step, n, sync) for _ in range(repeats))


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
