"""numpy's OpenBLAS lets its idle worker threads sleep soon after a matrix product, instead of
spinning on the other cores for about a tenth of a second.

OpenBLAS keeps its workers busy-waiting for the next call for 2^28 clock cycles (its
THREAD_TIMEOUT) after every threaded GEMM. A training step alternates GEMMs with elementwise
and strided work (pooling, col2im, activations, the optimizer's update), and the engine runs
the large pieces of that work in two halves on two threads (``parallel.over_halves``). With
the workers spinning, the second half found no free core: on a 2-core machine the halves were
0.93–1.4× of one thread; with the workers asleep, 1.4–1.9× (max-pool backward on 64×16×26×26).

How long they still spin was measured on benchmark (c), the CNN, and (d), the LSTM, whose time
steps call a small GEMM every 60–100 µs: at 2^4 cycles (sleep at once) (c) gained 1.23× and
(d) lost 0.89×; at 2^16, 1.33× and 0.92×; at 2^19 (about 0.25 ms at 2.1 GHz), 1.22–1.26× and
0.95–0.98×, the workers still awake between the LSTM's steps.

``let_idle_blas_threads_sleep()`` sets the timeout to 2^``SPIN_EXPONENT`` cycles through
OpenBLAS's own entry points: the environment variable it reads (``OPENBLAS_THREAD_TIMEOUT``),
``openblas_read_env`` to read it again, and ``blas_thread_shutdown_`` so that the workers
restart with it on the next call. Applied once when the engine is imported; a timeout the user
set in the environment before starting Python stands, and nothing happens where numpy's BLAS
is not OpenBLAS (MKL, Accelerate) or the library is not found.
"""
from __future__ import annotations

import ctypes
import glob
import os

import numpy as np

SPIN_EXPONENT = 19         # 2^19 cycles: about 0.25 ms at 2.1 GHz (see the module docstring)
ENV = "OPENBLAS_THREAD_TIMEOUT"


def _candidates():
    """Paths of OpenBLAS libraries, lazily: numpy's own (wheels bundle it in numpy.libs), then
    those the process has loaded (Linux: a numpy built against the system's OpenBLAS)."""
    libs = os.path.join(os.path.dirname(os.path.dirname(np.__file__)), "numpy.libs")
    yield from sorted(glob.glob(os.path.join(libs, "*openblas*")))
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                fields = line.split(None, 5)          # address perms offset dev inode [path]
                if len(fields) == 6 and "openblas" in os.path.basename(fields[5]).lower():
                    yield fields[5].strip()
    except OSError:
        pass


def openblas():
    """numpy's OpenBLAS as a ctypes library with the two entry points used here, or None."""
    tried = set()
    for path in _candidates():
        if path in tried:                # a library is mapped in several pieces
            continue
        tried.add(path)
        try:
            lib = ctypes.CDLL(path)
            lib.openblas_read_env, lib.blas_thread_shutdown_      # noqa: B018 (both must exist)
        except (OSError, AttributeError):
            continue
        return lib
    return None


def set_spin(exponent: int, lib=None) -> bool:
    """Workers of numpy's OpenBLAS spin 2^exponent cycles before sleeping (4 to 30). True when
    it was set. Call when no other thread is inside a BLAS call: the workers are restarted."""
    lib = lib or openblas()
    if lib is None:
        return False
    os.environ[ENV] = str(int(exponent))
    lib.openblas_read_env()
    lib.blas_thread_shutdown_()
    return True


def let_idle_blas_threads_sleep() -> bool:
    """``set_spin(SPIN_EXPONENT)`` unless the user chose a timeout. True when it was set."""
    if os.environ.get(ENV, "").strip():
        return False
    return set_spin(SPIN_EXPONENT)
