"""Cyclic garbage is collected on the GUI thread while a training thread runs.

CPython runs its cycle collector in whichever thread happens to allocate when the thresholds
are crossed. If that is the training thread and the garbage holds Qt wrappers (closed windows,
replaced views), their C++ destructors run there, take a Qt lock and wait for the GIL while the
GUI thread, holding the GIL, waits for that lock: a deadlock (seen in the test suite, with gdb).
So while a worker thread is alive the automatic collector is off, and a timer on the GUI thread
collects, generation by generation, as pyqtgraph's GarbageCollector does. The timer also notices
when the last worker has ended and turns the collector back on, whatever happened to the session
that started it."""
import gc

from PySide6.QtCore import QTimer

INTERVAL_MS = 500
_threads = []
_timer = None
_was_enabled = True


def hold(thread):
    """``thread`` (started, or about to be) runs Python code that must not collect Qt garbage.
    Call on the GUI thread."""
    global _timer, _was_enabled
    if not _threads:
        _was_enabled = gc.isenabled()
        gc.disable()
    _threads.append(thread)
    if _timer is None:
        _timer = QTimer()
        _timer.setInterval(INTERVAL_MS)
        _timer.timeout.connect(tick)
    _timer.start()


def tick():
    """On the GUI thread: collect what the thresholds call for; once no worker is alive, give the
    collector back."""
    alive = [t for t in _threads if t.is_alive() or t.ident is None]     # None: not started yet
    _threads[:] = alive
    if not alive:
        if _timer is not None:
            _timer.stop()
        gc.collect()
        if _was_enabled:
            gc.enable()
        return
    counts, limits = gc.get_count(), gc.get_threshold()
    if counts[0] > limits[0]:
        generation = 2 if counts[2] > limits[2] else (1 if counts[1] > limits[1] else 0)
        gc.collect(generation)
