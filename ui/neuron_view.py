"""The neuron view: every unit of each Dense layer as a small picture of its activation over the
plane of a 2-input network (TensorFlow Playground's picture; the first 16 units of wider layers),
or as a coloured square for one sample of other inputs; the connections drawn with thickness and
colour from the weights' magnitude and sign. Click a unit: its incoming weights and its share of
what the next layer receives. Draws what app/inspection.py computes."""
import numpy as np
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSpinBox, QVBoxLayout, QWidget

from . import style as S
from .inspection import DIVERGING, SEQUENTIAL  # noqa: F401 — SEQUENTIAL: the lookup for non-negative maps

# one colour code for the whole view: red positive, blue negative, dark near 0 — the units'
# pictures and the weights' lines alike
POSITIVE, NEGATIVE = S.POSITIVE, S.NEGATIVE
DIV_LUT = DIVERGING.getLookupTable(0.0, 1.0, 256, alpha=False)
SEQ_LUT = SEQUENTIAL.getLookupTable(0.0, 1.0, 256, alpha=False)


def picture(values, lo, hi, sequential):
    """A QImage of a (G, G) map (row 0 at the bottom: y grows upward), coloured on [lo, hi]."""
    t = np.clip((values - lo) / (hi - lo if hi > lo else 1.0), 0.0, 1.0)
    lut = SEQ_LUT if sequential else DIV_LUT
    rgb = np.ascontiguousarray(lut[(t * 255).astype(np.int64)][::-1].astype(np.uint8))
    h, w = t.shape
    return QImage(rgb.data, w, h, 3 * w, QImage.Format_RGB888).copy()


def colour_of(v, lo, hi, sequential):
    t = float(np.clip((v - lo) / (hi - lo if hi > lo else 1.0), 0.0, 1.0))
    r, g, b = (SEQ_LUT if sequential else DIV_LUT)[int(t * 255)]
    return QColor(int(r), int(g), int(b))


def value_range(values):
    """(lo, hi, sequential) for a layer: symmetric around 0, so dark is 0, red positive and blue
    negative in every layer (a ReLU's units are dark or red)."""
    m = float(np.max(np.abs(values))) or 1.0
    return -m, m, False


