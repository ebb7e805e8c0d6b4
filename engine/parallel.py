"""Both cores for elementwise and strided work numpy runs on one: a large piece of work is cut
in two halves, one done on a worker thread while the calling thread does the other (numpy lets
go of the GIL inside a ufunc's loop and in array copies, so the halves really run side by side).
Used where a profile paid for it: the optimizers' updates of large parameters, and in a CNN's
step the pooling, col2im, im2col copies and ReLU (with OpenBLAS's idle workers asleep, see
blas_threads.py). The thread count follows OMP_NUM_THREADS, as numpy's BLAS does, so a
benchmark that pins both libraries to one thread stays fair."""
from __future__ import annotations

import functools
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

import numpy as np

from .backend import get_array_module

SPLIT_AT = 1 << 16           # below this many elements the thread hand-off costs more than it saves
_pool = None
_pool_pid = None
_WORKER_NAME = "tensorweave-elementwise"


@functools.cache
def threads() -> int:
    """Read once (OMP_NUM_THREADS is set before a program starts its work, as BLAS reads it)."""
    try:
        n = int(os.environ.get("OMP_NUM_THREADS") or 0)
    except ValueError:
        n = 0
    return max(1, n or os.cpu_count() or 1)


def _worker():
    """The worker thread's pool, made on first use and again in a forked child process (which
    inherits the pool but not its thread: work handed to it would wait forever)."""
    global _pool, _pool_pid
    if _pool is None or _pool_pid != os.getpid():
        _pool, _pool_pid = ThreadPoolExecutor(1, thread_name_prefix=_WORKER_NAME), os.getpid()
    return _pool


def over_halves(fn: Callable[[int, int], None], n: int, size: int, xp=np) -> None:
    """``fn(lo, hi)`` over the range [0, n) of a leading axis: ``fn(0, n//2)`` on this thread
    while the worker runs ``fn(n//2, n)``, when the work is large (``size`` elements touched,
    at least SPLIT_AT), on numpy (``xp``), and two threads are allowed; else ``fn(0, n)``.
    ``fn`` must write only its own part of any output."""
    if xp is not np or size < SPLIT_AT or n < 2 or threads() < 2 \
            or threading.current_thread().name.startswith(_WORKER_NAME):   # nested: no waiting on itself
        fn(0, n)
        return
    h = n // 2
    done = _worker().submit(fn, h, n)
    try:
        fn(0, h)
    finally:
        done.result()


def contiguous(a):
    """``ascontiguousarray(a)`` for a strided numpy view, copied in two halves of its first axis
    (im2col columns, transposed activations and gradients)."""
    if type(a) is not np.ndarray:
        return get_array_module(a).ascontiguousarray(a)
    if a.ndim == 0 or a.flags.c_contiguous or a.size < SPLIT_AT:
        return np.ascontiguousarray(a)
    out = np.empty(a.shape, a.dtype)

    def part(lo, hi):
        out[lo:hi] = a[lo:hi]
    over_halves(part, a.shape[0], a.size)
    return out


def in_halves(fn: Callable[..., None], *arrays) -> None:
    """``fn(*parts)`` over the flattened ``arrays`` (all of one size, updated in place): on two
    threads in two halves when they are large contiguous numpy arrays, else in one call (as they
    are, when any is strided or not numpy)."""
    if not all(type(a) is np.ndarray and a.flags.c_contiguous for a in arrays):
        fn(*arrays)              # reshape(-1) would copy a strided array, and the update be lost
        return
    flat = [a.reshape(-1) for a in arrays]
    n = flat[0].size
    over_halves(lambda lo, hi: fn(*[a[lo:hi] for a in flat]), n, n)
