"""The run history: every run of the document with what it ran with and how it ended, one row
each. Tick runs to overlay their curves in the plots (the disease beside the cure), rename them,
delete them; every change is an undoable edit of the document, saved with the graph."""
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QPushButton, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from app.commands import SetConfig
from engine.graph.runs import describe
from engine.graph import changes as ch
from . import style as S

RUN_COLORS = [c.name() for c in S.RUN_COLORS]
COLUMNS = ("show", "run", "settings", "best epoch", "best val. loss", "final val. loss", "overfitting from")


def run_color(index):
    return QColor(RUN_COLORS[index % len(RUN_COLORS)])


def _num(v):
    return "—" if v is None else f"{v:.4g}"


class RunsView(QWidget):
    overlays_changed = Signal(list)      # the runs to overlay, with their colours: [(run, QColor)]

    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.document = document
        lay = QVBoxLayout(self)
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        h = self.table.horizontalHeader()
        h.setSectionResizeMode(QHeaderView.ResizeToContents)
        h.setSectionResizeMode(2, QHeaderView.Stretch)
        lay.addWidget(self.table, 1)
        row = QHBoxLayout()
        self.note = QLabel("Every training run is kept here with its settings. Tick runs to overlay their curves; "
                           "double-click a name to rename it.", self)
        self.note.setWordWrap(True)
        self.delete_button = QPushButton("Delete selected", self)
        row.addWidget(self.note, 1)
        row.addWidget(self.delete_button)
        lay.addLayout(row)
        self._loading = False
        self.table.itemChanged.connect(self._item_changed)
        self.delete_button.clicked.connect(self.delete_selected)
        self._unsubscribe = document.graph.subscribe(
            lambda e: self.load() if isinstance(e, ch.ConfigChanged) and e.key == "runs" else None)
        self.load()

    def detach(self):
        self._unsubscribe()

    @property
    def runs(self):
        return list(self.document.graph.config.get("runs") or [])

    def load(self):
        self._loading = True
        try:
            runs = self.runs
            self.table.setRowCount(len(runs))
            for i, run in enumerate(runs):
                s = run.get("summary", {})
                show = QTableWidgetItem()
                show.setFlags(Qt.ItemIsUserCheckable | Qt.ItemIsEnabled | Qt.ItemIsSelectable)
                show.setCheckState(Qt.Checked if run.get("overlay") else Qt.Unchecked)
                if run.get("overlay"):                  # its colour in the plots
                    show.setBackground(run_color(i))
                name = QTableWidgetItem(run.get("name", ""))
                cells = [show, name, QTableWidgetItem(describe(run)), QTableWidgetItem(str(s.get("best_epoch") or "—")),
                         QTableWidgetItem(_num(s.get("best_val_loss"))), QTableWidgetItem(_num(s.get("final_val_loss"))),
                         QTableWidgetItem("none" if s.get("overfitting_onset") is None
                                          else f"epoch {s['overfitting_onset']}")]
                for c, item in enumerate(cells):
                    if c not in (0, 1):
                        item.setFlags(Qt.ItemIsEnabled | Qt.ItemIsSelectable)
                    item.setData(Qt.UserRole, run.get("id"))
                    self.table.setItem(i, c, item)
        finally:
            self._loading = False
        self.overlays_changed.emit(self.overlays())

    def overlays(self):
        return [(run, run_color(i)) for i, run in enumerate(self.runs) if run.get("overlay")]

    def _push(self, runs, text, field=None):
        self.document.push(SetConfig(self.document, "runs", runs or None, text, field))

    def _item_changed(self, item):
        if self._loading:
            return
        runs = self.runs
        i = item.row()
        if i >= len(runs):
            return
        run = dict(runs[i])
        if item.column() == 0:
            on = item.checkState() == Qt.Checked
            if on == bool(run.get("overlay")):
                return
            run["overlay"] = on
            runs[i] = run
            self._push(runs, f"{'Show' if on else 'Hide'} {run['name']} in the plots")
        elif item.column() == 1:
            name = item.text().strip()[:200]
            if not name or name == run.get("name"):
                self.load()
                return
            run["name"] = name
            runs[i] = run
            self._push(runs, f"Rename a run to {name}")

    def set_overlay(self, index, on):
        item = self.table.item(index, 0)
        item.setCheckState(Qt.Checked if on else Qt.Unchecked)

    def delete_selected(self):
        rows = sorted({i.row() for i in self.table.selectedItems()})
        if not rows:
            return
        runs = [r for i, r in enumerate(self.runs) if i not in rows]
        self._push(runs, f"Delete {len(rows)} run{'s' * (len(rows) != 1)}")
