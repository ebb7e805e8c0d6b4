"""Playing back one recorded training step on the canvas.

Forward: the nodes light up in execution order, each showing its real output statistics, and a
pulse runs along each outgoing wire (the wire keeps its shape label). Backward: the nodes in
reverse order take the colour of their gradient's norm on a log scale (legend beside the
controls). The animator only decorates scene items; the recording comes from the engine."""
import math

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QLinearGradient, QPainter
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QVBoxLayout, QWidget

from . import style as S

FRAME_MS = 30
NODE_MS = 600                # time per node at speed 1


def _fmt(v):
    return f"{v:.3g}"


class StepAnimator(QObject):
    visited = Signal(str, str)          # phase ('forward'/'backward'), node id
    finished = Signal()
    frame_changed = Signal(int, int)    # index, count

    def __init__(self, scene, parent=None):
        super().__init__(parent)
        self.scene = scene
        self.frames = []                 # [(phase, node id, badge, colour)]
        self.index = -1
        self.speed = 1.0
        self.lo = self.hi = 1.0
        self._t = 0.0
        self._timer = QTimer(self)
        self._timer.setInterval(FRAME_MS)
        self._timer.timeout.connect(self._tick)

    @property
    def playing(self):
        return self._timer.isActive()

    def load(self, recording):
        self.clear()
        norms = [g for _, g, _ in recording.backward if g > 0]
        self.lo, self.hi = (min(norms), max(norms)) if norms else (1e-8, 1.0)
        if self.hi <= self.lo:
            self.hi = self.lo * 10
        self.frames = []
        for nid, s in recording.forward:
            badge = f"{_fmt(s.mean)} ± {_fmt(s.std)}  [{_fmt(s.min)}, {_fmt(s.max)}]"
            self.frames.append(("forward", nid, badge, S.FORWARD))
        for nid, g, wn in recording.backward:
            badge = f"‖∂L/∂out‖ {_fmt(g)}" + "".join(f"  ‖∂{k}‖ {_fmt(v)}" for k, v in wn.items())
            self.frames.append(("backward", nid, badge, S.ramp(S.log_position(g, self.lo, self.hi))))
        self.index = -1
        self.frame_changed.emit(self.index, len(self.frames))

    def clear(self):
        self._timer.stop()
        for item in self.scene.node_items.values():
            item.set_glow(None, "")
        for e in self.scene.edge_items.values():
            e.set_pulse(None)
        self.index = -1

    def play(self):
        if not self.frames:
            return
        if self.index >= len(self.frames) - 1:
            self.restart_frames()
        self._timer.start()

    def pause(self):
        self._timer.stop()

    def restart_frames(self):
        for item in self.scene.node_items.values():
            item.set_glow(None, "")
        self.index = -1

    def step(self):
        """Go to the next node (the pulse jumps to the end of its wires)."""
        self._timer.stop()
        self._advance()
        self._show_pulse(1.0)

    def run_to_end(self):
        """Every frame at once (tests, and 'skip to end')."""
        self._timer.stop()
        while self.index < len(self.frames) - 1:
            self._advance()
        self._show_pulse(None)

    def _advance(self):
        if self.index >= len(self.frames) - 1:
            return False
        self._show_pulse(None)
        self.index += 1
        self._t = 0.0
        phase, nid, badge, color = self.frames[self.index]
        item = self.scene.node_items.get(nid)
        if item is not None:
            if phase == "forward" and self.index > 0 and self.frames[self.index - 1][0] == "forward":
                prev = self.scene.node_items.get(self.frames[self.index - 1][1])
                if prev is not None:        # the previous forward node dims to a faint glow
                    prev.set_glow(S.FORWARD.darker(170))
            item.set_glow(color, badge)
        self.visited.emit(phase, nid)
        self.frame_changed.emit(self.index, len(self.frames))
        if self.index == len(self.frames) - 1:
            self.finished.emit()
        return True

    def _edges_out(self, nid):
        item = self.scene.node_items.get(nid)
        if item is None:
            return []
        return [e for e in item.edges if e.src_port.node_item is item]

    def _edges_in(self, nid):
        item = self.scene.node_items.get(nid)
        if item is None:
            return []
        return [e for e in item.edges if e.dst_port.node_item is item]

    def _show_pulse(self, at):
        if not 0 <= self.index < len(self.frames):
            return
        phase, nid, _, color = self.frames[self.index]
        if phase == "forward":
            for e in self._edges_out(nid):
                e.set_pulse(at, S.FORWARD)
        else:                              # gradients travel backwards, against the wires
            for e in self._edges_in(nid):
                e.set_pulse(None if at is None else 1.0 - at, color)

    def _tick(self):
        if self.index < 0:
            self._advance()
            return
        self._t += FRAME_MS * self.speed / NODE_MS
        if self._t >= 1.0:
            if not self._advance():
                self._show_pulse(None)
                self._timer.stop()
            return
        self._show_pulse(self._t)


