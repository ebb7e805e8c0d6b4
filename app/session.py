"""The training session: runs the engine's Trainer on a worker thread and hands its events to the
GUI thread.

The worker never touches Qt. Its listener only puts events on a queue; a QTimer on the GUI thread
drains the queue a few dozen times a second, folds per-batch events into one progress update and
emits Qt signals. Pause, Resume, Step and Stop are the Trainer's thread-safe flags. The trainer
runs on a snapshot of the graph taken at Run, so editing the graph while it trains cannot change
a running plan, and on its own copy of the weights: it publishes consistent snapshots (after
every epoch, on request, at the end) that the GUI thread puts into the document's store, so the
editor and the inspection views see the weights move without ever reading memory the training
thread is writing.
"""
import os
import queue
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, QTimer, Signal

from app import gui_gc
from app.step_recording import record_step
from engine.data import OutsideDataError
from engine.errors import EngineError
from engine.graph import events as ev
from engine.graph import fileformat
from engine.graph.training import NonFiniteLoss, Trainer

DRAIN_MS = 50                 # how often the GUI takes what the worker reported
LIVE_INTERVAL_S = 0.25        # live node tint: per-node statistics at most this often


def snapshot_graph(graph):
    """An independent copy of a graph (same node ids), through the file format."""
    return fileformat.from_document(fileformat.to_document(graph), source="training snapshot")


@dataclass
class Progress:
    epoch: int = 0
    epochs: int = 0
    batch: int = 0
    batches: int = 0
    step: int = 0
    samples_per_s: float = 0.0
    eta_s: float = None
    fraction: float = 0.0
    losses: list = field(default_factory=list)   # (step, loss) of the batches since the last update


class _Failure:
    def __init__(self, exc):
        self.exc = exc


class _Recorded:
    def __init__(self, recording, weights):
        self.recording, self.weights = recording, weights


