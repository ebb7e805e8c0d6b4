"""The main window: canvas in the middle, palette and inspector docks, menus and toolbar with
the standard shortcuts, status bar with errors and parameter count, files with a dirty marker,
save prompts, autosave and recovery."""
import os
import time

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence, QUndoCommand
from PySide6.QtWidgets import (QApplication, QDockWidget, QFileDialog, QLabel, QMainWindow, QMessageBox)

from app.autosave import Autosave
from app.commands import AddFragment, MoveNodes, RemoveItems
from app.document import Document
from engine.errors import EngineError
from engine.graph import fileformat
from engine.graph.layout import layered_layout
from .inspector import Inspector
from .interactions import add_node_at
from .palette import Palette
from .scene import GraphScene
from .training_view import TrainingView
from .view import GraphView

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = os.path.join(ROOT, "resources", "examples")
FILTER = "Tensorweave graphs (*.twg);;All files (*)"
MAX_RECENT = 10


class MainWindow(QMainWindow):
    def __init__(self, document=None, autosave=True):
        super().__init__()
        self.resize(1400, 860)
        self.settings = QSettings("Tensorweave", "Tensorweave")
        self.palette = Palette(self)
        dock = QDockWidget("Palette", self)
        dock.setObjectName("palette")
        dock.setWidget(self.palette)
        self.addDockWidget(Qt.LeftDockWidgetArea, dock)
        self.inspector_dock = QDockWidget("Inspector", self)
        self.inspector_dock.setObjectName("inspector")
        self.inspector_dock.setMinimumWidth(Inspector.WIDTH)
        self.addDockWidget(Qt.RightDockWidgetArea, self.inspector_dock)
        dock.setMinimumWidth(220)
        self.training_dock = QDockWidget("Training", self)
        self.training_dock.setObjectName("training")
        self.addDockWidget(Qt.BottomDockWidgetArea, self.training_dock)
        self.training = None
        self.status_counts = QLabel(self)
        self.statusBar().addPermanentWidget(self.status_counts)
        self.document = None
        self._make_actions()
        self.set_document(document or Document())
        self.palette.activated.connect(self._add_from_palette)
        self.autosave = Autosave(self) if autosave else None

    # ------------------------------------------------------------- documents
    def set_document(self, doc):
        old = self.document
        if old is not None:
            self.training.detach()
            self.training.deleteLater()
            self.scene.detach()
            self.inspector.detach()
            self._unsubscribe_counts()
            self.undo_action.setEnabled(False)
        self.document = doc
        doc.setParent(self)
        self.scene = GraphScene(doc, self)
        if getattr(self, "view", None) is None:
            self.view = GraphView(self.scene, doc, self)
            self.view.status_message.connect(lambda m: self.statusBar().showMessage(m, 6000))
            self.setCentralWidget(self.view)
        else:
            self.view.setScene(self.scene)
            self.view.document = doc
        self.inspector = Inspector(doc, self)
        self.inspector_dock.setWidget(self.inspector)
        self.resizeDocks([self.inspector_dock], [Inspector.WIDTH], Qt.Horizontal)
        self.training = TrainingView(doc, self.scene, self)
        self.training_dock.setWidget(self.training)
        self.resizeDocks([self.training_dock], [330], Qt.Vertical)
        self.training.message.connect(lambda m: self.statusBar().showMessage(m, 8000))
        self.training.error.connect(lambda title, text: self.show_error(title, text))  # replaceable
        self.training.failed_at.connect(self._select_node)
        self.training.session.state_changed.connect(self._training_state)
        self.scene.selectionChanged.connect(self._selection_changed)
        doc.title_changed.connect(lambda _: self._update_title())
        self._unsubscribe_counts = doc.graph.subscribe(
            lambda e: self._update_counts() if e.kind == "analysis" else None)
        self._bind_undo(doc)
        self._update_title()
        self._update_counts()
        QTimer.singleShot(0, self.view.fit)          # once the layout has given the view its size
        if old is not None:
            old.deleteLater()

    def _bind_undo(self, doc):
        stack = doc.undo_stack
        for act, can, slot, signal in ((self.undo_action, stack.canUndo, stack.undo, stack.canUndoChanged),
                                       (self.redo_action, stack.canRedo, stack.redo, stack.canRedoChanged)):
            try:
                act.triggered.disconnect()
            except (RuntimeError, TypeError):
                pass
            act.triggered.connect(slot)
            act.setEnabled(can())
            signal.connect(act.setEnabled)

    def _update_title(self):
        self.setWindowTitle(f"{self.document.title()} — Tensorweave")

    def _update_counts(self):
        a = self.document.graph.analysis
        errors = len(a.errors)
        warnings = len(a.issues) - errors
        self.status_counts.setText(f"{errors} error{'s' * (errors != 1)} · {warnings} warning{'s' * (warnings != 1)} · "
                                   f"{a.total_params():,} parameters")

    def _selection_changed(self):
        ids = self.scene.selected_node_ids()
        self.inspector.show_node(ids[0] if len(ids) == 1 else None)
        self.training.set_selected_node(ids[0] if len(ids) == 1 else None)

    def _select_node(self, node_id):
        item = self.scene.node_items.get(node_id)
        if item is not None:
            self.scene.clearSelection()
            item.setSelected(True)
            self.view.centerOn(item)

    def _training_state(self, state):
        idle = state == "idle"
        self.actions["train"].setEnabled(idle)
        self.actions["stop"].setEnabled(not idle)

    # ------------------------------------------------------------- dialogs (replaceable in tests)
    def ask_save_changes(self):
        """'save', 'discard' or 'cancel'."""
        box = QMessageBox(QMessageBox.Warning, "Unsaved changes",
                          f"{self.document.display_name()} has unsaved changes. Save them?",
                          QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel, self)
        answer = box.exec()
        return {QMessageBox.Save: "save", QMessageBox.Discard: "discard"}.get(answer, "cancel")

    def ask_open_path(self):
        path, _ = QFileDialog.getOpenFileName(self, "Open graph", self._last_folder(), FILTER)
        return path or None

    def ask_save_path(self):
        start = self.document.path or os.path.join(self._last_folder(), self.document.display_name() + ".twg")
        path, _ = QFileDialog.getSaveFileName(self, "Save graph as", start, FILTER)
        if path and not path.endswith(".twg"):
            path += ".twg"
        return path or None

    def ask_stop_training(self):
        """Closing or replacing the document while it trains: True to stop the run."""
        answer = QMessageBox.question(self, "Training is running",
                                      "Training is still running. Stop it and continue?",
                                      QMessageBox.Yes | QMessageBox.No, QMessageBox.No)
        return answer == QMessageBox.Yes

    def show_error(self, title, message):
        QMessageBox.critical(self, title, message)

    def ask_restore(self, record):
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(record.get("saved_at", 0)))
        answer = QMessageBox.question(self, "Restore unsaved work?",
                                      f"Tensorweave did not close properly. Restore the unsaved changes to "
                                      f"{record.get('name', 'a graph')} from {when}?",
                                      QMessageBox.Yes | QMessageBox.No, QMessageBox.Yes)
        return answer == QMessageBox.Yes

    def _last_folder(self):
        return self.settings.value("last_folder", os.path.expanduser("~"))

    # ------------------------------------------------------------- file actions
    def maybe_save(self):
        """True when it is fine to drop the current document (a running training is stopped
        first, after asking)."""
        if self.training is not None and self.training.session.busy:
            if not self.ask_stop_training():
                return False
            self.training.stop(wait=True)
        if not self.document.dirty:
            return True
        answer = self.ask_save_changes()
        if answer == "save":
            return self.save()
        return answer == "discard"

    def new(self):
        if self.maybe_save():
            self.set_document(Document())

    def open(self, path=None):
        if not self.maybe_save():
            return False
        path = path or self.ask_open_path()
        if not path:
            return False
        return self.open_path(path)

    def open_path(self, path):
        """Open without asking; a bad file shows the loader's message and changes nothing."""
        try:
            doc = Document.open(path)
        except (EngineError, OSError) as exc:
            self.show_error("Cannot open graph", str(exc))
            return False
        self.set_document(doc)
        for w in getattr(doc, "warnings", []):
            self.statusBar().showMessage(w, 10000)
        self._remember(path)
        return True

    def save(self):
        if not self.document.path:
            return self.save_as()
        return self._save_to(self.document.path)

    def save_as(self):
        path = self.ask_save_path()
        return self._save_to(path) if path else False

    def _save_to(self, path):
        try:
            self.document.save(path)
        except (EngineError, OSError) as exc:
            self.show_error("Cannot save graph", str(exc))
            return False
        self._remember(path)
        if self.autosave:
            self.autosave.discard()
        self.statusBar().showMessage(f"Saved {path}", 4000)
        return True

    def _remember(self, path):
        path = os.path.abspath(path)
        self.settings.setValue("last_folder", os.path.dirname(path))
        recent = [p for p in (self.settings.value("recent", []) or []) if p != path]
        self.settings.setValue("recent", [path] + recent[:MAX_RECENT - 1])
        self._fill_recent()

    def _fill_recent(self):
        self.recent_menu.clear()
        recent = [p for p in (self.settings.value("recent", []) or []) if isinstance(p, str)]
        for p in recent:
            act = self.recent_menu.addAction(os.path.basename(p))
            act.setToolTip(p)
            act.triggered.connect(lambda _=False, path=p: self.open(path))
        self.recent_menu.setEnabled(bool(recent))

    def closeEvent(self, event):
        if self.maybe_save():
            if self.autosave:
                self.autosave.stop()
            self.training.detach()
            event.accept()
        else:
            event.ignore()

    def offer_recovery(self):
        """At start: offer to restore what a session that crashed left behind."""
        from app.autosave import leftover_recoveries
        for record in leftover_recoveries():
            if record["file"] == (self.autosave.path if self.autosave else None):
                continue
            restore = self.ask_restore(record)
            if restore:
                try:
                    loaded = fileformat.loads(record["document"], source="recovered work")
                except EngineError as exc:
                    self.show_error("Cannot restore", str(exc))
                else:
                    doc = Document(loaded.graph, record.get("original_path"), loaded.name, loaded.description)
                    self.set_document(doc)
                    # recovered work is unsaved work: one step away from the (clean) empty history
                    doc.undo_stack.push(QUndoCommand("Restored unsaved work"))
            os.remove(record["file"])
            return True
        return False

    # ------------------------------------------------------------- edit actions
    def delete_selection(self):
        nodes, edges = self.scene.selected_node_ids(), self.scene.selected_edge_ids()
        if nodes or edges:
            self.document.push(RemoveItems(self.document, nodes, edges))

    def copy(self):
        nodes = self.scene.selected_node_ids()
        if not nodes:
            return False
        # Plain text (a format-tagged JSON fragment): Qt builds the clipboard's data itself. A
        # QMimeData made in Python and owned by the clipboard crashes PySide at interpreter exit.
        QApplication.clipboard().setText(fileformat.fragment_to_text(self.document.graph, nodes))
        return True

    def cut(self):
        if self.copy():
            self.delete_selection()

    def paste(self):
        text = QApplication.clipboard().text()
        try:
            nodes, edges = fileformat.fragment_from_text(text)
        except EngineError as exc:
            self.statusBar().showMessage(str(exc), 5000)
            return False
        self._add_fragment(nodes, edges, "Paste")
        return True

    def duplicate(self):
        ids = self.scene.selected_node_ids()
        if ids:
            nodes, edges = fileformat.fragment_from_text(fileformat.fragment_to_text(self.document.graph, ids))
            self._add_fragment(nodes, edges, "Duplicate")

    def _add_fragment(self, nodes, edges, text):
        cmd = AddFragment(self.document, nodes, edges, (40, 40), text)
        self.document.push(cmd)
        self.scene.clearSelection()
        for nid in cmd.node_ids:
            self.scene.node_items[nid].setSelected(True)

    def select_all(self):
        for item in self.scene.node_items.values():
            item.setSelected(True)

    def auto_layout(self):
        g = self.document.graph
        moves = {nid: (g.nodes[nid].position, pos) for nid, pos in layered_layout(g).items()
                 if g.nodes[nid].position != pos}
        if moves:
            self.document.push(MoveNodes(self.document, moves, "Auto-layout"))
        self.view.fit()

    def _add_from_palette(self, type_id):
        center = self.view.mapToScene(self.view.viewport().rect().center())
        add_node_at(self.view, type_id, center)

    # ------------------------------------------------------------- menus and toolbar
    def _action(self, text, slot, shortcut=None, tip=None):
        act = QAction(text, self)
        if shortcut is not None:
            act.setShortcuts(shortcut if isinstance(shortcut, list) else [shortcut])
        act.setStatusTip(tip or text.replace("&", ""))
        act.triggered.connect(lambda _=False: slot())
        return act

    def _make_actions(self):
        K = QKeySequence
        self.actions = a = {
            "new": self._action("&New", self.new, K.New),
            "open": self._action("&Open…", self.open, K.Open),
            "save": self._action("&Save", self.save, K.Save),
            "save_as": self._action("Save &As…", self.save_as, K.SaveAs),
            "quit": self._action("&Quit", self.close, K.Quit),
            "cut": self._action("Cu&t", self.cut, K.Cut),
            "copy": self._action("&Copy", self.copy, K.Copy),
            "paste": self._action("&Paste", self.paste, K.Paste),
            "duplicate": self._action("&Duplicate", self.duplicate, K("Ctrl+D")),
            "delete": self._action("De&lete", self.delete_selection, [K(K.Delete), K("Backspace")]),
            "select_all": self._action("Select &All", self.select_all, K.SelectAll),
            "zoom_in": self._action("Zoom &In", lambda: self.view.zoom_in(), [K(K.ZoomIn), K("Ctrl+=")]),
            "zoom_out": self._action("Zoom &Out", lambda: self.view.zoom_out(), K.ZoomOut),
            "fit": self._action("&Fit to View", lambda: self.view.fit(), K("Ctrl+0")),
            "layout": self._action("Auto-&layout", self.auto_layout, K("Ctrl+L")),
            "train": self._action("&Train", lambda: self.training.run(), K("F5"), "Train the graph on its data set"),
            "stop": self._action("&Stop Training", lambda: self.training.stop(), K("Shift+F5")),
            "step": self._action("Train One &Batch", lambda: self.training.step(), K("F10")),
            "animate": self._action("&Animate One Step", lambda: self.training.animate_step(), K("F6")),
        }
        a["stop"].setEnabled(False)
        self.undo_action = QAction("&Undo", self)
        self.undo_action.setShortcuts(K.Undo)
        self.redo_action = QAction("&Redo", self)
        self.redo_action.setShortcuts([K(K.Redo), K("Ctrl+Y")])
        snap = QAction("&Snap to Grid", self, checkable=True, checked=True)
        snap.toggled.connect(lambda on: setattr(self.view, "snap_to_grid", on))
        mb = self.menuBar()
        m = mb.addMenu("&File")
        m.addActions([a["new"], a["open"]])
        self.recent_menu = m.addMenu("Open &Recent")
        self.examples_menu = m.addMenu("&Examples")
        for name in sorted(os.listdir(EXAMPLES)) if os.path.isdir(EXAMPLES) else []:
            if name.endswith(".twg"):
                act = self.examples_menu.addAction(name[:-4].replace("_", " "))
                act.triggered.connect(lambda _=False, p=os.path.join(EXAMPLES, name): self.open(p))
        m.addSeparator()
        m.addActions([a["save"], a["save_as"]])
        m.addSeparator()
        m.addAction(a["quit"])
        m = mb.addMenu("&Edit")
        m.addActions([self.undo_action, self.redo_action])
        m.addSeparator()
        m.addActions([a["cut"], a["copy"], a["paste"], a["duplicate"], a["delete"]])
        m.addSeparator()
        m.addAction(a["select_all"])
        m = mb.addMenu("&View")
        m.addActions([a["zoom_in"], a["zoom_out"], a["fit"]])
        m.addSeparator()
        m.addActions([a["layout"], snap])
        m = mb.addMenu("&Training")
        m.addActions([a["train"], a["stop"], a["step"], a["animate"]])
        tb = self.addToolBar("Main")
        tb.setObjectName("main toolbar")
        tb.addActions([a["new"], a["open"], a["save"]])
        tb.addSeparator()
        tb.addActions([self.undo_action, self.redo_action])
        tb.addSeparator()
        tb.addActions([a["fit"], a["layout"]])
        tb.addSeparator()
        tb.addActions([a["train"], a["stop"]])
        self._fill_recent()

