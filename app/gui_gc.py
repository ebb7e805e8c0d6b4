"""Cyclic garbage is collected on the GUI thread while a training thread runs.

CPython runs its cycle collector in whichever thread happens to allocate when the thresholds
are crossed. If that is the training thread and the garbage holds Qt wrappers (closed windows,
replaced views), their C++ destructors run there, take a Qt lock and wait for the GIL while the
GUI thread, holding the GIL, waits for that lock: a deadlock (seen in the test suite, with gdb).
So while a worker runs the automatic collector is off, and the GUI thread collects on its own
timer, generation by generation, as pyqtgraph's GarbageCollector does."""
import gc
import time

_holds = 0
_was_enabled = True
_last = 0.0
INTERVAL_S = 0.5


def hold():
    """A worker starts: no automatic collection until every worker has finished."""
    global _holds, _was_enabled
    if _holds == 0:
        _was_enabled = gc.isenabled()
        gc.disable()
    _holds += 1


def release():
    global _holds
    if _holds == 0:
        return
    _holds -= 1
    if _holds == 0:
        gc.collect()                      # on the GUI thread, what piled up meanwhile
        if _was_enabled:
            gc.enable()


def tick():
    """Called on the GUI thread (the session's drain timer): collect what the thresholds call for."""
    global _last
    if _holds == 0:
        return
    now = time.perf_counter()
    if now - _last < INTERVAL_S:
        return
    _last = now
    counts, limits = gc.get_count(), gc.get_threshold()
    if counts[0] > limits[0]:
        generation = 2 if counts[2] > limits[2] else (1 if counts[1] > limits[1] else 0)
        gc.collect(generation)