class TrainingSession(QObject):
    state_changed = Signal(str)          # 'idle', 'running', 'paused', 'stopping'
    started = Signal()
    progress = Signal(object)            # Progress
    epoch_ended = Signal(object)         # engine EpochEnd
    node_activity = Signal(object)       # {node id: (activation mean |x| proxy, grad norm)}
    step_recorded = Signal(object)       # StepRecording
    weights_published = Signal()         # the document's store holds newer weights from the run
    finished = Signal(str, str)          # reason, message
    failed = Signal(str, object)         # message, node id or None
    outside_data = Signal(str)           # a data file outside the graph's folder waits for the user's yes

    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.document = document
        self.trainer = None
        self.thread = None
        self.live = True
        self.state = "idle"
        self._queue = queue.SimpleQueue()
        self._timer = QTimer(self)
        self._timer.setInterval(DRAIN_MS)
        self._timer.timeout.connect(self.drain)
        self._clock = None
        self._activity = {}
        self.pace = None              # epochs per second (None: full speed), or "epoch": pause after each

    # ------------------------------------------------------------- state
    @property
    def busy(self):
        """A run (or a recording) is alive on the worker thread."""
        return self.thread is not None and self.thread.is_alive()

    def _set_state(self, state):
        if state != self.state:
            self.state = state
            self.state_changed.emit(state)

    # ------------------------------------------------------------- control (GUI thread)
    def run(self, paused=False, overrides=None):
        """Start training the document's graph; with ``paused``, the run waits before its first batch."""
        if self.busy:
            return False
        graph = snapshot_graph(self.document.graph)
        base = os.path.dirname(self.document.path) if self.document.path else "."
        live = self.live
        tr = Trainer(graph, self.document.store.copy(), base_dir=base, listener=self._queue.put,
                     sample_interval=LIVE_INTERVAL_S if live else 0.0, allow_data=set(self.document.trusted_data))
        tr.evaluate_when_stopped = False
        self._apply_pace(tr)
        if paused:
            tr.pause()
        self.trainer = tr
        self._clock = _Clock()
        self._activity = {}
        # the worker gets plain objects only: no reference to a Qt wrapper may be dropped on its thread
        self.thread = threading.Thread(target=_train, args=(tr, overrides, self._queue.put), name="training",
                                       daemon=True)
        gui_gc.hold(self.thread)     # cycles are collected on this thread while the worker runs
        self._set_state("paused" if paused else "running")
        self.thread.start()
        self._timer.start()
        self.started.emit()
        return True

    def set_pace(self, pace):
        """None (full speed), a number of epochs per second, or "epoch" (pause after each one);
        applies to the running training at once and to the next ones."""
        self.pace = pace
        if self.trainer is not None:
            self._apply_pace(self.trainer)

    def _apply_pace(self, tr):
        if self.pace == "epoch":
            tr.set_pace(None, pause_each_epoch=True)
        else:
            tr.set_pace(self.pace, pause_each_epoch=False)

    def request_weights(self):
        """Ask the running trainer for its current weights (they arrive as weights_published)."""
        if self.busy and self.trainer is not None:
            self.trainer.request_weights()

    def can_restore_best(self):
        return self.trainer is not None and not self.busy and self.trainer.can_restore_best

    def pause(self):
        if self.busy and self.trainer:
            self.trainer.pause()
            self._clock.pause()
            self._set_state("paused")

    def resume(self):
        if self.busy and self.trainer:
            self.trainer.resume()
            self._clock.resume()
            self._set_state("running")

    def step(self):
        """One batch: from idle, starts a paused run and lets one batch through."""
        if not self.busy:
            self.run(paused=True)
        self._set_state("paused")
        self.trainer.step()

    def stop(self, wait=True, timeout=5.0):
        """Ask the run to stop; with ``wait``, return once the worker has finished (the last
        events are delivered before this returns)."""
        if not self.busy:
            return True
        self._set_state("stopping")
        self.trainer.stop()
        if wait:
            self.thread.join(timeout)
            self.drain()
            gui_gc.tick()
        return not self.busy

    def record_step(self):
        """Train one batch with every node reporting, on the worker; emits step_recorded."""
        if self.busy:
            return False
        graph = snapshot_graph(self.document.graph)
        base = os.path.dirname(self.document.path) if self.document.path else "."
        tr = Trainer(graph, self.document.store.copy(), base_dir=base, allow_data=set(self.document.trusted_data))
        self.thread = threading.Thread(target=_record_step, args=(tr, self._queue.put), name="record step",
                                       daemon=True)
        gui_gc.hold(self.thread)
        self._set_state("running")
        self.thread.start()
        self._timer.start()
        return True

    def reset_weights(self):
        """Forget the trained weights: the next run starts from the seeded initialisation."""
        if self.busy:
            return False
        self.document.store.clear()
        self.document.mark_trained(None)
        self.trainer = None
        return True

    # ------------------------------------------------------------- GUI thread
    def drain(self):
        """Take everything the worker reported so far and emit it as signals."""
        batches, last_batch, activity = [], None, False
        ends, published = [], False
        while True:
            try:
                e = self._queue.get_nowait()
            except queue.Empty:
                break
            if isinstance(e, ev.BatchEnd):
                batches.append((e.step, e.loss))
                last_batch = e
                if self._clock is not None:
                    self._clock.samples(e.samples)
            elif isinstance(e, ev.ForwardEnd):
                s = e.value
                self._activity[e.node] = ((s.mean ** 2 + s.std ** 2) ** 0.5, self._activity.get(e.node, (0, 0))[1])
                activity = True
            elif isinstance(e, ev.BackwardEnd):
                self._activity[e.node] = (self._activity.get(e.node, (0, 0))[0], e.grad_norm)
                activity = True
            elif isinstance(e, ev.WeightsPublished):
                self.document.store.replace_state(e.state)
                published = True
            elif isinstance(e, ev.EpochEnd):
                if published:
                    self.weights_published.emit()
                    published = False
                if batches:
                    self._emit_progress(batches, last_batch)
                    batches = []
                self.epoch_ended.emit(e)
                if e.paused and self.state == "running":      # the pace: one epoch at a time
                    self._clock.pause()
                    self._set_state("paused")
            elif isinstance(e, (ev.TrainingEnd, _Failure, _Recorded)):
                ends.append(e)
        if batches:
            self._emit_progress(batches, last_batch)
        if activity:
            self.node_activity.emit(dict(self._activity))
        if published:
            self.weights_published.emit()
        for e in ends:
            self._finish(e)
        if not self.busy and self._queue.empty() and not ends and self.state != "idle":
            self._finish(None)

    def _emit_progress(self, losses, e):
        if self._clock is None:
            return
        frac = ((e.epoch - 1) + e.batch / max(e.batches, 1)) / max(self.trainer.cfg["epochs"], 1)
        active = self._clock.active()
        eta = active * (1 - frac) / frac if frac > 0 else None
        self.progress.emit(Progress(e.epoch, self.trainer.cfg["epochs"], e.batch, e.batches, e.step,
                                    self._clock.rate(), eta, frac, losses))

    def _finish(self, e):
        self._timer.stop()
        if self.thread is not None:
            self.thread.join(1.0)
        gui_gc.tick()                # the worker has ended: the collector may be given back now
        tr = self.trainer
        self._set_state("idle")
        if isinstance(e, _Recorded):
            self.document.store.replace_state(e.weights)      # after the step the animation shows
            self.document.mark_trained(None)
            self.step_recorded.emit(e.recording)
        elif isinstance(e, _Failure):
            exc = e.exc
            node = exc.node if isinstance(exc, NonFiniteLoss) else None
            if isinstance(exc, OutsideDataError):
                self.outside_data.emit(exc.path)       # a question for the user, not a failure
                return
            msg = str(exc) if isinstance(exc, (EngineError, ValueError)) else f"{type(exc).__name__}: {exc}"
            self._keep_results(tr)
            self.failed.emit(msg, node)
        elif isinstance(e, ev.TrainingEnd):
            if e.reason == "non_finite":
                return                       # the _Failure carrying the exception follows
            self._keep_results(tr)
            self.finished.emit(e.reason, e.message)
        else:
            self.finished.emit("stopped", "")

    def _keep_results(self, tr):
        if tr is not None and tr.history.epochs:
            self.document.mark_trained(tr.history, tr.history.best_epoch(), tr.normalizer)

    # ------------------------------------------------------------- after a run
    def restore_best(self):
        """Put back the best epoch's weights; returns the (loss, metric) they now give on the
        validation set, or None when there is nothing to restore."""
        tr = self.trainer
        if tr is None or tr.best_weights is None or self.busy:
            return None
        tr.restore_best()
        self.document.store.replace_state(tr.store.state())
        self.document.mark_trained(None)
        return tr.evaluate_validation()


