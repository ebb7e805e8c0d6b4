"""The run controls in the training toolbar: Train, Pause/Resume, Stop, one batch, Reset, the
pace (full speed, a number of epochs per second, or one epoch at a time), and the progress bar
that doubles as the run's status line. They stay in view whatever docks are shown."""
import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QProgressBar, QToolButton, QWidget

PACES = (("Full speed", None), ("20 epochs/s", 20.0), ("10 epochs/s", 10.0), ("5 epochs/s", 5.0),
         ("2 epochs/s", 2.0), ("1 epoch/s", 1.0), ("1 epoch / 2 s", 0.5), ("Pause after each epoch", "epoch"))


def clock(seconds):
    if seconds is None or not np.isfinite(seconds):
        return "—"
    seconds = int(round(seconds))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class RunControls(QWidget):
    run_clicked = Signal()
    pause_clicked = Signal()
    stop_clicked = Signal()
    step_clicked = Signal()
    reset_clicked = Signal()
    pace_changed = Signal(object)        # None, epochs per second, or "epoch"

    def __init__(self, parent=None):
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(4, 0, 4, 0)
        self.run_button = self._button("▶ Train")
        self.pause_button = self._button("Pause")
        self.stop_button = self._button("■ Stop")
        self.step_button = self._button("Step")
        self.reset_button = self._button("Reset")
        self.run_button.setStyleSheet("QToolButton:enabled { font-weight: bold }")
        self.run_button.setToolTip("Train the graph on its data set (F5)")
        self.stop_button.setToolTip("Stop training (Shift+F5)")
        self.step_button.setToolTip("Train one batch, then pause (F10)")
        self.reset_button.setToolTip("Forget the trained weights; the next run starts from the seeded initialisation")
        self.pace = QComboBox(self)
        for text, value in PACES:
            self.pace.addItem(text, value)
        self.pace.setToolTip("How fast training runs. Slower paces only wait between batches: "
                             "the same seed gives the same numbers at any pace.")
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(True)
        self.progress.setFormat("")
        self.progress.setMinimumWidth(200)
        for w in (self.run_button, self.pause_button, self.stop_button, self.step_button, self.reset_button):
            lay.addWidget(w)
        lay.addSpacing(8)
        lay.addWidget(QLabel("Pace", self))
        lay.addWidget(self.pace)
        lay.addSpacing(8)
        lay.addWidget(self.progress, 1)
        self.run_button.clicked.connect(self.run_clicked)
        self.pause_button.clicked.connect(self.pause_clicked)
        self.stop_button.clicked.connect(self.stop_clicked)
        self.step_button.clicked.connect(self.step_clicked)
        self.reset_button.clicked.connect(self.reset_clicked)
        self.pace.activated.connect(lambda i: self.pace_changed.emit(self.pace.itemData(i)))
        self.blocked_reason = None
        self.has_weights = False
        self._text = None
        self.state = "idle"
        self.set_state("idle")

    def _button(self, text):
        b = QToolButton(self)
        b.setText(text)
        b.setToolButtonStyle(Qt.ToolButtonTextOnly)
        b.setMinimumWidth(54)
        return b

    # ------------------------------------------------------------- state
    def set_pace(self, value):
        """None, "epoch" or a number of epochs per second (one not in the list is added to it)."""
        if isinstance(value, str) and value != "epoch":
            try:
                value = float(value)              # QSettings gives numbers back as text
            except ValueError:
                value = None
        if isinstance(value, (int, float)) and not value > 0:
            value = None
        i = self.pace.findData(value)
        if i < 0 and isinstance(value, (int, float)):
            self.pace.insertItem(1, f"{value:g} epochs/s", float(value))
            i = 1
        self.pace.setCurrentIndex(max(i, 0))

    def pace_value(self):
        return self.pace.currentData()

    def set_has_weights(self, has):
        """Reset has something to forget only once the graph has trained weights."""
        self.has_weights = bool(has)
        self.set_state(self.state)

    def set_blocked(self, reason):
        """Why training cannot start (an error in the graph, no data set), or None."""
        self.blocked_reason = reason
        self.set_state(self.state)
        shown = self.text()
        if self.state == "idle" and (reason or not shown or shown.startswith(("Cannot train", "Ready"))):
            self.show_text(f"Cannot train yet: {reason}" if reason else "Ready: press Train (F5)", 0.0)

    def set_state(self, state):
        """'idle', 'running', 'paused' or 'stopping'."""
        self.state = state
        idle = state == "idle"
        can_start = idle and self.blocked_reason is None
        self.run_button.setEnabled(can_start)
        self.run_button.setToolTip("Train the graph on its data set (F5)" if self.blocked_reason is None
                                   else f"Cannot train yet: {self.blocked_reason}")
        self.pause_button.setEnabled(state in ("running", "paused"))
        self.pause_button.setText(("Continue" if self.pace_value() == "epoch" else "Resume")
                                  if state == "paused" else "Pause")
        self.stop_button.setEnabled(state in ("running", "paused"))
        self.step_button.setEnabled((idle and self.blocked_reason is None) or state == "paused")
        self.reset_button.setEnabled(idle and self.has_weights)

    # ------------------------------------------------------------- progress
    def show_progress(self, p):
        self.progress.setValue(int(1000 * p.fraction))
        self._text = None
        self.progress.setFormat(f"epoch {p.epoch}/{p.epochs} · batch {p.batch}/{p.batches} · "
                                f"{p.samples_per_s:,.0f} samples/s · {clock(p.eta_s)} left")
        self.progress.setToolTip("")

    def show_text(self, text, fraction=None):
        """A line about the run (finished, failed, restored…) in the bar, elided to fit; the whole
        of it in the bar's tooltip (and the window's status bar). ``fraction``: fill the bar so
        far (1.0 once a run has finished)."""
        self._text = text
        if fraction is not None:
            self.progress.setValue(int(1000 * fraction))
        self.progress.setToolTip(text)
        self._fit_text()

    def _fit_text(self):
        if self._text is None:
            return
        width = max(self.progress.width() - 16, 40)
        shown = self.progress.fontMetrics().elidedText(self._text, Qt.ElideRight, width)
        self.progress.setFormat(shown.replace("%", "%%"))

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self._fit_text()

    def text(self):
        """The whole line the bar shows (a run's status, or its progress)."""
        return self._text if self._text is not None else self.progress.format()
