"""Both cores for elementwise work numpy runs on one: a large array's update is cut in two
halves, one done on a worker thread while the calling thread does the other (numpy lets go of
the GIL inside a ufunc's loop, so the halves really run side by side). Used where a profile paid
for it: the optimizers' updates of large parameters. The thread count follows OMP_NUM_THREADS,
as numpy's BLAS does, so a benchmark that pins both libraries to one thread stays fair."""
from __future__ import annotations

import functools
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

import numpy as np

SPLIT_AT = 1 << 16           # below this many elements the thread hand-off costs more than it saves
_pool = None


@functools.cache
def threads() -> int:
    """Read once (OMP_NUM_THREADS is set before a program starts its work, as BLAS reads it)."""
    try:
        n = int(os.environ.get("OMP_NUM_THREADS") or 0)
    except ValueError:
        n = 0
    return max(1, n or os.cpu_count() or 1)


def _worker():
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(1, thread_name_prefix="tensorweave-elementwise")
    return _pool


def in_halves(fn: Callable[..., None], *arrays) -> None:
    """``fn(*parts)`` over the flattened ``arrays`` (all of one size, updated in place): on two
    threads in two halves when they are large contiguous numpy arrays, else in one call (as they
    are, when any is strided or not numpy)."""
    if not all(type(a) is np.ndarray and a.flags.c_contiguous for a in arrays):
        fn(*arrays)              # reshape(-1) would copy a strided array, and the update be lost
        return
    flat = [a.reshape(-1) for a in arrays]
    n = flat[0].size
    if n < SPLIT_AT or threads() < 2:
        fn(*flat)
        return
    h = n // 2
    done = _worker().submit(fn, *[a[h:] for a in flat])
    fn(*[a[:h] for a in flat])
    done.result()