# ----------------------------------------------------------------- worker thread (no Qt here)
def _train(tr, overrides, put):
    try:
        tr.setup(overrides)
        tr.fit()
    except BaseException as exc:        # noqa: BLE001 — every failure must reach the window
        put(_Failure(exc))


def _record_step(tr, put):
    try:
        recording = record_step(tr)
        put(_Recorded(recording, tr.store.state()))
    except BaseException as exc:        # noqa: BLE001
        put(_Failure(exc))


class _Clock:
    """Active (unpaused) time and a recent samples-per-second rate."""

    def __init__(self):
        self.start = time.perf_counter()
        self.paused_at = None
        self.paused_total = 0.0
        self.window = deque()       # (time, samples) of the last 2 seconds
        self.in_window = 0          # samples in the window after its first entry (what rate() divides)

    def pause(self):
        if self.paused_at is None:
            self.paused_at = time.perf_counter()

    def resume(self):
        if self.paused_at is not None:
            self.paused_total += time.perf_counter() - self.paused_at
            self.paused_at = None

    def active(self):
        now = self.paused_at or time.perf_counter()
        return now - self.start - self.paused_total

    def samples(self, n):
        """Called for every batch: constant time (a fast MLP reports thousands a second)."""
        now = time.perf_counter()
        if self.window:
            self.in_window += n
        self.window.append((now, n))
        while now - self.window[0][0] > 2.0:
            self.window.popleft()
            self.in_window -= self.window[0][1]

    def rate(self):
        if len(self.window) < 2:
            return 0.0
        span = self.window[-1][0] - self.window[0][0]
        return self.in_window / span if span > 0 else 0.0
