"""The training setup — the overfitting lab: the data set (with a synthetic set's own options: its
size and noise) and every setting of the training configuration, each edited with the editor its
typed spec calls for (param_editors.py, the Inspector's too), every change an undoable SetConfig
command checked by the engine. Settings that do not apply to the chosen optimizer or schedule
are hidden. The run controls live in the training toolbar (run_controls.py)."""
import os

from PySide6.QtWidgets import (QComboBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton,
                               QVBoxLayout, QWidget)

from app.commands import SetConfig
from engine.backend import gpu_unavailable_reason
from engine.data import BUNDLED, NORMALIZE, VALIDATION_SPLIT, DataError, csv_columns, data_path, npz_keys
from engine.data.synthetic import GENERATORS, OPTIONS
from engine.graph.training import TRAINING_PARAMS, training_config
from engine.params import ParamError
from engine.graph import changes as ch
from . import style as S
from .param_editors import make_editor, show_value

# the sections of the form, and which settings apply when (hidden otherwise)
SECTIONS = (("Optimizer", ("optimizer", "lr", "momentum", "nesterov", "beta1", "beta2", "weight_decay")),
            ("Batches and epochs", ("batch_size", "epochs", "shuffle")),
            ("Schedule and stopping", ("schedule", "schedule_step", "schedule_gamma", "early_stopping",
                                       "restore_best", "clip_grad_norm")),
            ("Run", ("seed", "device")))
APPLIES = {
    "momentum": lambda c: c["optimizer"] in ("sgd", "rmsprop"),
    "nesterov": lambda c: c["optimizer"] == "sgd",
    "beta1": lambda c: c["optimizer"] in ("adam", "adamw", "adamax"),
    "beta2": lambda c: c["optimizer"] in ("adam", "adamw", "adamax"),
    "schedule_step": lambda c: c["schedule"] in ("step", "plateau"),
    "schedule_gamma": lambda c: c["schedule"] in ("step", "exponential", "plateau"),
}
LABELS = {"lr": "learning rate", "beta1": "β₁", "beta2": "β₂", "schedule_step": "every (epochs)",
          "schedule_gamma": "factor", "early_stopping": "early stopping", "restore_best": "keep best epoch",
          "clip_grad_norm": "clip gradients", "validation_split": "validation share", "normalize": "scaling",
          "n": "points", "n_train": "training points", "n_validation": "validation points",
          "label_noise": "label noise"}


NO_DATA = "none:"


