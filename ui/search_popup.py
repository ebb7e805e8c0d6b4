"""The Tab popup: type to find a node type, Enter to add it at the cursor."""
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout

from engine.graph import REGISTRY


class NodeSearchPopup(QFrame):
    chosen = Signal(str)

    def __init__(self, parent=None, accepts=None):
        """``accepts``: optional predicate on node types (for a wire dropped on the canvas)."""
        super().__init__(parent, Qt.Popup)
        self.setFrameShape(QFrame.StyledPanel)
        self.accepts = accepts
        self.edit = QLineEdit(self)
        self.edit.setPlaceholderText("Search node types…")
        self.list = QListWidget(self)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.edit)
        lay.addWidget(self.list)
        self.resize(300, 340)
        self.edit.textChanged.connect(self.refilter)
        self.edit.returnPressed.connect(self.accept_current)
        self.list.itemActivated.connect(lambda item: self._choose(item))
        self.edit.installEventFilter(self)
        self.refilter("")

    def refilter(self, text):
        self.list.clear()
        for nt in REGISTRY.search(text) if text.strip() else list(REGISTRY):
            if self.accepts is not None and not self.accepts(nt):
                continue
            item = QListWidgetItem(f"{nt.title}    ({nt.category})")
            item.setData(Qt.UserRole, nt.type_id)
            item.setToolTip(nt.description)
            self.list.addItem(item)
        if self.list.count():
            self.list.setCurrentRow(0)

    def eventFilter(self, obj, event):
        if obj is self.edit and event.type() == event.Type.KeyPress and event.key() in (Qt.Key_Down, Qt.Key_Up):
            row = self.list.currentRow() + (1 if event.key() == Qt.Key_Down else -1)
            self.list.setCurrentRow(max(0, min(self.list.count() - 1, row)))
            return True
        return super().eventFilter(obj, event)

    def accept_current(self):
        item = self.list.currentItem()
        if item is not None:
            self._choose(item)

    def _choose(self, item):
        type_id = item.data(Qt.UserRole)
        self.close()
        self.chosen.emit(type_id)

    def popup_at(self, global_pos):
        self.move(global_pos)
        self.show()
        self.edit.setFocus()
