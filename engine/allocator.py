"""Large arrays reuse freed heap memory instead of fresh pages from the operating system.

glibc's malloc serves every block above its mmap threshold (128 KiB at start, raised as such
blocks are freed) with a fresh ``mmap`` and unmaps it on ``free``; blocks in the heap that sit
free above the trim threshold go back to the kernel too. A training step allocates and frees
the same large temporaries every time (im2col columns, activations kept for backward, a
recurrent layer's gate buffers), so each step faulted tens of megabytes of zeroed pages back
in: on benchmark (c), the CNN, 4,700 minor page faults and 13 ms of kernel time per step, about
as long as PyTorch's whole step.

``keep_freed_memory()`` sets the mmap threshold to glibc's maximum (32 MiB on 64-bit: larger
arrays still come from mmap and are returned at once) and the trim threshold to 256 MiB (the
most free heap the process keeps for reuse; beyond it the top of the heap is returned).
Process-wide, applied once when the engine is imported, on glibc only; set
``TENSORWEAVE_MALLOC=system`` to leave the allocator as it is.
"""
from __future__ import annotations

import ctypes
import os
import sys

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3     # mallopt parameter numbers from <malloc.h>
MMAP_THRESHOLD = 32 * 1024 * 1024               # glibc's largest (DEFAULT_MMAP_THRESHOLD_MAX, 64-bit)
TRIM_THRESHOLD = 256 * 1024 * 1024


def _libc():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None)       # the process's own symbols: no library search at import
        libc.gnu_get_libc_version      # glibc only (musl has no mallopt thresholds to speak of)
        libc.mallopt
        return libc
    except (OSError, AttributeError):
        return None


def keep_freed_memory() -> bool:
    """Raise glibc's thresholds as described above. True when they were set."""
    if os.environ.get("TENSORWEAVE_MALLOC", "").strip().lower() == "system":
        return False
    libc = _libc()
    if libc is None:
        return False
    ok = libc.mallopt(M_MMAP_THRESHOLD, ctypes.c_int(MMAP_THRESHOLD))
    ok &= libc.mallopt(M_TRIM_THRESHOLD, ctypes.c_int(TRIM_THRESHOLD))
    return bool(ok)

