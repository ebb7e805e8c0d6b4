"""What the colours on the canvas mean, on the canvas itself: a small box in the view's corner
during the step animation (the phase, and for gradients the log scale with its range) and while
training tints the nodes live. A plain child widget of the view's viewport (no proxy widget)."""
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QFontMetrics, QLinearGradient, QPainter, QPen
from PySide6.QtWidgets import QWidget

from . import style as S

PHASES = {
    "forward": ("1 · forward", "values flow through the graph", S.FORWARD),
    "backward": ("2 · backward", "gradients ‖∂L/∂·‖ flow back (log scale)", None),
    "update": ("3 · update", "each weight moves against its gradient", S.UPDATE),
    "live": ("training", "nodes tinted by their gradient ‖∂L/∂·‖ (log scale)", None),
}


def fmt(v):
    return f"{v:.2g}"


class CanvasLegend(QWidget):
    def __init__(self, view):
        super().__init__(view.viewport())
        self.setAttribute(Qt.WA_TransparentForMouseEvents)
        view.viewport().installEventFilter(self)
        self.phase = None
        self.lo, self.hi = 1e-4, 1.0
        self.hide()

    def show_phase(self, phase, lo=None, hi=None):
        """'forward', 'backward', 'update', 'live', or None to hide."""
        if phase == self.phase and phase is not None and self.isVisible() and (lo, hi) == (self.lo, self.hi):
            return                       # live training calls this a few times a second
        self.phase = phase
        if lo is not None:
            self.lo, self.hi = lo, hi
        if phase is None:
            self.hide()
            return
        self._resize()
        self.show()
        self.raise_()
        self.update()

    def _resize(self):
        fm = QFontMetrics(S.font(9))
        title, text, _ = PHASES[self.phase]
        width = max(fm.horizontalAdvance(text), fm.horizontalAdvance(title) + 40) + 24
        height = fm.height() * 2 + 14 + (26 if PHASES[self.phase][2] is None else 0)
        width = max(width, 220)
        vp = self.parentWidget().rect()          # the bottom right corner: graphs start at the top left
        self.setGeometry(vp.width() - width - 10, vp.height() - height - 30, width, height)   # above "more below"

    def eventFilter(self, watched, event):
        if event.type() == event.Type.Resize and self.phase is not None:
            self._resize()                       # keep to the corner when the view changes size
        return False

    def paintEvent(self, event):
        if self.phase is None:
            return
        title, text, color = PHASES[self.phase]
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing)
        r = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        p.setPen(QPen(S.LEGEND_FRAME, 1))
        p.setBrush(S.LEGEND_FILL)
        p.drawRoundedRect(r, 6, 6)
        fm = QFontMetrics(S.font(9, True))
        y = 6
        p.setFont(S.font(9, True))
        swatch = color or S.ramp(0.8)
        p.setBrush(swatch)
        p.setPen(Qt.NoPen)
        p.drawRoundedRect(QRectF(10, y + 2, 22, fm.height() - 4), 3, 3)
        p.setPen(S.TEXT)
        p.drawText(QRectF(40, y, r.width() - 48, fm.height()), Qt.AlignVCenter | Qt.AlignLeft, title)
        y += fm.height()
        p.setFont(S.font(9))
        fm = QFontMetrics(S.font(9))
        p.setPen(S.TEXT_DIM)
        p.drawText(QRectF(10, y, r.width() - 20, fm.height()), Qt.AlignVCenter | Qt.AlignLeft, text)
        y += fm.height() + 4
        if color is None:               # the gradient scale
            bar = QRectF(10, y, r.width() - 20, 10)
            grad = QLinearGradient(bar.topLeft(), bar.topRight())
            for i in range(11):
                grad.setColorAt(i / 10, S.ramp(i / 10))
            p.fillRect(bar, grad)
            p.setFont(S.font(8))
            p.setPen(S.TEXT_DIM)
            p.drawText(QRectF(10, y + 10, r.width() - 20, 14), Qt.AlignLeft | Qt.AlignVCenter, fmt(self.lo))
            p.drawText(QRectF(10, y + 10, r.width() - 20, 14), Qt.AlignRight | Qt.AlignVCenter, fmt(self.hi))
        p.end()
