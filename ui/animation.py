"""Playing back one recorded training step on the canvas, as the three things a step does.

1. Forward (amber): the nodes light up in execution order, each showing its real output (mean ±
   std and range, the class counts of integer labels, the loss on the loss node), and a pulse runs
   along each outgoing wire.
2. Backward (blues, brighter = larger on a log scale, never too dark to see): the forward light is
   cleared, then the nodes in reverse order take the colour of their gradient, and particles run
   back along each input wire, sized by what that wire carries back, its norm written on it.
3. Update (green): every node with weights shows how far they moved (‖Δw‖; for plain SGD,
   lr × ‖∂L/∂w‖ beside it).

The animator only decorates scene items; the recording comes from the engine
(app/step_recording.py). A legend on the canvas says which phase is on and what the colours mean.
"""
import math

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QVBoxLayout, QWidget

from . import style as S

FRAME_MS = 30
NODE_MS = 700                # time per node at speed 1
SHORT = {"weight": "W", "bias": "b"}


def _g(v):
    return f"{v:.3g}"


def _norm(values):
    return math.sqrt(sum(v * v for v in values))


def _fits(text):
    """Whether a badge line fits a node (badges are never elided: a shorter form is chosen)."""
    return QFontMetrics(S.font()).horizontalAdvance(text) <= S.NODE_WIDTH - 16


def forward_badge(summary, is_loss, loss):
    """Two lines at most, short enough for a node: the node's output of this step."""
    if is_loss and loss is not None:
        return f"loss {_g(loss)}"
    if summary.counts:
        n = sum(k for _, k in summary.counts)
        line = "  ".join(f"class {v}: {k}" for v, k in summary.counts)
        if len(summary.counts) <= 3 and _fits(line):
            return f"{line}\n(labels of the {n} samples)"
        v, k = max(summary.counts, key=lambda c: c[1])
        return f"{len(summary.counts)} classes in {n} labels\nmost: class {v} ({k})"
    return f"mean {_g(summary.mean)} ± {_g(summary.std)}\nrange {_g(summary.min)} … {_g(summary.max)}"


def backward_badge(grad, weights, is_loss):
    first = "∂L/∂L = 1" if is_loss else f"‖∂L/∂y‖ {_g(grad)}"
    if not weights:
        return first
    parts = [f"‖∂L/∂{SHORT.get(k, k)}‖ {_g(v)}" for k, v in weights.items()]
    second = "  ".join(parts)
    if not _fits(second):
        second = f"‖∂L/∂weights‖ {_g(_norm(weights.values()))}"
    return f"{first}\n{second}"


def update_badge(moved, plain_sgd, lr, optimizer):
    parts = [f"‖Δ{SHORT.get(k, k)}‖ {_g(d)}" for k, (d, _) in moved.items()]
    first = "  ".join(parts)
    if not _fits(first):
        first = f"‖Δweights‖ {_g(_norm(d for d, _ in moved.values()))}"
    if plain_sgd:
        g = _norm(g for _, g in moved.values())
        second = f"= lr × ‖∂L/∂w‖ = {lr:g} × {_g(g)}"
        return f"{first}\n{second if _fits(second) else f'= {lr:g} × ‖∂L/∂w‖'}"
    return f"{first}\n{optimizer} step, lr {lr:g}"


