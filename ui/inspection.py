"""Views of what the network computes: a node's value and gradient (heatmap, image grid or
histogram, chosen by the tensor's shape), its weights and their gradients, a per-node gradient
check, and the confusion matrix on the validation set (the decision boundary and the fitted curve
are in boundary_view.py). They draw what app/inspection.py computes; they compute nothing themselves."""
import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPainterPath, QPen
from PySide6.QtWidgets import (QComboBox, QGraphicsPathItem, QHBoxLayout, QLabel, QPushButton, QVBoxLayout,
                               QWidget)

from . import style as S
from .plots import dark_plot

DIVERGING = pg.ColorMap([0.0, 0.5, 1.0], [(59, 76, 192), (30, 33, 40), (220, 80, 60)])
SEQUENTIAL = pg.colormap.get("viridis")
SEPARATOR = S.BACKGROUND.name()


def tile(images, aspect=1.0):
    """Lay a stack of 2-D images (k, h, w) out in rows and columns, without gaps (the view draws
    thin lines between the tiles), choosing the number of columns that shows the tiles largest
    in an area ``aspect`` times as wide as it is tall: (grid, rows, cols)."""
    k, h, w = images.shape

    def size(cols):
        rows = int(np.ceil(k / cols))
        return min(aspect / (cols * w), 1.0 / (rows * h))
    cols = max(range(1, k + 1), key=lambda c: (size(c), -c)) if k else 1
    rows = int(np.ceil(k / cols))
    grid = np.full((rows * h, cols * w), np.nan, dtype=np.float64)
    for i in range(k):
        r, c = divmod(i, cols)
        grid[r * h:(r + 1) * h, c * w:(c + 1) * w] = images[i]
    return grid, rows, cols


def picture_of(a, role="value", aspect=1.0):
    """How to show an array: (kind, 2-D data, axis names, tiles, caption). kind is 'heatmap',
    'grid' (tiles = (rows, cols, h, w)) or 'histogram'; role 'value' (a batch flowing through a
    node) or 'weight'; ``aspect``: width/height of the area it will fill."""
    a = np.asarray(a, dtype=np.float64)
    if a.ndim == 4:
        n, c, h, w = a.shape
        if role == "weight" and h * w > 1 and n * c <= 256:         # conv kernels: every (out, in) pair
            grid, rows, cols = tile(a.reshape(-1, h, w), aspect)
            return "grid", grid, ("", ""), (rows, cols, h, w), f"{n}×{c} kernels of {h}×{w} (output × input channel)"
        if c == 1:                       # one channel (an image batch): several samples side by side
            k = min(n, 16)
            grid, rows, cols = tile(a[:k, 0], aspect)
            return "grid", grid, ("", ""), (rows, cols, h, w), f"the first {k} samples of the batch, each {h}×{w}"
        grid, rows, cols = tile(a[0], aspect)
        return "grid", grid, ("", ""), (rows, cols, h, w), f"the {c} channels of sample 1, each {h}×{w}"
    if a.ndim == 3:
        return "heatmap", a[0], (f"feature ({a.shape[2]})", f"time step ({a.shape[1]})"), None, "sample 1"
    if a.ndim == 2 and min(a.shape) > 1:
        if role == "weight":
            return "heatmap", a, (f"input ({a.shape[1]})", f"output unit ({a.shape[0]})"), None, ""
        return "heatmap", a, (f"unit ({a.shape[1]})", f"sample ({a.shape[0]})"), None, ""
    return "histogram", a.reshape(-1), ("value", "count"), None, ""


def colour_scale(data):
    """(colour map, levels): sequential from 0 for data that is never negative (pixels, ReLU
    outputs), diverging around 0 otherwise."""
    finite = data[np.isfinite(data)]
    if not finite.size:
        return SEQUENTIAL, (0.0, 1.0)
    lo, hi = float(finite.min()), float(finite.max())
    if lo >= 0:
        return SEQUENTIAL, (0.0, hi or 1.0)
    m = max(abs(lo), abs(hi)) or 1.0
    return DIVERGING, (-m, m)