class GradientLegend(QWidget):
    """The log colour scale of gradient norms."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.lo, self.hi = 1e-4, 1.0
        self.setMinimumSize(180, 34)

    def set_range(self, lo, hi):
        self.lo, self.hi = lo, hi
        self.update()

    def paintEvent(self, event):
        p = QPainter(self)
        bar = self.rect().adjusted(4, 2, -4, -18)
        grad = QLinearGradient(bar.topLeft(), bar.topRight())
        for i in range(11):
            grad.setColorAt(i / 10, S.ramp(i / 10))
        p.fillRect(bar, grad)
        p.setPen(self.palette().text().color())
        p.setFont(S.font(8))
        p.drawText(self.rect().adjusted(4, 0, -4, 0), Qt.AlignBottom | Qt.AlignLeft, f"{self.lo:.2g}")
        p.drawText(self.rect().adjusted(4, 0, -4, 0), Qt.AlignBottom | Qt.AlignHCenter, "‖gradient‖ (log)")
        p.drawText(self.rect().adjusted(4, 0, -4, 0), Qt.AlignBottom | Qt.AlignRight, f"{self.hi:.2g}")
        p.end()


class AnimationControls(QWidget):
    """Animate one step, Play/Pause, Step, speed, and the legend."""

    def __init__(self, animator, parent=None):
        super().__init__(parent)
        self.animator = animator
        lay = QVBoxLayout(self)
        row = QHBoxLayout()
        self.record_button = QPushButton("Animate one step", self)
        self.record_button.setToolTip("Train one batch with every node reporting, then play it back")
        self.play_button = QPushButton("Play", self)
        self.step_button = QPushButton("Next node", self)
        self.clear_button = QPushButton("Clear", self)
        for b in (self.record_button, self.play_button, self.step_button, self.clear_button):
            row.addWidget(b)
        lay.addLayout(row)
        row = QHBoxLayout()
        row.addWidget(QLabel("Speed", self))
        self.speed = QSlider(Qt.Horizontal, self)
        self.speed.setRange(-3, 3)         # 2**k × normal speed
        self.speed.setValue(0)
        self.speed.valueChanged.connect(lambda k: setattr(animator, "speed", 2.0 ** k))
        row.addWidget(self.speed)
        lay.addLayout(row)
        self.where = QLabel("Press “Animate one step”: a real training step is recorded node by node, then played "
                            "back: forward lights the nodes in order, backward colours them by gradient size.", self)
        self.where.setWordWrap(True)
        lay.addWidget(self.where)
        self.legend = GradientLegend(self)
        lay.addWidget(self.legend)
        lay.addStretch(1)
        self.play_button.clicked.connect(self._play_pause)
        self.step_button.clicked.connect(animator.step)
        self.clear_button.clicked.connect(animator.clear)
        animator.frame_changed.connect(self._frame)
        animator._timer.timeout.connect(self._sync)
        self._sync()

    def _play_pause(self):
        if self.animator.playing:
            self.animator.pause()
        else:
            self.animator.play()
        self._sync()

    def _sync(self):
        self.play_button.setText("Pause" if self.animator.playing else "Play")
        has = bool(self.animator.frames)
        self.play_button.setEnabled(has)
        self.step_button.setEnabled(has)

    def _frame(self, index, count):
        self.legend.set_range(self.animator.lo, self.animator.hi)
        if 0 <= index < count:
            phase, nid, badge, _ = self.animator.frames[index]
            item = self.animator.scene.node_items.get(nid)
            name = item.title if item else nid
            self.where.setText(f"{phase} {index + 1}/{count}: {name} — {badge}")
        self._sync()
