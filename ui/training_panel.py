"""The training setup: the data set and the training settings stored in the graph document
(every change is an undoable SetConfig command, checked by the engine's training_config). The
run controls live in the training toolbar (run_controls.py)."""
import csv
import gzip
import os

import numpy as np
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFileDialog, QFormLayout, QHBoxLayout,
                               QLabel, QLineEdit, QPushButton, QSpinBox, QVBoxLayout, QWidget)

from app.commands import SetConfig
from engine.backend import gpu_unavailable_reason
from engine.data import BUNDLED
from engine.data.synthetic import GENERATORS
from engine.graph.params import ParamError
from engine.graph.training import OPTIMIZERS, training_config

NORMALIZE = ("none", "standardize", "minmax")


def csv_columns(path):
    """The header row of a CSV file (gzip allowed)."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", newline="") as f:
        sample = f.read(4096)
    dialect = csv.Sniffer().sniff(sample, delimiters=",;\t") if sample else csv.excel
    return next(csv.reader(sample.splitlines(), dialect), [])


def npz_keys(path):
    with np.load(path, allow_pickle=False) as z:
        return list(z.files)


NO_DATA = "none:"


class TrainingPanel(QWidget):
    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.document = None
        self._loading = False
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 4, 6, 4)
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.DontWrapRows)
        form.setFieldGrowthPolicy(QFormLayout.AllNonFixedFieldsGrow)
        lay.addLayout(form)
        # --- data
        self.source = QComboBox(self)
        self.source.addItem("none: choose a data set", NO_DATA)
        for name in BUNDLED:
            self.source.addItem(f"{name.replace('_', ' ')} (bundled)", f"bundled:{name}")
        for name in GENERATORS:
            self.source.addItem(f"{name.replace('_', ' ')} (synthetic)", f"synthetic:{name}")
        self.source.addItem("CSV file…", "csv:")
        self.source.addItem("NPZ file…", "npz:")
        self.source.model().item(0).setEnabled(False)      # shown when there is none, not chosen
        form.addRow("Data", self.source)
        self.file_row = QWidget(self)
        fr = QHBoxLayout(self.file_row)
        fr.setContentsMargins(0, 0, 0, 0)
        self.path = QLineEdit(self.file_row)
        self.path.setPlaceholderText("file path")
        self.browse = QPushButton("…", self.file_row)
        self.browse.setFixedWidth(28)
        fr.addWidget(self.path)
        fr.addWidget(self.browse)
        form.addRow("File", self.file_row)
        self.label_column = QComboBox(self)
        self.label_column.setToolTip("CSV: the target column (features: every other column). "
                                     "NPZ: the array of targets")
        form.addRow("Target", self.label_column)
        self.x_key = QComboBox(self)
        self.x_key.setToolTip("NPZ: the array of features")
        form.addRow("Features", self.x_key)
        self.split = QDoubleSpinBox(self)
        self.split.setRange(0.05, 0.9)
        self.split.setSingleStep(0.05)
        self.split.setToolTip("share of the rows held out for validation")
        form.addRow("Validation share", self.split)
        self.normalize = QComboBox(self)
        self.normalize.addItems(NORMALIZE)
        self.normalize.setToolTip("feature scaling, fitted on the training rows")
        form.addRow("Scaling", self.normalize)
        # --- training
        self.optimizer = QComboBox(self)
        self.optimizer.addItems(list(OPTIMIZERS))
        form.addRow("Optimizer", self.optimizer)
        self.lr = QDoubleSpinBox(self)
        self.lr.setDecimals(5)
        self.lr.setRange(0.00001, 10.0)
        self.lr.setSingleStep(0.001)
        form.addRow("Learning rate", self.lr)
        self.batch = QSpinBox(self)
        self.batch.setRange(0, 1_000_000)
        self.batch.setSpecialValueText("whole set")
        self.batch.setToolTip("samples per step: 1 = stochastic, 'whole set' = batch gradient descent")
        form.addRow("Batch size", self.batch)
        self.epochs = QSpinBox(self)
        self.epochs.setRange(1, 1_000_000)
        form.addRow("Epochs", self.epochs)
        self.device = QComboBox(self)
        self.device.addItem("CPU", "cpu")
        self.device.addItem("GPU", "gpu")
        reason = gpu_unavailable_reason()
        if reason:
            item = self.device.model().item(1)
            item.setEnabled(False)
            item.setToolTip(reason)
            self.device.setItemText(1, "GPU (unavailable)")
            self.device.setToolTip(f"GPU: {reason}")
        form.addRow("Device", self.device)
        self.seed = QSpinBox(self)
        self.seed.setRange(0, 2 ** 31 - 1)
        form.addRow("Seed", self.seed)
        self.early = QSpinBox(self)
        self.early.setRange(0, 100000)
        self.early.setSpecialValueText("off")
        self.early.setToolTip("early stopping: stop after this many epochs without a better validation loss")
        form.addRow("Early stopping", self.early)
        self.restore = QCheckBox("keep the best epoch", self)
        self.restore.setToolTip("at the end, go back to the weights of the epoch with the lowest validation loss")
        form.addRow("", self.restore)
        for w in (self.source, self.label_column, self.x_key, self.normalize, self.optimizer, self.device):
            w.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
            w.setMinimumContentsLength(6)
        for w in (self.split, self.lr, self.batch, self.epochs, self.seed, self.early):
            w.setMinimumWidth(60)
        self.message = QLabel("", self)
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #e5484d")
        lay.addWidget(self.message)
        lay.addStretch(1)
        for w in (self.source, self.normalize, self.optimizer, self.device, self.label_column, self.x_key):
            w.activated.connect(self._edited)
        for w in (self.split, self.lr, self.batch, self.epochs, self.seed, self.early):
            w.editingFinished.connect(self._edited)
            w.valueChanged.connect(self._spun)
        self.restore.toggled.connect(self._edited)
        self.path.editingFinished.connect(self._path_edited)
        self.browse.clicked.connect(self._browse)
        self.set_document(document)
        self.set_state("idle")

    # ------------------------------------------------------------- document
    def set_document(self, document):
        if self.document is not None:
            self._unsubscribe()
        self.document = document
        self._unsubscribe = document.graph.subscribe(
            lambda e: self.load() if e.kind == "config_changed" else None)
        self.load()

    def detach(self):
        self._unsubscribe()

    def load(self):
        """Show the document's configuration."""
        self._loading = True
        try:
            g = self.document.graph
            cfg = training_config(g.config.get("training", {}))
            ds = g.config.get("dataset") or {}
            src = ds.get("source")
            key = f"{src}:{ds.get('name') if src in ('bundled', 'synthetic') else ''}" if ds else NO_DATA
            i = self.source.findData(key)
            self.source.setCurrentIndex(i if i >= 0 else 0)      # unknown or missing: "none", truthfully
            self.path.setText(ds.get("path", "") if src in ("csv", "npz") else "")
            self._fill_columns(ds)
            self.split.setValue(float(ds.get("validation_split", 0.2)))
            self.split.setEnabled(not ds.get("validation_rows") and not ds.get("validation"))
            if not self.split.isEnabled():
                self.split.setToolTip("this data set comes with its own validation rows")
            self.normalize.setCurrentText(ds.get("normalize", "none"))
            self.optimizer.setCurrentText(cfg["optimizer"])
            self.lr.setValue(cfg["lr"])
            self.batch.setValue(cfg["batch_size"])
            self.epochs.setValue(cfg["epochs"])
            self.device.setCurrentIndex(1 if cfg["device"] == "gpu" else 0)
            self.seed.setValue(cfg["seed"])
            self.early.setValue(cfg["early_stopping"])
            self.restore.setChecked(cfg["restore_best"])
            self.message.setText("" if ds else "No data set yet: choose one to train on.")
        finally:
            self._loading = False

    def _fill_columns(self, ds):
        src = ds.get("source")
        is_file = src in ("csv", "npz")
        self.file_row.setEnabled(is_file)
        self.label_column.clear()
        self.x_key.clear()
        self.label_column.setEnabled(is_file)
        self.x_key.setEnabled(src == "npz")
        path = self._resolve(ds.get("path", "")) if is_file else ""
        try:
            names = (csv_columns(path) if src == "csv" else npz_keys(path)) if path and os.path.exists(path) else []
        except (OSError, ValueError, csv.Error):
            names = []
        if src == "csv":
            self.label_column.addItems(names)
            self.label_column.setCurrentText(ds.get("label") or (names[-1] if names else ""))
        elif src == "npz":
            self.label_column.addItems(names)
            self.x_key.addItems(names)
            self.label_column.setCurrentText(ds.get("y") or ("y" if "y" in names else (names[-1] if names else "")))
            self.x_key.setCurrentText(ds.get("x") or ("x" if "x" in names else (names[0] if names else "")))

    def _source(self):
        """(source, name) of the chosen data set."""
        src, _, name = (self.source.currentData() or NO_DATA).partition(":")
        return src, name or None

    def _resolve(self, path):
        if not path or os.path.isabs(path) or not self.document.path:
            return path
        return os.path.join(os.path.dirname(self.document.path), path)

    # ------------------------------------------------------------- edits → commands
    def _spun(self, _value):
        """Arrow clicks and wheel steps commit at once; typing commits on Enter/leaving the field."""
        w = self.sender()
        if not self._loading and w is not None and not w.hasFocus():
            self._edited()

    def _path_edited(self):
        if not self._loading:
            self._edited()

    def _browse(self):
        src = self._source()[0]
        pattern = "CSV files (*.csv *.csv.gz *.tsv *.txt)" if src == "csv" else "NumPy archives (*.npz)"
        path, _ = QFileDialog.getOpenFileName(self, "Choose a data file", os.path.dirname(self.path.text()), pattern)
        if path:
            self.path.setText(path)
            self._edited()

    def dataset_config(self):
        """The data-set configuration the fields describe (other keys of the same set are kept)."""
        old = dict(self.document.graph.config.get("dataset") or {})
        src, name = self._source()
        if src == "none":
            return old
        same = old.get("source") == src and (old.get("name") == name or src in ("csv", "npz"))
        ds = old if same else {}
        ds["source"] = src
        if src in ("bundled", "synthetic"):
            ds["name"] = name
            for k in ("path", "label", "features", "x", "y"):
                ds.pop(k, None)
        else:
            ds.pop("name", None)
            ds.pop("options", None)
            ds["path"] = self.path.text().strip()
            if src == "csv" and self.label_column.currentText():
                ds["label"] = self.label_column.currentText()
            if src == "npz":
                if self.x_key.currentText():
                    ds["x"] = self.x_key.currentText()
                if self.label_column.currentText():
                    ds["y"] = self.label_column.currentText()
        split = round(self.split.value(), 4)
        if self.split.isEnabled() and ("validation_split" in ds or split != 0.2):
            ds["validation_split"] = split
        if "normalize" in ds or self.normalize.currentText() != "none":
            ds["normalize"] = self.normalize.currentText()
        return ds

    def training_values(self):
        """The stored training settings with the fields' values; keys left at their defaults
        stay out of the file unless they were there already."""
        old = dict(self.document.graph.config.get("training", {}))
        current = training_config(old)
        fields = dict(optimizer=self.optimizer.currentText(), lr=round(self.lr.value(), 6),
                      batch_size=self.batch.value(), epochs=self.epochs.value(), device=self.device.currentData(),
                      seed=self.seed.value(), early_stopping=self.early.value(), restore_best=self.restore.isChecked())
        for k, v in fields.items():
            if k in old or v != current[k]:
                old[k] = v
        return old

    def _edited(self, *_):
        if self._loading:
            return
        doc = self.document
        try:
            tr = self.training_values()
            training_config(tr)
        except ParamError as exc:
            self.message.setText(str(exc))
            return
        ds = self.dataset_config()
        self.message.setText("")
        if ds != (doc.graph.config.get("dataset") or {}):
            doc.push(SetConfig(doc, "dataset", ds, "Change data set"))
        if tr != doc.graph.config.get("training", {}):
            doc.push(SetConfig(doc, "training", tr, "Change training settings"))

    # ------------------------------------------------------------- run state
    def set_state(self, state):
        """'idle', 'running', 'paused' or 'stopping': settings are edited between runs."""
        idle = state == "idle"
        for w in (self.source, self.file_row, self.split, self.normalize, self.optimizer, self.lr, self.batch,
                  self.epochs, self.device, self.seed, self.early, self.restore):
            w.setEnabled(idle if w is not self.file_row else idle and self._source()[0] in ("csv", "npz"))
        if idle:
            self.split.setEnabled(not (self.document.graph.config.get("dataset") or {}).get("validation_rows"))