class StepAnimator(QObject):
    visited = Signal(str, str)          # phase ('forward', 'backward', 'update'), node id
    finished = Signal()
    frame_changed = Signal(int, int)    # index, count
    phase_changed = Signal(object)      # the phase now shown (None: cleared)

    def __init__(self, scene, parent=None):
        super().__init__(parent)
        self.scene = scene
        self.frames = []                 # [(phase, node id, badge, colour, tooltip)]
        self.recording = None
        self.index = -1
        self.speed = 1.0
        self.lo = self.hi = 1.0
        self.phase = None
        self._t = 0.0
        self._timer = QTimer(self)
        self._timer.setInterval(FRAME_MS)
        self._timer.timeout.connect(self._tick)

    @property
    def playing(self):
        return self._timer.isActive()

    def level(self, value):
        return S.log_position(value, self.lo, self.hi) if value > 0 else 0.0

    def load(self, recording):
        self.clear()
        self.recording = recording
        graph = recording.graph
        self.lo, self.hi = S.log_range([g for _, g, _ in recording.backward] + list(recording.wires.values()))

        def is_loss(nid):
            return graph is not None and nid in graph.nodes and graph.nodes[nid].type.role == "loss"
        self.frames = []
        for nid, s in recording.forward:
            badge = forward_badge(s, is_loss(nid), recording.loss)
            tip = (f"forward: shape {s.shape}, mean {s.mean!r}, std {s.std!r}, min {s.min!r}, max {s.max!r}"
                   + (f", counts {dict(s.counts)}" if s.counts else ""))
            self.frames.append(("forward", nid, badge, S.FORWARD, tip))
        for nid, g, wn in recording.backward:
            tip = f"backward: ‖∂L/∂output‖ = {g!r}" + "".join(f", ‖∂L/∂{k}‖ = {v!r}" for k, v in wn.items())
            self.frames.append(("backward", nid, backward_badge(g, wn, is_loss(nid)), S.ramp(self.level(g)), tip))
        for nid, moved in recording.updates:
            tip = "update: " + ", ".join(f"‖Δ{k}‖ = {d!r} (‖∂L/∂{k}‖ = {g!r})" for k, (d, g) in moved.items())
            self.frames.append(("update", nid, update_badge(moved, recording.plain_sgd, recording.lr,
                                                             recording.optimizer), S.UPDATE, tip))
        self.index = -1
        self.frame_changed.emit(self.index, len(self.frames))

    def clear(self):
        self._timer.stop()
        self._clear_canvas()
        self.index = -1
        self._set_phase(None)

    def _clear_canvas(self):
        for item in self.scene.node_items.values():
            item.set_current(False)
            item.set_glow(None, "")
            item.set_analysis(item.issues, item.summary)         # the usual tooltip back
        for e in self.scene.edge_items.values():
            e.set_pulse(None)
            e.set_flow(None)

    def _set_phase(self, phase):
        if phase != self.phase:
            self.phase = phase
            self.phase_changed.emit(phase)

    def play(self):
        if not self.frames:
            return
        if self.index >= len(self.frames) - 1:
            self.restart_frames()
        self._timer.start()

    def pause(self):
        self._timer.stop()

    def restart_frames(self):
        self._clear_canvas()
        self.index = -1
        self._set_phase(None)

    def step(self):
        """Go to the next node (the wire animation jumps to its end)."""
        self._timer.stop()
        self._advance()
        self._animate_wires(1.0)

    def run_to_end(self):
        """Every frame at once (tests, and 'skip to end')."""
        self._timer.stop()
        while self.index < len(self.frames) - 1:
            self._advance()
        self._animate_wires(None)

    def _advance(self):
        if self.index >= len(self.frames) - 1:
            return False
        self._animate_wires(None, keep_labels=True)
        previous = self.frames[self.index] if self.index >= 0 else None
        self.index += 1
        self._t = 0.0
        phase, nid, badge, color, tip = self.frames[self.index]
        if previous is not None and previous[0] != phase:
            self._clear_canvas()            # a new phase starts on a clean canvas
        elif previous is not None and phase == "forward":
            prev = self.scene.node_items.get(previous[1])
            if prev is not None:            # the previous forward node dims, keeping its value
                prev.set_glow(S.FORWARD.darker(170))
        self._set_phase(phase)
        if previous is not None:
            prev = self.scene.node_items.get(previous[1])
            if prev is not None:
                prev.set_current(False)
        item = self.scene.node_items.get(nid)
        if item is not None:
            item.set_current(True)
            item.set_glow(color, badge)
            item.setToolTip(f"{item.title}\n{tip}")
        self.visited.emit(phase, nid)
        self.frame_changed.emit(self.index, len(self.frames))
        if self.index == len(self.frames) - 1:
            self.finished.emit()
        return True

    def _edges(self, nid, outgoing):
        item = self.scene.node_items.get(nid)
        if item is None:
            return []
        return [e for e in item.edges if (e.src_port.node_item is item) == outgoing]

    def _animate_wires(self, at, keep_labels=False):
        """Forward: a pulse along the node's outgoing wires. Backward: particles running back along
        its input wires (kept, without motion, when the next node comes, so the gradients' path
        stays written on the canvas)."""
        if not 0 <= self.index < len(self.frames):
            return
        phase, nid, _, _, _ = self.frames[self.index]
        if phase == "forward":
            for e in self._edges(nid, outgoing=True):
                e.set_pulse(at, S.FORWARD)
        elif phase == "backward" and self.recording is not None:
            for e in self._edges(nid, outgoing=False):
                norm = self.recording.wires.get((nid, e.dst_port.name))
                if norm is None:
                    continue
                level = self.level(norm)
                color = S.ramp(level)
                if at is None and not keep_labels:
                    e.set_flow(None)
                else:
                    e.set_flow(0.0 if at is None else at, color, 2.5 + 4.5 * level, f"‖∂‖ {_g(norm)}")

    def _tick(self):
        if self.index < 0:
            self._advance()
            return
        self._t += FRAME_MS * self.speed / NODE_MS
        if self._t >= 1.0:
            if not self._advance():
                self._animate_wires(None, keep_labels=True)
                self._timer.stop()
            return
        self._animate_wires(self._t)