class TrainingPanel(QWidget):
    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.document = None
        self._loading = False
        self._data_rows = []                 # (label, widget) of the synthetic set's options
        self.option_editors = {}
        self._options_for = None             # (source, name) the option editors were made for
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 4, 6, 4)
        self.form = form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.DontWrapRows)
        form.setFieldGrowthPolicy(QFormLayout.AllNonFixedFieldsGrow)
        lay.addLayout(form)
        # --- data
        self._section("Data")
        self.source = QComboBox(self)
        self.source.addItem("none: choose a data set", NO_DATA)
        for name in BUNDLED:
            self.source.addItem(f"{name.replace('_', ' ')} (bundled)", f"bundled:{name}")
        for name in GENERATORS:
            self.source.addItem(f"{name.replace('_', ' ')} (synthetic)", f"synthetic:{name}")
        self.source.addItem("CSV file…", "csv:")
        self.source.addItem("NPZ file…", "npz:")
        self.source.model().item(0).setEnabled(False)      # shown when there is none, not chosen
        self.source.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.source.setMinimumContentsLength(8)
        self.source.setMinimumWidth(70)
        form.addRow("data set", self.source)
        self.file_row = QWidget(self)
        fr = QHBoxLayout(self.file_row)
        fr.setContentsMargins(0, 0, 0, 0)
        self.path = QLineEdit(self.file_row)
        self.path.setPlaceholderText("file path")
        self.browse = QPushButton("…", self.file_row)
        self.browse.setFixedWidth(28)
        fr.addWidget(self.path)
        fr.addWidget(self.browse)
        form.addRow("file", self.file_row)
        self.label_column = QComboBox(self)
        self.label_column.setToolTip("CSV: the target column (features: every other column). NPZ: the array of targets")
        form.addRow("target", self.label_column)
        self.x_key = QComboBox(self)
        self.x_key.setToolTip("NPZ: the array of features")
        form.addRow("features", self.x_key)
        self._options_at = form.rowCount()   # a synthetic set's options go here
        self.split = self._editor(VALIDATION_SPLIT, self._commit_dataset)
        form.addRow(LABELS["validation_split"], self.split)
        self.normalize = self._editor(NORMALIZE, self._commit_dataset)
        form.addRow(LABELS["normalize"], self.normalize)
        self.counts = QLabel("", self)
        self.counts.setWordWrap(True)
        self.counts.setStyleSheet(f"color: {S.FAINT.name()}")
        form.addRow("", self.counts)
        # --- training: every setting of the configuration, from its spec
        specs = {p.name: p for p in TRAINING_PARAMS}
        self.editors = {}
        for title, names in SECTIONS:
            self._section(title)
            for name in names:
                w = self._editor(specs[name], self._commit_training)
                self.editors[name] = w
                form.addRow(LABELS.get(name, name.replace("_", " ")), w)
        self.editors["batch_size"].setSpecialValueText("whole set")
        self.editors["early_stopping"].setSpecialValueText("off")
        self.editors["epochs"].setMaximum(1_000_000)
        self.device = self.editors["device"]
        self.device.setItemText(0, "CPU")
        self.device.setItemText(1, "GPU")
        reason = gpu_unavailable_reason()
        if reason:
            item = self.device.model().item(1)
            item.setEnabled(False)
            item.setToolTip(reason)
            self.device.setItemText(1, "GPU (unavailable)")
            self.device.setToolTip(f"{self.device.spec.help}. GPU: {reason}")
        self.optimizer, self.lr, self.batch = self.editors["optimizer"], self.editors["lr"], self.editors["batch_size"]
        self.epochs, self.seed, self.early = self.editors["epochs"], self.editors["seed"], self.editors["early_stopping"]
        self.restore = self.editors["restore_best"]
        self.message = QLabel("", self)
        self.message.setWordWrap(True)
        self.message.setStyleSheet(f"color: {S.ERROR.name()}")
        lay.addWidget(self.message)
        lay.addStretch(1)
        for w in (self.source, self.label_column, self.x_key):
            w.activated.connect(lambda *_: self._commit_dataset())
        self.path.editingFinished.connect(lambda: None if self._loading else self._path_typed())
        self.browse.clicked.connect(self._browse)
        self.set_document(document)
        self.set_state("idle")

    def _section(self, title):
        label = QLabel(f"<b>{title}</b>", self)
        label.setStyleSheet(f"color: {S.SECTION.name()}; padding-top: 6px")
        self.form.addRow(label)

    def _editor(self, spec, commit):
        w = make_editor(spec, self, lambda v, s=spec: None if self._loading else commit(s.name, v),
                        lambda msg: self.message.setText(msg))
        return w

    # ------------------------------------------------------------- document
    def set_document(self, document):
        if self.document is not None:
            self._unsubscribe()
        self.document = document
        self._unsubscribe = document.graph.subscribe(
            lambda e: self.load() if isinstance(e, ch.ConfigChanged) else None)
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
            self._fill_options(ds)
            show_value(self.split, float(ds.get("validation_split", VALIDATION_SPLIT.default)))
            own_rows = bool(ds.get("validation_rows") or ds.get("validation") or
                            (src == "synthetic" and ds.get("name") == "few_points"))
            self.split.setEnabled(not own_rows)
            self.split.setToolTip("this data set comes with its own validation rows" if own_rows
                                  else VALIDATION_SPLIT.help)
            show_value(self.normalize, ds.get("normalize", "none"))
            for name, w in self.editors.items():
                show_value(w, cfg[name])
                applies = APPLIES.get(name, lambda c: True)(cfg)
                w.setVisible(applies)
                self.form.labelForField(w).setVisible(applies)
            self._show_counts(ds)
            self.message.setText("" if ds else "No data set yet: choose one to train on.")
        finally:
            self._loading = False

    def _fill_options(self, ds):
        """A synthetic set's own options (size, noise …), from the generator's specs. The editors
        are made again only when the set changes: an edit of one of them must not delete it."""
        which = (ds.get("source"), ds.get("name"))
        values = dict(ds.get("options") or {})
        if which == self._options_for:
            for name, w in self.option_editors.items():
                show_value(w, values.get(name, w.spec.default))
            return
        self._options_for = which
        for label, w in self._data_rows:
            self.form.removeRow(w)
        self._data_rows = []
        self.option_editors = {}
        if ds.get("source") != "synthetic":
            return
        for k, spec in enumerate(OPTIONS.get(ds.get("name"), ())):
            w = self._editor(spec, self._commit_option)
            show_value(w, values.get(spec.name, spec.default))
            label = LABELS.get(spec.name, spec.name.replace("_", " "))
            self.form.insertRow(self._options_at + k, label, w)
            self._data_rows.append((label, w))
        self.option_editors = {w.spec.name: w for _, w in self._data_rows}

    def _show_counts(self, ds):
        """How many points train and how many validate (a synthetic set's, known without loading it)."""
        text = ""
        if ds.get("source") == "synthetic":
            opts = dict(ds.get("options") or {})
            specs = {p.name: p for p in OPTIONS.get(ds.get("name"), ())}
            if "n_train" in specs:
                n_tr = opts.get("n_train", specs["n_train"].default)
                n_va = opts.get("n_validation", specs["n_validation"].default)
            elif "n" in specs:
                n = opts.get("n", specs["n"].default)
                n_va = int(round(n * float(ds.get("validation_split", VALIDATION_SPLIT.default))))
                n_tr = n - n_va
            else:
                n_tr = None
            if n_tr is not None:
                text = f"{n_tr} for training, {n_va} for validation"
        self.counts.setText(text)
        self.counts.setVisible(bool(text))

    def _fill_columns(self, ds):
        src = ds.get("source")
        is_file = src in ("csv", "npz")
        self.file_row.setEnabled(is_file)
        self.label_column.clear()
        self.x_key.clear()
        self.label_column.setEnabled(is_file)
        self.x_key.setEnabled(src == "npz")
        for w in (self.file_row, self.label_column, self.x_key):
            w.setVisible(is_file and (w is not self.x_key or src == "npz"))
            self.form.labelForField(w).setVisible(w.isVisibleTo(self))
        names = []
        if is_file and ds.get("path"):
            base = os.path.dirname(self.document.path) if self.document.path else "."
            try:               # the same policy as training: a file outside the folder only once allowed
                path = data_path(ds["path"], base, allow=self.document.trusted_data)
                names = csv_columns(path) if src == "csv" else npz_keys(path)
            except DataError:
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

    # ------------------------------------------------------------- edits → commands
    def _browse(self):
        src = self._source()[0]
        pattern = "CSV files (*.csv *.csv.gz *.tsv *.txt)" if src == "csv" else "NumPy archives (*.npz)"
        path, _ = QFileDialog.getOpenFileName(self, "Choose a data file", os.path.dirname(self.path.text()), pattern)
        if path:
            self.document.trusted_data.add(os.path.realpath(path))      # chosen by the user: may be read
            self.path.setText(path)
            self._commit_dataset()

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
        if self.split.isEnabled() and ("validation_split" in ds or split != VALIDATION_SPLIT.default):
            ds["validation_split"] = split
        if "normalize" in ds or self.normalize.currentText() != "none":
            ds["normalize"] = self.normalize.currentText()
        return ds

    def _push(self, key, value, text, field=None):
        doc = self.document
        if value != (doc.graph.config.get(key) or {}):
            self.message.setText("")
            doc.push(SetConfig(doc, key, value, text, field))

    def _path_typed(self):
        """A path the user typed is the user's choice, like one picked with Browse: it may be read."""
        text = self.path.text().strip()
        if text:
            base = os.path.dirname(self.document.path) if self.document.path else os.getcwd()
            self.document.trusted_data.add(os.path.realpath(text if os.path.isabs(text) else os.path.join(base, text)))
        self._commit_dataset()

    def _commit_dataset(self, *_):
        if not self._loading:
            self._push("dataset", self.dataset_config(), "Change data set")

    def _commit_option(self, name, value):
        ds = dict(self.document.graph.config.get("dataset") or {})
        opts = dict(ds.get("options") or {})
        opts[name] = value
        ds["options"] = opts
        if ds.get("name") == "few_points" and name == "n_validation":
            ds["validation_rows"] = value          # the set's validation rows follow its own count
        self._push("dataset", ds, f"Set the data set's {LABELS.get(name, name)}", f"options.{name}")

    def _commit_training(self, name, value):
        old = dict(self.document.graph.config.get("training", {}))
        if training_config(old)[name] == value:
            return
        new = dict(old)
        new[name] = value
        try:
            training_config(new)
        except ParamError as exc:
            self.message.setText(str(exc))
            return
        self._push("training", new, f"Set {LABELS.get(name, name.replace('_', ' '))}", name)

    # ------------------------------------------------------------- run state
    def set_state(self, state):
        """'idle', 'running', 'paused' or 'stopping': settings are edited between runs."""
        idle = state == "idle"
        self.setEnabled(idle)