class ArrayView(QWidget):
    """Heatmap / image grid (with a colour bar and named axes) or histogram of one array, with
    its statistics."""

    def __init__(self, parent=None):
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.plot = dark_plot(self)
        self.image = pg.ImageItem()
        self.bars = pg.BarGraphItem(x=[], height=[], width=1, brush=S.TRAIN)
        self.separators = QGraphicsPathItem()
        pen = QPen(QColor(SEPARATOR), 1)
        pen.setCosmetic(True)             # one pixel on screen at any zoom
        self.separators.setPen(pen)
        self.plot.addItem(self.image)
        self.plot.addItem(self.bars)
        self.plot.addItem(self.separators)
        self.colour_bar = pg.ColorBarItem(interactive=False, colorMap=SEQUENTIAL, width=14, colorMapMenu=False)
        self.colour_bar.setImageItem(self.image, insert_in=self.plot.getPlotItem())
        self.stats = QLabel("", self)
        self.stats.setWordWrap(True)
        lay.addWidget(self.plot, 1)
        lay.addWidget(self.stats)
        self.kind = None
        self.levels = None
        self.cmap = None

    def show_array(self, a, title="", role="value"):
        pi = self.plot.getPlotItem()
        if a is None:
            self.kind = None
            self.image.clear()
            self.separators.setPath(QPainterPath())
            self.bars.setOpts(x=[], height=[])
            self.colour_bar.hide()
            self.stats.setText(f"{title}: none (no gradient reaches it, or nothing ran yet)")
            return
        a = np.asarray(a, dtype=np.float64)
        box = self.plot.getPlotItem().vb.size()
        aspect = box.width() / box.height() if box.height() > 0 else 1.0
        self.kind, data, (xname, yname), tiles, caption = picture_of(a, role, aspect)
        if self.kind == "histogram":
            self.image.clear()
            self.separators.setPath(QPainterPath())
            self.colour_bar.hide()
            finite = data[np.isfinite(data)]
            counts, edges = np.histogram(finite, bins=min(40, max(5, finite.size))) if finite.size else ([], [0, 1])
            self.bars.setOpts(x=(np.asarray(edges[:-1]) + np.asarray(edges[1:])) / 2, height=counts,
                              width=(edges[1] - edges[0]) * 0.9 if len(edges) > 1 else 1)
            pi.invertY(False)
            pi.setAspectLocked(False)
            for side in ("left", "bottom"):
                pi.showAxis(side)
        else:
            self.bars.setOpts(x=[], height=[])
            self.cmap, self.levels = colour_scale(data)
            self.image.setImage(data.T, levels=self.levels)
            self.image.setColorMap(self.cmap)
            self.colour_bar.setColorMap(self.cmap)
            self.colour_bar.setLevels(self.levels)
            self.colour_bar.show()
            pi.invertY(True)
            # tiles of feature maps and kernels are pictures (square pixels); a batch of activations
            # is a table, whose cells may stretch to fill the plot instead of making a sliver
            pi.setAspectLocked(self.kind == "grid")
            self.separators.setPath(self._tile_lines(tiles) if tiles else QPainterPath())
        pi.setLabel("bottom", xname)
        pi.setLabel("left", yname)
        for side in ("left", "bottom"):                # after setLabel, which shows the axis again
            pi.showAxis(side, bool(xname))
        pi.setTitle(f"<span style='color:{S.PLOT_TEXT.name()}; font-size:{9 * S.scale:.0f}pt'>{caption}</span>"
                    if caption else None)
        if self.kind == "histogram":
            pi.autoRange()
        else:
            pi.setRange(xRange=(0, data.shape[1]), yRange=(0, data.shape[0]), padding=0)
        self.stats.setText(f"{title}  shape {tuple(a.shape)} · mean {np.nanmean(a):.4g} · std {np.nanstd(a):.4g} · "
                           f"min {np.nanmin(a):.4g} · max {np.nanmax(a):.4g}" if a.size else f"{title}: empty")

    @staticmethod
    def _tile_lines(tiles):
        rows, cols, h, w = tiles
        path = QPainterPath()
        for c in range(1, cols):
            path.moveTo(c * w, 0)
            path.lineTo(c * w, rows * h)
        for r in range(1, rows):
            path.moveTo(0, r * h)
            path.lineTo(cols * w, r * h)
        return path


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
        self.which.setSizeAdjustPolicy(QComboBox.AdjustToContents)
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
            self.which.addItem(f"parameter {name}", ("weights", name))
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
        self.view.show_array(getattr(self.result, group).get(key), self.which.currentText(),
                             role="weight" if group.startswith("weight") else "value")

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
        pi.setLabel("bottom", "predicted class")
        pi.setLabel("left", "true class")
        pi.setMouseEnabled(False, False)
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
            font = S.plot_font(9, True)
            for t in range(n):
                for p in range(n):
                    item = pg.TextItem(str(m[t, p]), color="w" if m[t, p] < m.max() * 0.6 else "k", anchor=(0.5, 0.5))
                    item.setFont(font)
                    item.setPos(p, t)
                    self.plot.addItem(item)
                    self.texts.append(item)
        pi = self.plot.getPlotItem()
        labels = [str(nm) for nm in names] if names and len(names) == n else [str(i) for i in range(n)]
        ticks = [[(i, labels[i]) for i in range(n)]] if n <= 30 else None
        pi.getAxis("bottom").setTicks(ticks)
        pi.getAxis("left").setTicks(ticks)
        acc = np.trace(m) / max(m.sum(), 1)
        named = names and any(str(nm) != str(i) for i, nm in enumerate(names))
        label = ", ".join(f"{i}={nm}" for i, nm in enumerate(names[:10])) if named else ""
        self.note.setText(f"validation set: {m.sum()} samples, {acc:.1%} on the diagonal" + (f" · {label}" if label else ""))
        pi.setRange(xRange=(-0.5, n - 0.5), yRange=(-0.5, n - 0.5), padding=0)   # the matrix fills the plot
