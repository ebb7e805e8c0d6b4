"""What the model does over its input space, when that space can be drawn: for a classifier of
two features, the plane shaded by the predicted class and how sure the model is (faint near the
boundary, strong far from it), with the training and validation points; for a regression of one
feature, the model's curve through the points — the lesson's own picture of overfitting (a curve
that passes through every training point and misses the validation ones). Both follow training."""
import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from . import style as S
from .plots import dark_plot, line

CLASS_COLORS = [(78, 161, 255), (255, 159, 67), (94, 201, 98), (229, 72, 77), (176, 124, 255), (242, 193, 78)]
BG = np.array([31, 35, 41], dtype=np.float64)


def shade(probs):
    """An RGBA picture (h, w, 4) of class probabilities (h, w, classes): the winning class's colour,
    stronger the surer the model is."""
    h, w, c = probs.shape
    colors = np.array([CLASS_COLORS[i % len(CLASS_COLORS)] for i in range(c)], dtype=np.float64)
    win = probs.argmax(axis=2)
    pmax = probs.max(axis=2)
    sure = np.clip((pmax - 1.0 / c) / (1.0 - 1.0 / c), 0.0, 1.0)
    alpha = (0.12 + 0.68 * sure)[..., None]
    rgb = BG + (colors[win] - BG) * alpha
    out = np.empty((h, w, 4), dtype=np.uint8)
    out[..., :3] = np.clip(rgb, 0, 255).astype(np.uint8)
    out[..., 3] = 255
    return out


def brushes(labels, hollow=False):
    out = []
    for c in labels:
        r, g, b = CLASS_COLORS[int(c) % len(CLASS_COLORS)]
        out.append(pg.mkBrush(r, g, b, 40 if hollow else 255))
    return out


class BoundaryView(QWidget):
    def __init__(self, source, parent=None):
        super().__init__(parent)
        self.source = source
        lay = QVBoxLayout(self)
        row = QHBoxLayout()
        self.show_train = QCheckBox("training points", self)
        self.show_val = QCheckBox("validation points", self)
        self.show_train.setChecked(True)
        self.show_val.setChecked(True)
        self.note = QLabel("", self)
        self.note.setWordWrap(True)
        row.addWidget(self.show_train)
        row.addWidget(self.show_val)
        row.addWidget(self.note, 1)
        lay.addLayout(row)
        self.plot = dark_plot(self)
        self.image = pg.ImageItem()
        self.train_points = pg.ScatterPlotItem(size=7, pen=pg.mkPen("k", width=0.6))
        self.val_points = pg.ScatterPlotItem(size=7, symbol="t1", pen=pg.mkPen(S.TEXT, width=0.8))
        self.curve = pg.PlotDataItem()
        for item in (self.image, self.val_points, self.train_points, self.curve):
            self.plot.addItem(item)
        lay.addWidget(self.plot, 1)
        self.mode = None              # 'plane', 'curve' or None
        self.probs = self.grid = self.xs = self.ys = None
        self.show_train.toggled.connect(lambda on: self.train_points.setVisible(on))
        self.show_val.toggled.connect(lambda on: self.val_points.setVisible(on))

    def refresh(self):
        try:
            curve = self.source.fitted_curve()
            plane = None if curve is not None else self.source.decision_boundary()
        except Exception as exc:                 # noqa: BLE001 — shown, not raised
            curve = plane = None
            self.source.error = str(exc)
        pi = self.plot.getPlotItem()
        if curve is not None:
            self._curve(*curve)
        elif plane is not None:
            self._plane(*plane)
        else:
            self.mode = self.probs = self.grid = None
            self.image.clear()
            for item in (self.train_points, self.val_points, self.curve):
                item.setData([], [])
            self.note.setText(self.source.error or "Drawn for classifiers of 2 input features and regressions of 1.")
            return
        names = self.source.feature_names() or ["x₁", "x₂"]
        pi.setLabel("bottom", names[0])
        pi.setLabel("left", names[1] if self.mode == "plane" else "target · prediction")

    def _plane(self, xs, ys, probs, x, labels, xv, lv):
        self.mode = "plane"
        self.xs, self.ys, self.probs = xs, ys, probs
        self.grid = probs[..., 1] if probs.shape[2] == 2 else probs.max(axis=2)
        self.curve.setData([], [])
        self.image.setImage(np.transpose(shade(probs), (1, 0, 2)), levels=None)
        self.image.setRect(float(xs[0]), float(ys[0]), float(xs[-1] - xs[0]), float(ys[-1] - ys[0]))
        self.train_points.setData(x=x[:, 0], y=x[:, 1], brush=brushes(labels))
        if len(xv):
            self.val_points.setData(x=xv[:, 0], y=xv[:, 1], brush=brushes(lv, hollow=True))
        else:
            self.val_points.setData([], [])
        self.plot.getPlotItem().setRange(xRange=(float(xs[0]), float(xs[-1])), yRange=(float(ys[0]), float(ys[-1])),
                                         padding=0)
        self.note.setText("shading: the class the model predicts, stronger where it is surer; "
                          "● training points, ▲ validation points")

    def _curve(self, xs, pred, x, y, xv, yv):
        self.mode = "curve"
        self.xs, self.ys, self.probs, self.grid = xs, pred, None, None
        self.image.clear()
        self.curve.setData(xs, pred, pen=line(S.FITTED.name(), 2.6))
        self.train_points.setData(x=x, y=y, brush=pg.mkBrush(78, 161, 255), size=12 * S.scale)
        self.val_points.setData(x=xv, y=yv, brush=pg.mkBrush(255, 159, 67, 60), size=7 * S.scale)
        self.plot.getPlotItem().enableAutoRange()
        self.note.setText("the model's curve (white) through the ● training points (blue); ▲ validation points "
                          "(orange) it has never seen: a curve through every training point that misses these "
                          "is overfitting")
