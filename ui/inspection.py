"""Views of what the network computes: a node's value and gradient (heatmap, image grid or
histogram, chosen by the tensor's shape), its weights and their gradients, a per-node gradient
check, the confusion matrix on the validation set, and the decision boundary of a 2-D classifier.
They draw what app/inspection.py computes; they compute nothing themselves."""
import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

BG = "#1f2329"
DIVERGING = pg.ColorMap([0.0, 0.5, 1.0], [(59, 76, 192), (30, 33, 40), (220, 80, 60)])
SEQUENTIAL = pg.colormap.get("viridis")


def dark_plot(parent):
    w = pg.PlotWidget(parent)
    w.setBackground(BG)
    return w


def tile(images, pad=1):
    """Lay a stack of 2-D images (k, h, w) out on a near-square grid with a gap between them."""
    k, h, w = images.shape
    cols = int(np.ceil(np.sqrt(k)))
    rows = int(np.ceil(k / cols))
    lo = float(images.min()) if images.size else 0.0
    grid = np.full((rows * (h + pad) - pad, cols * (w + pad) - pad), lo, dtype=np.float32)
    for i in range(k):
        r, c = divmod(i, cols)
        grid[r * (h + pad):r * (h + pad) + h, c * (w + pad):c * (w + pad) + w] = images[i]
    return grid


def picture_of(a):
    """How to show an array: ('heatmap', 2-D), ('grid', 2-D tiled) or ('histogram', values)."""
    a = np.asarray(a, dtype=np.float64)
    if a.ndim == 4:                          # (N, C, H, W) feature maps: the first sample's channels;
        if a.shape[0] > 1 and a.shape[2] * a.shape[3] > 1 and a.shape[0] * a.shape[1] <= 256:
            return "grid", tile(a.reshape(-1, a.shape[2], a.shape[3]))    # kernels: every (out, in) pair
        return "grid", tile(a[0])
    if a.ndim == 3:
        return "heatmap", a[0]
    if a.ndim == 2 and min(a.shape) > 1:
        return "heatmap", a
    return "histogram", a.reshape(-1)


class ArrayView(QWidget):
    """Heatmap / image grid / histogram of one array, with its statistics."""

    def __init__(self, parent=None):
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.plot = dark_plot(self)
        self.image = pg.ImageItem()
        self.bars = pg.BarGraphItem(x=[], height=[], width=1, brush="#4ea1ff")
        self.plot.addItem(self.image)
        self.plot.addItem(self.bars)
        self.stats = QLabel("", self)
        self.stats.setWordWrap(True)
        lay.addWidget(self.plot, 1)
        lay.addWidget(self.stats)
        self.kind = None

    def show_array(self, a, title=""):
        if a is None:
            self.kind = None
            self.image.clear()
            self.bars.setOpts(x=[], height=[])
            self.stats.setText(f"{title}: none (no gradient reaches it, or nothing ran yet)")
            return
        a = np.asarray(a, dtype=np.float64)
        self.kind, data = picture_of(a)
        pi = self.plot.getPlotItem()
        if self.kind == "histogram":
            self.image.clear()
            finite = data[np.isfinite(data)]
            counts, edges = np.histogram(finite, bins=min(40, max(5, finite.size))) if finite.size else ([], [0, 1])
            self.bars.setOpts(x=(np.asarray(edges[:-1]) + np.asarray(edges[1:])) / 2, height=counts,
                              width=(edges[1] - edges[0]) * 0.9 if len(edges) > 1 else 1)
            pi.invertY(False)
            pi.setAspectLocked(False)
            pi.setLabel("bottom", "value")
            pi.setLabel("left", "count")
        else:
            self.bars.setOpts(x=[], height=[])
            m = float(np.nanmax(np.abs(data))) if data.size else 1.0
            m = m or 1.0
            self.image.setImage(data.T, levels=(-m, m))
            self.image.setColorMap(DIVERGING)
            pi.invertY(True)
            pi.setAspectLocked(True)
            pi.setLabel("bottom", "")
            pi.setLabel("left", "")
        pi.autoRange()
        self.stats.setText(f"{title}  shape {tuple(a.shape)} · mean {a.mean():.4g} · std {a.std():.4g} · "
                           f"min {a.min():.4g} · max {a.max():.4g}" if a.size else f"{title}: empty")


