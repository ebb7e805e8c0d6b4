"""The main window: the start page, or the canvas over the training views with the Palette and
the Inspector / Training setup docks; menus and toolbars with the standard shortcuts; a status
bar whose issue count leads to the faulty node; files with a dirty marker, save prompts,
autosave and recovery; presentation mode and focus modes; help."""
import os
import time

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence, QUndoCommand
from PySide6.QtWidgets import QApplication, QFileDialog, QLabel, QMainWindow, QMessageBox, QPushButton, QToolBar

from app.autosave import Autosave
from app.commands import AddFragment, MoveNodes, RemoveItems
from app.document import Document
from app.examples import catalog
from app.examples import find as find_example
from engine.errors import EngineError
from engine.graph import fileformat
from engine.graph.layout import layered_layout
from engine.graph import changes as ch
from engine.graph import memory
from . import style as S
from .canvas_legend import CanvasLegend
from .help import HelpDialog, concepts_html, quick_start_html
from .inspector import Inspector
from .interactions import add_node_at
from .palette import Palette
from .scene import GraphScene
from .start_page import StartPage
from .training_view import TrainingView
from .view import GraphView
from .window_layout import WindowLayout

FILTER = "Tensorweave graphs (*.twg);;All files (*)"
MAX_RECENT = 10
PACE_KEY = "training/pace"