class NeuronCanvas(QWidget):
    unit_clicked = Signal(int, int)          # layer index (0: the inputs), unit

    def __init__(self, parent=None):
        super().__init__(parent)
        self.data = None
        self.rects = {}                      # (layer, unit) -> QRectF
        self.selected = None
        self.images = {}
        self.setMinimumHeight(160)

    def set_data(self, data):
        self.data = data
        self.images = {}
        if data is not None and data.xs is not None:
            cols = [data.inputs] + [layer.values for layer in data.layers]
            for li, vals in enumerate(cols):
                lo, hi, seq = value_range(vals)
                for u, m in enumerate(vals):
                    self.images[(li, u)] = picture(m, lo, hi, seq)
        if data is not None:
            self._layout()                   # where each unit is, for clicks before the next paint
        self.update()

    def resizeEvent(self, event):
        super().resizeEvent(event)
        if self.data is not None:
            self._layout()

    def columns(self):
        d = self.data
        return [d.inputs] + [layer.values for layer in d.layers]

    def _layout(self):
        """Each layer a block of units (one column, or a few when that shows them larger), the
        blocks spread across the width."""
        cols = self.columns()
        n = len(cols)
        w, h = self.width(), self.height()
        top, bottom = 22, 6
        band = (w - 24) / n                         # the width each layer may use
        avail = h - top - bottom
        self.rects = {}
        size = None
        for li, col in enumerate(cols):
            k = len(col)
            best = max(((min(avail / -(-k // c) * 0.86, band * 0.7 / c), c) for c in (1, 2, 3, 4)),
                       key=lambda t: t[0])
            size, c = min(best[0], 56.0), best[1]
            rows = -(-k // c)
            gap = size * 0.16
            block_w, block_h = c * size + (c - 1) * gap, rows * size + (rows - 1) * gap
            x0 = 12 + band * li + (band - block_w) / 2
            y0 = top + (avail - block_h) / 2
            for u in range(k):
                r, q = divmod(u, c)
                self.rects[(li, u)] = QRectF(x0 + q * (size + gap), y0 + r * (size + gap), size, size)
        return size

    def paintEvent(self, event):
        p = QPainter(self)
        p.fillRect(self.rect(), S.BACKGROUND)
        if self.data is None:
            p.end()
            return
        p.setRenderHint(QPainter.Antialiasing)
        self._layout()
        d = self.data
        # connections: thickness and opacity from |w|, colour from the sign
        for li, layer in enumerate(d.layers, start=1):
            w = layer.weight
            m = float(np.abs(w).max()) or 1.0
            for j in range(w.shape[0]):
                for i in range(w.shape[1]):
                    a, b = self.rects.get((li - 1, i)), self.rects.get((li, j))
                    if a is None or b is None:
                        continue
                    t = abs(w[j, i]) / m
                    c = QColor(POSITIVE if w[j, i] > 0 else NEGATIVE)
                    c.setAlpha(int(25 + 190 * t * t))      # small weights fade, so the large ones read
                    p.setPen(QPen(c, 0.3 + 3.2 * t))
                    p.drawLine(a.center(), b.center())
        # units
        plane = d.xs is not None
        for li, col in enumerate(self.columns()):
            lo, hi, seq = value_range(col) if not plane else (0, 1, True)
            for u in range(len(col)):
                r = self.rects[(li, u)]
                if plane:
                    p.drawImage(r, self.images[(li, u)])
                else:
                    p.fillRect(r, colour_of(col[u], lo, hi, seq))
                selected = self.selected == (li, u)
                p.setPen(QPen(S.SELECTED if selected else S.UNIT_OUTLINE, 2.5 if selected else 1))
                p.setBrush(Qt.NoBrush)
                p.drawRect(r)
        # titles
        p.setFont(S.font(8, True))
        p.setPen(S.TEXT)
        fm = p.fontMetrics()
        band = (self.width() - 24) / len(names) if (names := ["inputs"] + [
            f"{layer.label} · {layer.activation}" + (f" ({len(layer.values)} of {layer.units})"
                                                     if layer.units > len(layer.values) else "")
            for layer in d.layers]) else 100
        for li, name in enumerate(names):
            box = QRectF(12 + band * li, 2, band, 18)
            p.drawText(box, Qt.AlignCenter, fm.elidedText(name, Qt.ElideRight, int(band - 4)))
        p.end()

    def mousePressEvent(self, event):
        for key, r in self.rects.items():
            if r.contains(event.position()):
                self.selected = key
                self.update()
                self.unit_clicked.emit(*key)
                return
        super().mousePressEvent(event)


class NeuronView(QWidget):
    def __init__(self, source, compute, parent=None):
        super().__init__(parent)
        self.source, self.compute = source, compute
        self.data = None
        lay = QVBoxLayout(self)
        row = QHBoxLayout()
        self.note = QLabel("", self)
        self.note.setWordWrap(True)
        self.sample = QSpinBox(self)
        self.sample.setPrefix("sample ")
        self.sample.setRange(1, 1_000_000)
        self.sample.setToolTip("which validation sample the units are shown for")
        self.sample.valueChanged.connect(lambda _: self.refresh())
        row.addWidget(self.note, 1)
        row.addWidget(self.sample)
        lay.addLayout(row)
        body = QHBoxLayout()
        self.canvas = NeuronCanvas(self)
        self.info = QLabel("Click a unit: its incoming weights and its share of what the next layer receives.", self)
        self.info.setWordWrap(True)
        self.info.setTextFormat(Qt.RichText)
        self.info.setMinimumWidth(220)
        self.info.setMaximumWidth(300)
        self.info.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        body.addWidget(self.canvas, 1)
        body.addWidget(self.info)
        lay.addLayout(body, 1)
        self.canvas.unit_clicked.connect(self.describe)

    def restyle(self):
        for label in (self.note, self.info):
            label.setFont(S.plot_font(9))
        self.canvas.update()

    def refresh(self):
        try:
            self.data = self.compute(self.sample.value() - 1)
        except Exception as exc:                 # noqa: BLE001 — shown, not raised
            self.data, self.source.error = None, str(exc)
        self.canvas.set_data(self.data)
        plane = self.data is not None and self.data.xs is not None
        self.sample.setVisible(self.data is not None and not plane)
        if self.data is None:
            self.note.setText(self.source.error or "The neuron view draws networks of Dense layers.")
        elif plane:
            self.note.setText("Each square: one unit's activation over the input plane (x₁ across, x₂ up). "
                              "Lines: the weights, thicker = larger. Everywhere: red positive, blue negative, "
                              "dark near zero.")
        else:
            self.note.setText("Each square: one unit's activation on the chosen validation sample. Lines: the "
                              "weights, thicker = larger. Everywhere: red positive, blue negative, dark near zero.")
        if self.canvas.selected is not None and self.canvas.selected not in self.canvas.rects:
            self.canvas.selected = None          # that unit is gone (the graph changed)
            self.info.setText("Click a unit: its incoming weights and its share of what the next layer receives.")
        if self.canvas.selected is not None:
            self.describe(*self.canvas.selected)

    def describe(self, li, unit):
        d = self.data
        if d is None:
            return
        names = d.input_names or [f"x{i + 1}" for i in range(len(d.inputs))]
        if li == 0:
            self.info.setText(f"<b>input {names[unit] if unit < len(names) else unit + 1}</b>: a feature of the data.")
            return
        layer = d.layers[li - 1]
        prev = names if li == 1 else [f"unit {i + 1}" for i in range(layer.weight.shape[1])]
        rows = sorted(((layer.weight[unit, i], prev[i] if i < len(prev) else f"{i + 1}")
                       for i in range(layer.weight.shape[1])), key=lambda t: -abs(t[0]))
        weights = "<br>".join(f"{'+' if w >= 0 else '−'}{abs(w):.3g} from {n}" for w, n in rows[:8])
        more = f"<br>… {len(rows) - 8} more" if len(rows) > 8 else ""
        text = (f"<b>{layer.label} · {layer.activation}, unit {unit + 1} of {layer.units}</b><br>"
                f"incoming weights (largest first):<br>{weights}{more}<br>bias {layer.bias[unit]:+.3g}")
        if layer.share is not None:
            rank = int((layer.share > layer.share[unit]).sum()) + 1
            text += (f"<br><br>its share of what the next layer receives: <b>{layer.share[unit]:.0%}</b> "
                     f"(rank {rank} of {len(layer.share)})")
        else:
            text += "<br><br>an output unit: its value goes to the loss"
        self.info.setText(text)
