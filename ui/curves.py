"""Live training curves: loss (training vs validation per epoch, smoothed per-batch training
loss) and accuracy or MAE, with the previous run drawn faintly, the best epoch marked, the
overfitting stretch shaded, a hover readout, a log-scale toggle and PNG/CSV export. Legends sit
above the data, never over it."""
import csv
import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QPushButton, QToolButton, QVBoxLayout, QWidget

from engine.graph.overfitting import Verdict, judge
from . import plots
from . import style as S

TRAIN = S.TRAIN
VAL = S.VAL
FAINT = S.FAINT_LINE
BATCH = S.BATCH
OVERFIT = S.OVERFIT_AREA
SMOOTHING_BATCHES = 20       # the per-batch loss is averaged over at most this many batches
MAX_BATCH_POINTS = 4000
REDRAW_MS = 250              # plots repaint at most this often while training: a repaint costs
                             # ~15 ms of GUI time, and the trainer competes for the same GIL
PLOT_BUDGET = 0.06           # and then only as often as keeps their painting under 6% of the time:
MAX_REDRAW_MS = 1500         # the interval grows with the measured cost, up to 1.5 s


class CurvesView(QWidget):
    restore_requested = Signal()
    flushed = Signal()               # the plots now show everything that arrived

    def __init__(self, parent=None):
        super().__init__(parent)
        pg.setConfigOptions(antialias=True)
        self.rows = []                # per-epoch metrics of this run
        self.previous = []            # … of the run before
        self.batch_x, self.batch_y = [], []
        self._ema = None
        self.best_epoch = None
        self.onset = None
        self.verdict = Verdict()
        self.chance = None            # the run's chance level, the overfitting detector's scale
        self.planned_epochs = None
        self.overfit_regions = []
        self.overlays = []            # [(run, colour)] from the run history
        self._overlay_items = []
        self.restore_available = False
        self.saved_history = False    # the curves come from the file, not from a run in this window
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        # the log switch, hover readout and exports: a strip the training views put beside their tabs
        self.tools = QWidget(self)
        bar = QHBoxLayout(self.tools)
        bar.setContentsMargins(0, 0, 4, 0)
        self.log_box = QCheckBox("Log scale", self.tools)
        self.log_box.toggled.connect(self._set_log)
        self.log_box.clicked.connect(lambda: setattr(self, "log_chosen", True))
        self.log_chosen = False      # the user's choice wins over the automatic one
        self.readout = QLabel("", self.tools)
        self.readout.setMinimumWidth(120)
        self.png_button = QToolButton(self.tools)
        self.png_button.setText("PNG…")
        self.png_button.setToolTip("Save the plots as a picture")
        self.csv_button = QToolButton(self.tools)
        self.csv_button.setText("CSV…")
        self.csv_button.setToolTip("Save the per-epoch numbers as a table")
        bar.addWidget(self.readout, 1)
        bar.addWidget(self.log_box)
        bar.addWidget(self.png_button)
        bar.addWidget(self.csv_button)
        self.banner = QWidget(self)
        b = QHBoxLayout(self.banner)
        b.setContentsMargins(4, 0, 4, 0)
        self.banner_text = QLabel(self.banner)
        self.banner_text.setWordWrap(True)
        self.banner_text.setStyleSheet(f"color: {S.ALERT_TEXT.name()}; font-weight: bold")
        self.restore_button = QPushButton("Restore best weights", self.banner)
        self.restore_button.clicked.connect(self.restore_requested)
        b.addWidget(self.banner_text, 1)
        b.addWidget(self.restore_button)
        self.banner.hide()
        lay.addWidget(self.banner)
        row = QHBoxLayout()
        self.loss_plot = self._plot("loss", log_axis=True)
        self.metric_plot = self._plot("accuracy")
        self.placeholders = []
        for plot, text in ((self.loss_plot, "No training yet.\nPress Train (F5): the loss of every epoch appears here,\n"
                                             "training in blue, validation in orange."),
                           (self.metric_plot, "… and here how often the model is right\n(or how far off, for numbers).")):
            label = QLabel(text, plot)
            label.setAlignment(Qt.AlignCenter)
            label.setStyleSheet(f"color: {S.TEXT_DIM.name()}; background: transparent")
            self.placeholders.append(label)
        row.addWidget(self.loss_plot, 3)
        row.addWidget(self.metric_plot, 2)
        lay.addLayout(row, 1)
        lp, mp = self.loss_plot.getPlotItem(), self.metric_plot.getPlotItem()
        self.prev_train = lp.plot()
        self.prev_val = lp.plot()
        self.batch_curve = lp.plot()
        self.train_curve = lp.plot()
        self.val_curve = lp.plot()
        self.best_marker = pg.ScatterPlotItem(size=14, symbol="star", brush=pg.mkBrush(S.SELECTED), pen=pg.mkPen("k"))
        lp.addItem(self.best_marker)
        self.best_line = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen(S.SELECTED, style=Qt.DotLine))
        self.best_line.hide()
        lp.addItem(self.best_line)
        self.clipped = pg.TextItem("", color=S.SELECTED, anchor=(0, 0))
        self.clipped.hide()
        lp.addItem(self.clipped)
        self.prev_metric_train = mp.plot()
        self.prev_metric_val = mp.plot()
        self.metric_train = mp.plot()
        self.metric_val = mp.plot()
        self.restyle()
        for plot in (self.loss_plot, self.metric_plot):
            plot.scene().sigMouseMoved.connect(lambda pos, p=plot: self._hover(p, pos))
        self._redraw_timer = QTimer(self)
        self._redraw_timer.setSingleShot(True)
        self._redraw_timer.setInterval(REDRAW_MS)
        self._redraw_timer.timeout.connect(self.flush)
        self._batches_dirty = self._epochs_dirty = False
        self._painted = 0.0
        self.png_button.clicked.connect(lambda: self._ask_export("png"))
        self.csv_button.clicked.connect(lambda: self._ask_export("csv"))

    def _plot(self, name, log_axis=False):
        w = plots.dark_plot(self, log_axis=log_axis)
        item = w.getPlotItem()
        item.showGrid(x=True, y=True, alpha=0.15)
        item.setLabel("bottom", "epoch")
        item.setLabel("left", name)
        item.getAxis("left").enableAutoSIPrefix(False)      # accuracy 0.8, not "800 (×0.001)"
        item.vb.setDefaultPadding(0.04)       # a star on the last epoch stays clear of the frame
        w.setMinimumHeight(140)
        return w

    def restyle(self):
        """Pens and fonts at the current style scale (presentation mode makes them 1.5× larger)."""
        line = plots.line
        self.prev_train.setPen(line(FAINT, 1.5, Qt.DashLine))
        self.prev_val.setPen(line(FAINT, 1.5, Qt.DotLine))
        self.batch_curve.setPen(line(BATCH, 1, Qt.DotLine))
        self.train_curve.setPen(line(TRAIN, 2.2))
        self.val_curve.setPen(line(VAL, 2.2))
        self.prev_metric_train.setPen(line(FAINT, 1.5, Qt.DashLine))
        self.prev_metric_val.setPen(line(FAINT, 1.5, Qt.DotLine))
        self.metric_train.setPen(line(TRAIN, 2.2))
        self.metric_val.setPen(line(VAL, 2.2))
        self.best_marker.setSize(14 * S.scale)
        self.best_line.setPen(line(S.SELECTED.name(), 1.2, Qt.DotLine))
        for plot in (self.loss_plot, self.metric_plot):
            plots.restyle(plot)
        self._legends()

    def _legends(self):
        empty = not self.rows and not self.previous and not self.overlays
        for label in self.placeholders:
            label.setVisible(empty)
            label.setGeometry(label.parent().rect())
        for plot in (self.loss_plot, self.metric_plot):
            for side in ("left", "bottom"):
                plot.getPlotItem().getAxis(side).setStyle(showValues=not empty)
        if empty:                      # no made-up axes, no legend of lines that do not exist yet
            for plot in (self.loss_plot, self.metric_plot):
                plot.getPlotItem().setTitle(None)
                plot.legend_entries = None
            return
        train, val = TRAIN.name(), VAL.name()
        loss = [(train, "solid", "training"), (val, "solid", "validation")]
        if self.batch_x:
            loss.append((BATCH.name(), "dot", "each batch (smoothed)"))
        if self.previous and not self.overlays:
            loss.append((S.LAST_RUN.name(), "dash", "last run"))
        if self.best_epoch is not None:
            loss.append((S.SELECTED.name(), "star", f"best {self.best_epoch}"))
        if self.onset is not None:
            loss.append((S.ERROR.name(), "area", "overfitting"))
        for run, color in self.overlays:
            loss.append((color.name(), "solid", f"{run.get('name', 'run')} (╍ training)"))
        plots.set_legend(self.loss_plot, loss)
        plots.set_legend(self.metric_plot, [(train, "solid", "training"), (val, "solid", "validation")])

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self._legends()                # one line or two, for the new width
        for label in self.placeholders:
            label.setGeometry(label.parent().rect())

    # ------------------------------------------------------------- feeding
    def start_run(self):
        """A new run begins: this run's curves become the faint 'previous run'."""
        if self.rows:
            self.previous = self.rows
        self.rows, self.batch_x, self.batch_y, self._ema = [], [], [], None
        self.best_epoch = self.onset = None
        self.verdict = Verdict()
        self.restore_available = self.saved_history = False
        self.banner.hide()
        self._shade([])
        self._redraw()
        self._legends()

    def set_overlays(self, overlays):
        """Runs from the history drawn beside this one: training dashed, validation solid, each in
        its colour, named in the legend."""
        for plot, item in self._overlay_items:
            plot.getPlotItem().removeItem(item)
        self._overlay_items = []
        self.overlays = list(overlays)
        for run, color in self.overlays:
            rows = run.get("history", [])
            m = "mae" if any("train_mae" in r for r in rows) else "accuracy"
            for plot, key, style in ((self.loss_plot, "train_loss", Qt.DashLine), (self.loss_plot, "val_loss", None),
                                     (self.metric_plot, f"train_{m}", Qt.DashLine),
                                     (self.metric_plot, f"val_{m}", None)):
                item = plot.getPlotItem().plot(*self._xy(rows, key), pen=plots.line(color, 1.6, style))
                item.setZValue(-5)
                self._overlay_items.append((plot, item))
        self._redraw()
        self._legends()
        self._focus()

    def set_run(self, epochs, chance):
        """What the detector needs to know of the run: its planned length and chance level."""
        self.planned_epochs, self.chance = epochs, chance

    def set_history(self, rows, saved=False, chance=None, epochs=None):
        """Show a finished history (``saved``: the file's, whose best weights are not at hand;
        ``epochs``: the run's planned length, so the verdict is the one the run had)."""
        self.rows = [dict(r) for r in rows]
        self.batch_x, self.batch_y, self._ema = [], [], None
        self.saved_history = saved
        self.restore_available = False
        self.planned_epochs, self.chance = epochs or len(self.rows), chance
        self._epochs_dirty = True
        self.flush()

    def set_restore_available(self, available):
        """Offer "Restore best weights" only when it can act (best weights kept by a run in this
        window and not already in place)."""
        self.restore_available = bool(available)
        self._update_markers()

    def add_batches(self, progress):
        batches = max(progress.batches, 1)
        if batches == 1:
            return                     # one batch per epoch: the per-batch curve is the epoch curve
        # an average over about a quarter of an epoch (at most 20 batches): it follows the
        # epoch curve instead of lagging behind it
        keep = 1.0 - 1.0 / min(max(batches / 4.0, 1.0), SMOOTHING_BATCHES)
        for step, loss in progress.losses:
            if not np.isfinite(loss):
                continue
            self._ema = loss if self._ema is None else keep * self._ema + (1 - keep) * loss
            self.batch_x.append(step / batches)
            self.batch_y.append(self._ema)
        if len(self.batch_x) > MAX_BATCH_POINTS:          # keep every other point of the older half
            half = len(self.batch_x) // 2
            self.batch_x = self.batch_x[:half:2] + self.batch_x[half:]
            self.batch_y = self.batch_y[:half:2] + self.batch_y[half:]
        self._batches_dirty = True
        self._schedule()

    def add_epoch(self, row):
        self.rows.append(dict(row))
        self._epochs_dirty = True
        self._schedule()

    def _schedule(self):
        if not self._redraw_timer.isActive():
            self._redraw_timer.start()

    def flush(self):
        """Draw what arrived since the last redraw. What redrawing costs (this call and the paints
        it causes, measured) sets how long the next one waits (PLOT_BUDGET), so live curves never
        slow training much."""
        self._redraw_timer.stop()
        start = time.perf_counter()
        if self._batches_dirty:
            self.batch_curve.setData(self.batch_x, self.batch_y)
            self._batches_dirty = False
        if self._epochs_dirty:
            self.verdict = judge(self.rows, self.planned_epochs or len(self.rows), self.chance)
            self._auto_log()
            self._update_markers()
            self._redraw()
            self._focus()
            self._epochs_dirty = False
        # what the last redraw cost: this flush, and the plots' paints since the one before
        painted = sum(p.paint_seconds for p in (self.loss_plot, self.metric_plot))
        cost_ms = (time.perf_counter() - start + painted - self._painted) * 1000
        self._painted = painted
        self._redraw_timer.setInterval(int(min(MAX_REDRAW_MS, max(REDRAW_MS, cost_ms / PLOT_BUDGET))))
        self.flushed.emit()

    # ------------------------------------------------------------- drawing
    @property
    def metric_key(self):
        keys = self.rows[0].keys() if self.rows else (self.previous[0].keys() if self.previous else ())
        return "mae" if "train_mae" in keys else "accuracy"

    def _xy(self, rows, key):
        return plots.finite_xy(rows, key)

    def _redraw(self):
        m = self.metric_key
        self.metric_plot.getPlotItem().setLabel("left", "mean abs. error" if m == "mae" else "accuracy")
        self.train_curve.setData(*self._xy(self.rows, "train_loss"))
        self.val_curve.setData(*self._xy(self.rows, "val_loss"))
        previous = [] if self.overlays else self.previous      # compared runs replace the faint last run
        self.prev_train.setData(*self._xy(previous, "train_loss"))
        self.prev_val.setData(*self._xy(previous, "val_loss"))
        self.metric_train.setData(*self._xy(self.rows, f"train_{m}"))
        self.metric_val.setData(*self._xy(self.rows, f"val_{m}"))
        self.prev_metric_train.setData(*self._xy(previous, f"train_{m}"))
        self.prev_metric_val.setData(*self._xy(previous, f"val_{m}"))
        if not self.rows:
            self.batch_curve.setData([], [])

    def _update_markers(self):
        key = "val_loss" if any(r.get("val_loss") is not None for r in self.rows) else "train_loss"
        pts = [(r[key], r["epoch"]) for r in self.rows if r.get(key) is not None and np.isfinite(r[key])]
        if pts:
            best_loss, self.best_epoch = min(pts)
            self.best_marker.setData([self.best_epoch], [self._plot_y(best_loss)])
            self.best_line.setValue(self.best_epoch)
            self.best_line.show()
        else:
            self.best_epoch = None
            self.best_marker.setData([], [])
            self.best_line.hide()
        v = self.verdict
        self.onset = v.onset if v.overfitting else None
        last = self.rows[-1]["epoch"] if self.rows else 0
        self._shade([(a, last if b is None else b) for a, b in v.spans])
        if self.onset is not None:
            text = (f"Overfitting: since epoch {self.onset} the validation loss has risen {v.gl:.0f} % above its "
                    f"best while the training loss kept falling.")
            if self.saved_history:
                text += " (The saved run; train again to be offered its best weights.)"
            self.banner_text.setText(text)
            self.restore_button.setText(f"Restore best weights (epoch {self.best_epoch})")
            self.restore_button.setVisible(self.restore_available)
            self.banner.show()
        else:
            self.banner.hide()
        self._legends()

    def _shade(self, spans):
        """The epochs during which overfitting held, shaded (only while the gap held)."""
        lp = self.loss_plot.getPlotItem()
        while len(self.overfit_regions) > len(spans):
            lp.removeItem(self.overfit_regions.pop())
        while len(self.overfit_regions) < len(spans):
            region = pg.LinearRegionItem(movable=False, brush=pg.mkBrush(OVERFIT), pen=pg.mkPen(None))
            region.setZValue(-10)
            lp.addItem(region)
            self.overfit_regions.append(region)
        for region, span in zip(self.overfit_regions, spans):
            region.setRegion(span)

    def _auto_log(self):
        """Losses that fall by orders of magnitude read better on a log scale, unless the scale
        would flatten the rise of the validation loss that overfitting is about."""
        if self.log_chosen or len(self.rows) < 5:
            return
        losses = [r[k] for r in self.rows for k in ("train_loss", "val_loss") if r.get(k) is not None]
        if not losses or min(losses) <= 0:
            return
        wide = bool(max(losses) / min(losses) > 30)
        v = self.verdict
        if wide and v.overfitting:
            val = [r["val_loss"] for r in self.rows if r["epoch"] >= v.onset and r.get("val_loss") is not None]
            rise = np.log10(max(val) / val[0]) / np.log10(max(losses) / min(losses)) if val and val[0] > 0 else 0
            wide = bool(rise >= 0.25)           # the rise fills at least a quarter of the log axis
        if wide != self.log_box.isChecked():
            self.log_box.setChecked(wide)

    def _focus(self):
        """On a linear axis the plot shows the part that matters up close: with overfitting, the
        y range ends a little above the validation loss since the onset, so its rise fills the
        plot; otherwise a spike of the first epochs (compared runs included) may run off the top
        rather than flatten everything after it."""
        vb = self.loss_plot.getPlotItem().vb
        v = self.verdict
        if self.log_box.isChecked():
            self.clipped.hide()
            vb.enableAutoRange(axis="y")
            return
        series = [self.rows] + [run.get("history", []) for run, _ in self.overlays]
        if v.overfitting:
            start = v.onset
        else:
            n = max((len(s) for s in series), default=0)
            start = max(2, int(np.ceil(0.05 * n)) + 1)
        later = [r[k] for s in series for r in s if r["epoch"] >= start for k in ("val_loss", "train_loss")
                 if r.get(k) is not None and np.isfinite(r[k])]
        every = [r[k] for s in series for r in s for k in ("val_loss", "train_loss")
                 if r.get(k) is not None and np.isfinite(r[k])]
        if later and (v.overfitting or max(every) > 2.0 * max(later)):
            top = max(later) * 1.25
            vb.setYRange(min(0.0, min(later)), top, padding=0)
            above = [r["epoch"] for s in series for r in s for k in ("val_loss", "train_loss")
                     if r.get(k) is not None and np.isfinite(r[k]) and r[k] > top]
            if above:                         # say that the plot is cut, and where
                self.clipped.setText(f"▲ epochs {min(above)}–{max(above)} go higher" if max(above) > min(above)
                                     else f"▲ epoch {above[0]} goes higher")
                self.clipped.setPos(min(r["epoch"] for s in series for r in s), top)
                self.clipped.show()
            else:
                self.clipped.hide()
        else:
            self.clipped.hide()
            vb.enableAutoRange(axis="y")

    def _plot_y(self, y):
        """Where a value sits on the loss plot's y axis (pyqtgraph plots log10 in log mode)."""
        return np.log10(y) if self.log_box.isChecked() and y > 0 else y

    def _set_log(self, on):
        self.loss_plot.getPlotItem().setLogMode(y=on)
        self._update_markers()
        self._focus()

    def _hover(self, plot, pos):
        vb = plot.getPlotItem().vb
        if not plot.sceneBoundingRect().contains(pos) or not self.rows:
            return
        x = vb.mapSceneToView(pos).x()
        row = min(self.rows, key=lambda r: abs(r["epoch"] - x))
        m = self.metric_key
        parts = [f"epoch {row['epoch']}"]
        for key, label in (("train_loss", "train loss"), ("val_loss", "val loss"),
                           (f"train_{m}", f"train {m}"), (f"val_{m}", f"val {m}")):
            if row.get(key) is not None:
                parts.append(f"{label} {row[key]:.4g}")
        self.readout.setText(" · ".join(parts))

    # ------------------------------------------------------------- export
    def export_png(self, path):
        return self.grab().save(path)

    def export_csv(self, path):
        keys = []
        for r in self.rows:
            keys += [k for k in r if k not in keys]
        with open(path, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(keys)
            for r in self.rows:
                w.writerow([r.get(k, "") for k in keys])

    def _ask_export(self, kind):
        from PySide6.QtWidgets import QFileDialog
        path, _ = QFileDialog.getSaveFileName(self, f"Export curves as {kind.upper()}", f"curves.{kind}",
                                              f"{kind.upper()} (*.{kind})")
        if path:
            (self.export_png if kind == "png" else self.export_csv)(path)
