"""The open document: a graph, its file, its undo history and its trained state.

The graph holds the truth; every edit goes through an undo command (app/commands.py) that
changes only the graph; views follow the graph's events. "Dirty" is the undo stack not being at
its clean index, so undoing back to the saved state clears the marker."""
import os

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from engine.graph import fileformat
from engine.graph.model import Graph
from engine.graph.weights import WeightStore


class Document(QObject):
    title_changed = Signal(str)

    def __init__(self, graph=None, path=None, name="", description="", parent=None):
        super().__init__(parent)
        self.graph = graph if graph is not None else Graph()
        self.path = path
        self.name = name
        self.description = description
        self.store = WeightStore()
        self.history = None
        self.normalizer = None
        self.best_epoch = None
        self.weights_changed = False     # trained since the last save (weights are not undoable)
        self.trusted_data = set()        # data files outside the graph's folder the user chose or allowed
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._clean_changed)

    def _clean_changed(self, _clean):
        self.title_changed.emit(self.title())

    # ------------------------------------------------------------- files
    @classmethod
    def open(cls, path, parent=None):
        """Load a graph file; raises GraphFileError with the loader's message."""
        loaded = fileformat.load(path)
        doc = cls(loaded.graph, os.path.abspath(path), loaded.name, loaded.description, parent)
        if loaded.weights:
            doc.store.load_state(loaded.weights)
        doc.history, doc.best_epoch = loaded.history, loaded.best_epoch
        doc.normalizer = loaded.normalizer
        doc.warnings = loaded.warnings
        return doc

    def save(self, path=None):
        path = os.path.abspath(path or self.path)
        name = self.name or os.path.splitext(os.path.basename(path))[0]
        fileformat.save(self.graph, path, name=name, description=self.description,
                        store=self.store if self.store.tensors else None, history=self.history,
                        best_epoch=self.best_epoch,
                        normalizer=self.normalizer if hasattr(self.normalizer, "state") else None)
        self.path, self.name = path, name
        self.weights_changed = False
        self.undo_stack.setClean()
        self.title_changed.emit(self.title())

    def to_text(self):
        """The document as the file format writes it (for autosave)."""
        return fileformat.dumps(fileformat.to_document(self.graph, self.name, self.description))

    # ------------------------------------------------------------- state
    @property
    def dirty(self):
        return not self.undo_stack.isClean() or self.weights_changed

    def mark_trained(self, history=None, best_epoch=None, normalizer=None):
        """Training changed the weights (and history): unsaved work, though not an undo step."""
        if history is not None:
            self.history, self.best_epoch = history, best_epoch
        if normalizer is not None:
            self.normalizer = normalizer
        self.weights_changed = True
        self.title_changed.emit(self.title())

    def display_name(self):
        if self.name:
            return self.name
        return os.path.basename(self.path) if self.path else "Untitled"

    def title(self):
        return self.display_name() + (" *" if self.dirty else "")

    def push(self, command):
        self.undo_stack.push(command)