class NodeValuesView(QWidget):
    """The selected node: value and gradient of its output, its weights and theirs."""

    def __init__(self, source, parent=None):
        super().__init__(parent)
        self.source = source
        self.node_id = None
        self.result = None
        lay = QVBoxLayout(self)
        row = QHBoxLayout()
        self.title = QLabel("Select a node to see its values.", self)
        self.which = QComboBox(self)
        self.refresh_button = QPushButton("Refresh", self)
        self.check_button = QPushButton("Gradient check", self)
        self.check_button.setToolTip("Compare this node's backward with finite differences on the current batch")
        row.addWidget(self.title, 1)
        row.addWidget(self.which)
        row.addWidget(self.refresh_button)
        row.addWidget(self.check_button)
        lay.addLayout(row)
        self.view = ArrayView(self)
        lay.addWidget(self.view, 1)
        self.check_result = QLabel("", self)
        self.check_result.setWordWrap(True)
        self.check_result.setTextInteractionFlags(Qt.TextSelectableByMouse)
        lay.addWidget(self.check_result)
        self.which.currentIndexChanged.connect(self._show)
        self.refresh_button.clicked.connect(self.refresh)
        self.check_button.clicked.connect(self.gradient_check)

    def set_node(self, node_id, label=""):
        self.node_id = node_id
        self.title.setText(label or "Select a node to see its values.")
        self.check_result.setText("")
        if self.isVisible():
            self.refresh()

    def refresh(self):
        if self.node_id is None or self.node_id not in self.source.document.graph.nodes:
            self.which.clear()
            self.view.show_array(None, "nothing selected")
            return
        try:
            self.result = self.source.probe(self.node_id)
        except Exception as exc:                 # noqa: BLE001 — an invalid graph, say: show why
            self.result = None
            self.view.stats.setText(f"cannot run the graph: {exc}")
            return
        if self.result is None:
            self.view.stats.setText(self.source.error or "no data")
            return
        keep = self.which.currentText()
        self.which.blockSignals(True)
        self.which.clear()
        r = self.result
        for port in r.outputs:
            self.which.addItem(f"value of {port}", ("outputs", port))
            self.which.addItem(f"gradient of {port}", ("output_grads", port))
        for name in r.weights:
            self.which.addItem(f"weight {name}", ("weights", name))
            self.which.addItem(f"gradient of {name}", ("weight_grads", name))
        i = self.which.findText(keep)
        self.which.setCurrentIndex(max(i, 0))
        self.which.blockSignals(False)
        self._show()

    def _show(self):
        data = self.which.currentData()
        if not data or self.result is None:
            return
        group, key = data
        self.view.show_array(getattr(self.result, group).get(key), self.which.currentText())

    def gradient_check(self):
        if self.node_id is None:
            return None
        try:
            res = self.source.gradcheck(self.node_id)
        except Exception as exc:                 # noqa: BLE001
            self.check_result.setText(f"gradient check failed to run: {exc}")
            return None
        self.check_result.setText(res.summary() if res else (self.source.error or "no data"))
        return res


class ConfusionView(QWidget):
    def __init__(self, source, parent=None):
        super().__init__(parent)
        self.source = source
        lay = QVBoxLayout(self)
        self.plot = dark_plot(self)
        self.image = pg.ImageItem()
        self.plot.addItem(self.image)
        pi = self.plot.getPlotItem()
        pi.invertY(True)
        pi.setAspectLocked(True)
        pi.setLabel("bottom", "predicted class")
        pi.setLabel("left", "true class")
        self.texts = []
        self.note = QLabel("", self)
        lay.addWidget(self.plot, 1)
        lay.addWidget(self.note)
        self.matrix = None

    def refresh(self):
        try:
            out = self.source.confusion()
        except Exception as exc:                 # noqa: BLE001
            out, self.source.error = None, str(exc)
        for t in self.texts:
            self.plot.removeItem(t)
        self.texts = []
        if out is None:
            self.matrix = None
            self.image.clear()
            self.note.setText(self.source.error or "The confusion matrix is for classifiers.")
            return
        m, names = out
        self.matrix = m
        self.image.setImage(m.T.astype(float), levels=(0, max(int(m.max()), 1)))
        self.image.setColorMap(SEQUENTIAL)
        n = len(m)
        self.image.setRect(-0.5, -0.5, n, n)        # cell (t, p) centred on the ticks t and p
        if n <= 12:
            for t in range(n):
                for p in range(n):
                    item = pg.TextItem(str(m[t, p]), color="w" if m[t, p] < m.max() * 0.6 else "k", anchor=(0.5, 0.5))
                    item.setPos(p, t)
                    self.plot.addItem(item)
                    self.texts.append(item)
        acc = np.trace(m) / max(m.sum(), 1)
        named = names and any(str(nm) != str(i) for i, nm in enumerate(names))
        label = ", ".join(f"{i}={nm}" for i, nm in enumerate(names[:10])) if named else ""
        self.note.setText(f"validation set: {m.sum()} samples, {acc:.1%} on the diagonal" + (f" · {label}" if label else ""))
        self.plot.getPlotItem().autoRange()


class DecisionBoundaryView(QWidget):
    """The classifier's output over the plane of its two inputs, with the training points."""

    CLASS_COLORS = ["#4ea1ff", "#ff9f43", "#5ec962", "#e5484d", "#b07cff", "#f2c14e"]

    def __init__(self, source, parent=None):
        super().__init__(parent)
        self.source = source
        lay = QVBoxLayout(self)
        self.plot = dark_plot(self)
        self.image = pg.ImageItem()
        self.points = pg.ScatterPlotItem(size=6, pen=pg.mkPen("k", width=0.5))
        self.plot.addItem(self.image)
        self.plot.addItem(self.points)
        self.plot.getPlotItem().setAspectLocked(True)
        self.note = QLabel("", self)
        lay.addWidget(self.plot, 1)
        lay.addWidget(self.note)
        self.grid = None

    def refresh(self):
        try:
            out = self.source.decision_boundary()
        except Exception as exc:                 # noqa: BLE001
            out, self.source.error = None, str(exc)
        if out is None:
            self.grid = None
            self.image.clear()
            self.points.setData([])
            self.note.setText(self.source.error or "The decision boundary is drawn for classifiers of 2-D inputs.")
            return
        xs, ys, z, x, labels = out
        self.grid = z
        lo, hi = (0.0, 1.0) if z.max() <= 1.0 and z.min() >= 0.0 else (float(z.min()), float(z.max()) or 1.0)
        self.image.setImage(z.T, levels=(lo, hi))
        self.image.setColorMap(pg.ColorMap([0.0, 0.5, 1.0], [(40, 80, 140), (40, 44, 52), (150, 95, 40)]))
        self.image.setRect(float(xs[0]), float(ys[0]), float(xs[-1] - xs[0]), float(ys[-1] - ys[0]))
        brushes = [pg.mkBrush(self.CLASS_COLORS[int(c) % len(self.CLASS_COLORS)]) for c in labels]
        self.points.setData(x=x[:, 0], y=x[:, 1], brush=brushes)
        self.note.setText("background: the model's output over the input plane; points: the training set")
