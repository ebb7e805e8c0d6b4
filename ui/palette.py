"""The palette: node types by category with a search field and a short description; drag a
type onto the canvas (or double-click it) to add a node."""
from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtGui import QDrag, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QLabel, QLineEdit, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from engine.graph import REGISTRY
from . import style as S
from .view import NODE_TYPE_MIME


def _swatch(color):
    pix = QPixmap(12, 12)
    pix.fill(Qt.transparent)
    if color is not None:
        p = QPainter(pix)
        p.setRenderHint(QPainter.Antialiasing)
        p.setBrush(color)
        p.setPen(Qt.NoPen)
        p.drawRoundedRect(0, 1, 12, 10, 2, 2)
        p.end()
    return QIcon(pix)


class PaletteTree(QTreeWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setHeaderHidden(True)
        self.setDragEnabled(True)
        self.setDragDropMode(QTreeWidget.DragOnly)

    def mimeData(self, items):
        md = QMimeData()
        ids = [i.data(0, Qt.UserRole) for i in items if i.data(0, Qt.UserRole)]
        if ids:
            md.setData(NODE_TYPE_MIME, ids[0].encode())
        return md

    def mimeTypes(self):
        return [NODE_TYPE_MIME]

    def startDrag(self, actions):
        item = self.currentItem()
        if item is None or not item.data(0, Qt.UserRole):
            return
        drag = QDrag(self)
        drag.setMimeData(self.mimeData([item]))
        drag.exec(Qt.CopyAction)


class Palette(QWidget):
    activated = Signal(str)          # a type chosen by double-click or Enter

    def __init__(self, parent=None):
        super().__init__(parent)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search…")
        self.search.setClearButtonEnabled(True)
        self.tree = PaletteTree(self)
        self.info = QLabel(self)
        self.info.setWordWrap(True)
        self.info.setMinimumHeight(64)
        self.info.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.search)
        lay.addWidget(self.tree, 1)
        lay.addWidget(self.info)
        self.search.textChanged.connect(self.refilter)
        self.tree.currentItemChanged.connect(self._describe)
        self.tree.itemActivated.connect(self._activate)
        self.refilter("")

    def refilter(self, text):
        self.tree.clear()
        hits = {nt.type_id for nt in REGISTRY.search(text)} if text.strip() else None
        for category, types in REGISTRY.by_category().items():
            shown = [nt for nt in types if hits is None or nt.type_id in hits]
            if not shown:
                continue
            top = QTreeWidgetItem([category])
            top.setFlags(Qt.ItemIsEnabled)
            top.setIcon(0, _swatch(S.CATEGORY_COLORS.get(category)))     # the colour nodes of it wear
            font = top.font(0)
            font.setBold(True)
            top.setFont(0, font)
            self.tree.addTopLevelItem(top)
            for nt in shown:
                child = QTreeWidgetItem([nt.title])
                child.setData(0, Qt.UserRole, nt.type_id)
                child.setToolTip(0, nt.description)
                child.setFlags(Qt.ItemIsEnabled | Qt.ItemIsSelectable | Qt.ItemIsDragEnabled)
                top.addChild(child)
            top.setExpanded(True)

    def items(self):
        out = []
        for i in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(i)
            out += [top.child(j) for j in range(top.childCount())]
        return out

    def item_for(self, type_id):
        return next((i for i in self.items() if i.data(0, Qt.UserRole) == type_id), None)

    def _describe(self, item, _prev=None):
        type_id = item.data(0, Qt.UserRole) if item else None
        if type_id:
            nt = REGISTRY.get(type_id)
            self.info.setText(f"<b>{nt.title}</b> — {nt.description}")
        else:
            self.info.setText("")

    def _activate(self, item):
        type_id = item.data(0, Qt.UserRole)
        if type_id:
            self.activated.emit(type_id)