class AnimationControls(QWidget):
    """Animate one step, Play/Pause, Next node, speed; what is happening in words; and the
    chain rule at the node the backward pass is at (or the selected one)."""

    def __init__(self, animator, parent=None):
        super().__init__(parent)
        self.animator = animator
        self.chain_source = None          # node id -> (html, ChainRule or None), set by the training view
        self.live = False
        lay = QVBoxLayout(self)
        row = QHBoxLayout()
        self.record_button = QPushButton("Animate one step", self)
        self.record_button.setToolTip("Train one batch with every node reporting, then play it back")
        self.play_button = QPushButton("Play", self)
        self.step_button = QPushButton("Next node", self)
        self.clear_button = QPushButton("Clear", self)
        for b in (self.record_button, self.play_button, self.step_button, self.clear_button):
            row.addWidget(b)
        row.addWidget(QLabel("Speed", self))
        self.speed = QSlider(Qt.Horizontal, self)
        self.speed.setRange(-3, 3)         # 2**k × normal speed
        self.speed.setValue(0)
        self.speed.setMaximumWidth(160)
        self.speed.valueChanged.connect(lambda k: setattr(animator, "speed", 2.0 ** k))
        row.addWidget(self.speed)
        row.addStretch(1)
        lay.addLayout(row)
        self.where = QLabel(INTRO, self)
        self.where.setWordWrap(True)
        self.where.setTextFormat(Qt.RichText)
        lay.addWidget(self.where)
        self.chain = QLabel("", self)
        self.chain.setWordWrap(True)
        self.chain.setTextFormat(Qt.RichText)
        self.chain.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.chain.setStyleSheet(f"QLabel {{ background: {S.BACKGROUND.name()}; color: {S.TEXT.name()}; padding: 6px; "
                                 "border-radius: 4px }")
        self.chain.hide()
        lay.addWidget(self.chain)
        lay.addStretch(1)
        self.chain_rule = None            # the last ChainRule shown (tests)
        self.play_button.clicked.connect(self._play_pause)
        self.step_button.clicked.connect(animator.step)
        self.clear_button.clicked.connect(self._clear)
        animator.frame_changed.connect(self._frame)
        animator._timer.timeout.connect(self._sync)
        self._sync()

    def _clear(self):
        self.animator.clear()
        self.chain.hide()
        self.where.setText(INTRO)

    def _play_pause(self):
        if self.animator.playing:
            self.animator.pause()
        else:
            self.animator.play()
        self._sync()

    def _sync(self):
        self.play_button.setText("Pause" if self.animator.playing else "Play")
        has = bool(self.animator.frames) and not self.live
        self.play_button.setEnabled(has)
        self.step_button.setEnabled(has)

    def _frame(self, index, count):
        if 0 <= index < count:
            phase, nid, badge, _, _ = self.animator.frames[index]
            item = self.animator.scene.node_items.get(nid)
            name = item.title if item else nid
            what = {"forward": "forward: computing", "backward": "backward: the gradient reaches",
                    "update": "update: the weights of"}[phase]
            self.where.setText(f"<b>{PHASE_NAMES[phase]}</b> ({index + 1}/{count}) — {what} <b>{name}</b>: "
                               f"{badge.replace(chr(10), ' · ')}")
            if phase == "backward":
                self.show_chain(nid)
            else:
                self.chain.hide()
        self._sync()

    def show_chain(self, node_id):
        """The chain rule at a node, with the recorded step's numbers."""
        if self.chain_source is None or self.animator.recording is None or node_id is None:
            self.chain.hide()
            return None
        html, rule = self.chain_source(node_id)
        self.chain_rule = rule
        self.chain.setText(html)
        self.chain.setVisible(bool(html))
        return rule

    # ------------------------------------------------------------- live training
    def restyle(self):
        """Presentation mode: the words and the chain rule as large as the plots' text."""
        for label in (self.where, self.chain):
            label.setFont(S.plot_font(9.5))

    def show_live(self, on, text=""):
        """While training runs the tab speaks of the live tint, not of an old recording."""
        self.live = on
        if on:
            self.where.setText(f"<b>Training</b> — {text or LIVE_TEXT}")
            self.chain.hide()
        elif self.animator.frames and 0 <= self.animator.index < len(self.animator.frames):
            self._frame(self.animator.index, len(self.animator.frames))
        else:
            self.where.setText(INTRO)
        self._sync()


PHASE_NAMES = {"forward": "1 · Forward", "backward": "2 · Backward", "update": "3 · Update"}
INTRO = ("Press <b>Animate one step</b> (F6): one real training step is recorded node by node and played back "
         f"on the canvas — <span style='color:{S.FORWARD.name()}'>forward</span> (values flow through the graph), "
         f"<span style='color:{S.BACKWARD.name()}'>backward</span> (gradients flow back, brighter = larger), "
         f"<span style='color:{S.UPDATE.name()}'>update</span> (the weights move). During the backward pass this panel "
         "shows the chain rule at each node with that step's numbers.")
LIVE_TEXT = ("the nodes are tinted live by the size of their gradient (the legend on the canvas gives the scale); "
             "the recording comes back when training stops.")