class MainWindow(QMainWindow):
    def __init__(self, document=None, autosave=True, start_page=False):
        super().__init__()
        self.resize(1400, 860)
        self.settings = QSettings("Tensorweave", "Tensorweave")
        self.palette = Palette(self)
        self.examples = catalog()
        self.start_page = StartPage(self.examples, self)
        self.training_toolbar = QToolBar("Training", self)
        self.training_toolbar.setObjectName("training toolbar")
        self.layout_ = WindowLayout(self, self.palette, self.start_page)
        self.training = None
        self.view = None
        self._controls_action = None
        self._help = {}
        self._issue_cursor = 0
        self.issues_button = QPushButton(self)
        self.issues_button.setFlat(True)
        self.issues_button.setCursor(Qt.PointingHandCursor)
        self.issues_button.clicked.connect(self.go_to_next_issue)
        self.status_counts = QLabel(self)
        self.statusBar().addPermanentWidget(self.issues_button)
        self.statusBar().addPermanentWidget(self.status_counts)
        self.document = None
        self._make_actions()
        self.set_document(document or Document())
        self.palette.activated.connect(self._add_from_palette)
        self.start_page.open_path.connect(lambda p: self.open(p))
        self.start_page.new_graph.connect(self.new)
        self.start_page.open_file.connect(lambda: self.open())
        self.start_page.back.connect(self.back_to_editor)
        self.layout_.restore(self.settings)
        self._defaults_pending = not self.layout_.restored
        if start_page:
            self.show_start_page()
        self.autosave = Autosave(self) if autosave else None

    def showEvent(self, event):
        super().showEvent(event)
        if self._defaults_pending:                 # sizes proportional to the window it now has
            self._defaults_pending = False
            QTimer.singleShot(0, self._first_layout)

    def _first_layout(self):
        self.layout_.apply_defaults()
        if not self.layout_.on_start_page:
            self.view.fit()

    # ------------------------------------------------------------- documents
    def set_document(self, doc):
        old = self.document
        old_controls = self.training.controls if self.training is not None else None
        if old is not None:
            self.training.detach()
            self.training.deleteLater()
            self.scene.detach()
            self.inspector.detach()
            self._unsubscribe_counts()
            self.undo_action.setEnabled(False)
        self.document = doc
        doc.setParent(self)
        self.statusBar().clearMessage()          # nothing said about the last document stays
        self.scene = GraphScene(doc, self)
        if self.view is None:
            self.view = GraphView(self.scene, doc, self)
            self.view.status_message.connect(lambda m: self.statusBar().showMessage(m, 8000))
            self.canvas_legend = CanvasLegend(self.view)
        else:
            self.view.setScene(self.scene)
            self.view.document = doc
        self.inspector = Inspector(doc)
        self.layout_.inspector_scroll.setWidget(self.inspector)
        self.training = TrainingView(doc, self.scene, self)
        self.training.set_canvas_legend(self.canvas_legend)
        self.layout_.set_canvas_and_plots(self.view, self.training)
        self.layout_.setup_scroll.setWidget(self.training.panel)
        if self._controls_action is not None:
            self.training_toolbar.removeAction(self._controls_action)
            self._controls_action.deleteLater()
            old_controls.deleteLater()
        self._controls_action = self.training_toolbar.addWidget(self.training.controls)
        self.training.set_pace(self.settings.value(PACE_KEY, None))
        self.training.controls.pace_changed.connect(lambda v: self.settings.setValue(PACE_KEY, v))
        self.training.message.connect(lambda m: self.statusBar().showMessage(m, 8000))
        self.training.error.connect(lambda title, text: self.show_error(title, text))  # replaceable
        self.training.failed_at.connect(self._select_node)
        self.training.session.state_changed.connect(self._training_state)
        self.training.blocked_changed.connect(lambda _: self._training_state(self.training.session.state))
        self.training.animator.visited.connect(self._follow_animation)
        self.scene.selectionChanged.connect(self._selection_changed)
        doc.title_changed.connect(lambda _: self._update_title())
        self._unsubscribe_counts = doc.graph.subscribe(
            lambda e: self._update_counts() if isinstance(e, (ch.Analyzed, ch.ConfigChanged)) else None)
        self._bind_undo(doc)
        self._update_title()
        self._update_counts()
        self.layout_.show_editor()
        self._start_page_actions()
        self.layout_.setup_dock.raise_()
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
        mistakes, waiting = a.mistakes, a.unconnected
        warnings = len(a.issues) - len(a.errors)
        parts = []
        if mistakes:
            parts.append(f"✖ {len(mistakes)} error{'s' * (len(mistakes) != 1)}")
        if waiting:
            parts.append(f"→ {len(waiting)} input{'s' * (len(waiting) != 1)} to connect")
        if warnings:
            parts.append(f"⚠ {warnings} warning{'s' * (warnings != 1)}")
        self.issues_button.setText(" · ".join(parts))
        self.issues_button.setVisible(bool(parts) and not self.layout_.on_start_page)
        self.issues_button.setStyleSheet(f"color: {(S.ERROR if mistakes else S.INCOMPLETE if waiting else S.WARNING).name()};"
                                         " font-weight: bold; padding: 0 6px")
        self.issues_button.setToolTip("Click to go to the node (again for the next one)")
        text = f"{a.total_params():,} parameters"
        if not a.errors and a.order:
            est = memory.estimate(self.document.graph)
            text += f" · ~{memory.size_text(est.total)} to train"
            self.status_counts.setToolTip(f"Training needs {est.describe()}.")
        self.status_counts.setText(text)

    def issue_nodes(self):
        """Nodes with issues, mistakes first, in the graph's order."""
        a = self.document.graph.analysis
        rank = {"error": 0, "warning": 2}
        issues = sorted((i for i in a.issues if i.node), key=lambda i: rank[i.severity] + i.incomplete)
        out = []
        for i in issues:
            if i.node not in out and i.node in self.scene.node_items:
                out.append(i.node)
        return out

    def go_to_next_issue(self):
        """Select and centre the first node with an issue (the next one on each click)."""
        nodes = self.issue_nodes()
        if not nodes:
            return None
        nid = nodes[self._issue_cursor % len(nodes)]
        self._issue_cursor += 1
        self._select_node(nid)
        issues = self.document.graph.analysis.issues_for(node_id=nid)
        if issues:
            self.statusBar().showMessage(issues[0].message, 8000)
        return nid

    def _selection_changed(self):
        ids = self.scene.selected_node_ids()
        one = ids[0] if len(ids) == 1 else None
        self.inspector.show_node(one)
        self.training.set_selected_node(one)
        if one is not None:
            self.layout_.inspector_dock.raise_()
        elif not ids:
            self.layout_.setup_dock.raise_()

    def _select_node(self, node_id):
        item = self.scene.node_items.get(node_id)
        if item is not None:
            self.scene.clearSelection()
            item.setSelected(True)
            self.view.centerOn(item)

    def _follow_animation(self, phase, node_id):
        """In presentation mode the camera follows the animated node; otherwise it only comes into view."""
        item = self.scene.node_items.get(node_id)
        if item is None:
            return
        if self.view.presentation:
            self.view.follow(item)
        elif not self.view.visible_scene_rect().contains(item.sceneBoundingRect()):
            self.view.ensureVisible(item, 40, 40)

    def _training_state(self, state):
        idle = state == "idle"
        blocked = self.training.blocked
        editing = not self.layout_.on_start_page
        for name in ("train", "step", "animate"):
            self.actions[name].setEnabled(editing and (idle and blocked is None or (name == "step" and state == "paused")))
        tip = "Train the graph on its data set" if blocked is None else f"Cannot train yet: {blocked}"
        self.actions["train"].setToolTip(tip)
        self.actions["train"].setStatusTip(tip)
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

    def show_start_page(self):
        self.start_page.set_recent(self._recent())
        doc = self.document
        worth = doc is not None and (doc.path or doc.graph.nodes or doc.dirty)
        self.start_page.set_back(doc.display_name() if worth else None)
        self.layout_.show_start()
        self._start_page_actions()

    def _start_page_actions(self):
        """On the start page the graph's actions have no graph to act on."""
        on = not self.layout_.on_start_page
        for name in ("save", "save_as", "cut", "copy", "paste", "duplicate", "delete", "select_all", "zoom_in",
                     "zoom_out", "fit", "layout", "max_canvas", "max_plots", "presentation"):
            self.actions[name].setEnabled(on)
        self._training_state(self.training.session.state)      # Train, Step, Animate: there
        self.undo_action.setEnabled(on and self.document.undo_stack.canUndo())
        self.redo_action.setEnabled(on and self.document.undo_stack.canRedo())
        self.status_counts.setVisible(on)
        self.issues_button.setVisible(on and bool(self.issues_button.text()))

    def back_to_editor(self):
        """From the start page back to the open graph, as it was (training goes on meanwhile)."""
        self.layout_.show_editor()
        self._start_page_actions()

    def open_example(self, name):
        path = find_example(name)
        return self.open(path) if path else False

    def open(self, path=None):
        if not self.maybe_save():
            return False
        path = path or self.ask_open_path()
        if not path:
            return False
        return self.open_path(path)

    def open_path(self, path):
        """Open without asking; a bad file shows the loader's message and changes nothing (on the
        start page the message stays on the page, under the examples)."""
        try:
            doc = Document.open(path)
        except (EngineError, OSError) as exc:
            text = str(exc) if os.path.basename(path) in str(exc) else f"{path}: {exc}"
            if self.layout_.on_start_page:
                self.start_page.set_message(f"Cannot open {text}")
                self.statusBar().showMessage(f"Cannot open {text}", 15000)
            else:
                self.show_error("Cannot open graph", text)
            return False
        self.start_page.set_message("")
        self.set_document(doc)
        for w in getattr(doc, "warnings", []):
            self.statusBar().showMessage(w, 10000)
        self._remember(path)
        return True

    def export_pytorch(self, folder=None):
        """File ▸ Export as PyTorch: the package goes into a folder the user chooses."""
        from app.exchange import export_pytorch
        if folder is None:
            folder = QFileDialog.getExistingDirectory(self, "Export as a PyTorch package into")
            if not folder:
                return False
        try:
            files = export_pytorch(self.document, folder)
        except (EngineError, ValueError, OSError) as exc:
            self.show_error("Cannot export", str(exc))
            return False
        self.statusBar().showMessage(f"Wrote {', '.join(os.path.basename(f) for f in files)} to {folder}: "
                                     "python train.py (or torchrun --nproc_per_node=2 train.py) trains it", 10000)
        return True

    def export_onnx(self, path=None):
        """File ▸ Export as ONNX: the graph's prediction and its weights as one .onnx file."""
        from app.exchange import export_onnx, onnx_available
        missing = onnx_available()
        if missing:
            self.show_error("Cannot export as ONNX", missing)
            return False
        if path is None:
            start = os.path.splitext(self.document.path)[0] + ".onnx" if self.document.path else "model.onnx"
            path, _ = QFileDialog.getSaveFileName(self, "Export as ONNX", start, "ONNX models (*.onnx)")
            if not path:
                return False
        try:
            count = export_onnx(self.document, path)
        except (EngineError, ValueError, OSError) as exc:
            self.show_error("Cannot export as ONNX", str(exc))
            return False
        self.statusBar().showMessage(f"Wrote {os.path.basename(path)}: {count} ONNX operators (opens in Netron, "
                                     "runs in onnxruntime)", 10000)
        return True

    def import_onnx(self, path=None):
        """File ▸ Import ONNX: the model becomes a new, unsaved document with its weights."""
        from app.exchange import import_onnx_document, onnx_available
        missing = onnx_available()
        if missing:
            self.show_error("Cannot import ONNX", missing)
            return False
        if not self.maybe_save():
            return False
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self, "Import an ONNX model", "", "ONNX models (*.onnx)")
            if not path:
                return False
        try:
            doc = import_onnx_document(path)
        except (EngineError, ValueError, OSError) as exc:
            self.show_error("Cannot import the model", str(exc))
            return False
        self.start_page.set_message("")
        self.set_document(doc)
        self.auto_layout()                       # rows that fit this view, not one long line
        doc.undo_stack.clear()                   # the import is where this document starts
        self.statusBar().showMessage(f"Imported {os.path.basename(path)}: {len(doc.graph.nodes)} nodes. It has no "
                                     "loss yet: add a Target and a loss node to train it", 15000)
        return True

    def load_trained_weights(self, path=None):
        """File ▸ Load Trained Weights: a checkpoint.npz written by an exported train.py."""
        from app.exchange import load_trained_weights
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self, "Load trained weights", "", "Checkpoints (*.npz)")
            if not path:
                return False
        try:
            count = load_trained_weights(self.document, path)
        except (EngineError, ValueError, OSError) as exc:
            self.show_error("Cannot load the weights", str(exc))
            return False
        self.training.refresh_views()
        self.statusBar().showMessage(f"Loaded {count} trained arrays from {os.path.basename(path)}", 8000)
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

    def _recent(self):
        value = self.settings.value("recent", []) or []
        return [p for p in ([value] if isinstance(value, str) else value) if isinstance(p, str)]

    def _fill_recent(self):
        self.recent_menu.clear()
        recent = self._recent()
        self.start_page.set_recent(recent)
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
            self.layout_.save(self.settings)
            event.accept()
        else:
            event.ignore()

    def report_unexpected(self, line):
        """An unexpected error (see app/gui.install_excepthook): one line in the status bar and,
        once a minute at most, a message box; the details are in the log the line names."""
        self.statusBar().showMessage(f"Something went wrong: {line}")
        now = time.monotonic()
        if now - getattr(self, "_last_report", -1e9) > 60 and self.isVisible():
            self._last_report = now
            QTimer.singleShot(0, lambda: QMessageBox.warning(self, "Tensorweave", f"Something went wrong: {line}"))

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
        """Lay the graph out in columns, folded into rows that fit the view's shape."""
        g = self.document.graph
        vp = self.view.viewport().rect()
        aspect = vp.width() / max(vp.height(), 1)
        layout = layered_layout(g, aspect=aspect, node_size=self.scene.node_size)
        moves = {nid: (g.nodes[nid].position, pos) for nid, pos in layout.items() if g.nodes[nid].position != pos}
        if moves:
            self.document.push(MoveNodes(self.document, moves, "Auto-layout"))
        self.view.fit()

    # ------------------------------------------------------------- view modes
    def toggle_maximize(self, what):
        on = self.layout_.maximize(what)
        self.actions["max_canvas"].setChecked(on and what == "canvas")
        self.actions["max_plots"].setChecked(on and what == "plots")
        if what == "canvas" or not on:
            QTimer.singleShot(0, self.view.fit)

    def set_presentation(self, on):
        """Presentation mode: node text, wire labels, plot fonts and lines 1.5× larger; the camera
        follows the step animation."""
        if on and not self.view.presentation:
            self.view.fit()                      # the normal size, which presentation enlarges 1.5×
        S.set_presentation(on)
        self.view.presentation = on
        self.actions["presentation"].setChecked(on)
        self.layout_.present(on)
        self.training.restyle()
        QTimer.singleShot(0, self.view.fit)

    def reset_layout(self):
        self.layout_.forget(self.settings)
        self.layout_.apply_defaults()
        self.actions["max_canvas"].setChecked(False)
        self.actions["max_plots"].setChecked(False)
        QTimer.singleShot(0, self.view.fit)

    def show_help(self, which):
        dialog = self._help.get(which)
        if dialog is None:
            title, html = (("Quick start", quick_start_html(self.actions)) if which == "quick" else
                           ("Concepts and where to see them", concepts_html()))
            dialog = self._help[which] = HelpDialog(title, html, self)
            dialog.open_example.connect(self.open_example)
        dialog.show()
        dialog.raise_()
        return dialog

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
        from app.exchange import onnx_available
        K = QKeySequence
        onnx_missing = onnx_available()
        onnx_note = " (needs the onnx package)" if onnx_missing else ""
        self.actions = a = {
            "new": self._action("&New", self.new, K.New),
            "open": self._action("&Open…", self.open, K.Open),
            "save": self._action("&Save", self.save, K.Save),
            "save_as": self._action("Save &As…", self.save_as, K.SaveAs),
            "quit": self._action("&Quit", self.close, K.Quit),
            "export_pytorch": self._action("Export as &PyTorch…", self.export_pytorch, None,
                                           "A PyTorch package: the model, its weights, the prepared data and a "
                                           "train.py that also runs under torchrun"),
            "load_weights": self._action("Load &Trained Weights…", self.load_trained_weights, None,
                                         "Weights trained by an exported package (its checkpoint.npz)"),
            "export_onnx": self._action("Export as O&NNX…" + onnx_note, self.export_onnx, None,
                                        onnx_missing or "The graph's prediction and weights as an ONNX model"),
            "import_onnx": self._action("&Import ONNX…" + onnx_note, self.import_onnx, None,
                                        onnx_missing or "An ONNX model (from PyTorch, say) as a new graph with its "
                                                        "weights"),
            "cut": self._action("Cu&t", self.cut, K.Cut),
            "copy": self._action("&Copy", self.copy, K.Copy),
            "paste": self._action("&Paste", self.paste, K.Paste),
            "duplicate": self._action("&Duplicate", self.duplicate, K("Ctrl+D")),
            "delete": self._action("De&lete", self.delete_selection, [K(K.Delete), K("Backspace")]),
            "select_all": self._action("Select &All", self.select_all, K.SelectAll),
            "zoom_in": self._action("Zoom &In", lambda: self.view.zoom_in(), [K(K.ZoomIn), K("Ctrl+=")]),
            "zoom_out": self._action("Zoom &Out", lambda: self.view.zoom_out(), K.ZoomOut),
            "fit": self._action("&Fit to View", lambda: self.view.fit(), K("Ctrl+0")),
            "layout": self._action("Auto-&layout", self.auto_layout, K("Ctrl+L"),
                                   "Lay the graph out in columns, folded into rows that fit the view"),
            "max_canvas": self._action("Maximize &Canvas", lambda: self.toggle_maximize("canvas"), K("F8"),
                                       "Only the graph (F8 again gives the panels back)"),
            "max_plots": self._action("Maximize &Plots", lambda: self.toggle_maximize("plots"), K("F9"),
                                      "Only the training views (F9 again gives the canvas back)"),
            "presentation": self._action("&Presentation Mode", lambda: self.set_presentation(not self.view.presentation),
                                         K("F11"), "Larger text and lines for a projector; the camera follows "
                                                   "the step animation"),
            "reset_layout": self._action("&Reset Layout", self.reset_layout, None,
                                         "Panels back to their places and sizes for this window"),
            "train": self._action("&Train", lambda: self.training.run(), K("F5"), "Train the graph on its data set"),
            "stop": self._action("&Stop Training", lambda: self.training.stop(), K("Shift+F5")),
            "step": self._action("Train One &Batch", lambda: self.training.step(), K("F10")),
            "animate": self._action("&Animate One Step", lambda: self.training.animate_step(), K("F6")),
            "start_page": self._action("&Start Page", self.show_start_page, None,
                                       "The examples, in the order of the lesson"),
            "quick_start": self._action("&Quick Start", lambda: self.show_help("quick"), K(K.HelpContents)),
            "concepts": self._action("&Concepts and Where to See Them", lambda: self.show_help("concepts")),
        }
        for name in ("max_canvas", "max_plots", "presentation"):
            a[name].setCheckable(True)
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
        for ex in self.examples:
            act = self.examples_menu.addAction(f"{ex.order}. {ex.title} — {ex.level}")
            act.setStatusTip(ex.teaches or ex.description)
            act.setToolTip(ex.description)
            act.triggered.connect(lambda _=False, p=ex.path: self.open(p))
        self.examples_menu.setToolTipsVisible(True)
        m.addSeparator()
        m.addActions([a["save"], a["save_as"]])
        m.addSeparator()
        m.addActions([a["import_onnx"], a["export_pytorch"], a["export_onnx"], a["load_weights"]])
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
        m.addSeparator()
        m.addActions([a["max_canvas"], a["max_plots"], a["presentation"]])
        m.addSeparator()
        panels = m.addMenu("Pa&nels")
        for dock in self.layout_.docks:
            panels.addAction(dock.toggleViewAction())
        m.addAction(a["reset_layout"])
        m = mb.addMenu("&Training")
        m.addActions([a["train"], a["stop"], a["step"], a["animate"]])
        m = mb.addMenu("&Help")
        m.addActions([a["start_page"], a["quick_start"], a["concepts"]])
        tb = self.addToolBar("Main")
        tb.setObjectName("main toolbar")
        tb.addActions([a["new"], a["open"], a["save"]])
        tb.addSeparator()
        tb.addActions([self.undo_action, self.redo_action])
        tb.addSeparator()
        tb.addActions([a["fit"], a["layout"]])
        self.addToolBar(self.training_toolbar)
        self._fill_recent()
