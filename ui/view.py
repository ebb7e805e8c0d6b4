"""The canvas: zoom, pan, rubber-band selection, moving nodes (as undoable commands), drops
from the palette, connections by dragging between ports, and the Tab search popup."""
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QCursor, QPainter
from PySide6.QtWidgets import QApplication, QGraphicsView, QToolTip

from app.commands import MoveNodes
from . import style as S
from .interactions import NewConnection, add_node_at
from .items import NodeItem
from .search_popup import NodeSearchPopup

NODE_TYPE_MIME = "application/x-tensorweave-node-type"
MIN_ZOOM, MAX_ZOOM = 0.05, 4.0
READABLE_FIT_MAX_NODES = 60       # up to this size, "fit" keeps node labels readable


class GraphView(QGraphicsView):
    status_message = Signal(str)

    def __init__(self, scene, document, parent=None):
        super().__init__(scene, parent)
        self.document = document
        self.setRenderHints(QPainter.Antialiasing | QPainter.TextAntialiasing)
        self.setViewportUpdateMode(QGraphicsView.SmartViewportUpdate)
        self.setTransformationAnchor(QGraphicsView.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.AnchorViewCenter)
        self.setDragMode(QGraphicsView.RubberBandDrag)
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.StrongFocus)
        self.snap_to_grid = True
        self.connection = None
        self._pan_from = None
        self._space = False
        self._press_positions = None
        self._press_at = QPointF()
        self.last_refusal = ""
        self.popup = None

    # ------------------------------------------------------------- zoom and pan
    def zoom(self):
        return self.transform().m11()

    def zoom_by(self, factor):
        target = min(MAX_ZOOM, max(MIN_ZOOM, self.zoom() * factor))
        f = target / self.zoom()
        self.scale(f, f)
        self._zoom_changed()

    def _zoom_changed(self):
        scene = self.scene()
        if scene is not None and hasattr(scene, "set_detail"):
            scene.set_detail(self.zoom() >= S.LOD_DETAIL)

    def fitInView(self, *args, **kwargs):
        super().fitInView(*args, **kwargs)
        self._zoom_changed()

    def zoom_in(self):
        self.zoom_by(1.25)

    def zoom_out(self):
        self.zoom_by(0.8)

    def fit(self):
        rect = self.scene().itemsBoundingRect()
        if rect.isEmpty():
            rect = QRectF(-200, -150, 400, 300)
        self.fitInView(rect.adjusted(-60, -60, 60, 60), Qt.KeepAspectRatio)
        if self.zoom() > 1.5:
            self.zoom_by(1.5 / self.zoom())
        readable = S.LOD_DETAIL * 1.5
        if self.zoom() < readable and len(self.scene().node_items) <= READABLE_FIT_MAX_NODES:
            # a small graph that only fits as unlabeled boxes: stay readable, start at its input end
            self.zoom_by(readable / self.zoom())
            width = self.viewport().width() / self.zoom()
            self.centerOn(QPointF(rect.left() - 40 + width / 2, rect.center().y()))

    def wheelEvent(self, event):
        delta = event.angleDelta().y()
        if delta:
            self.zoom_by(1.0015 ** delta)
        event.accept()

    def snap(self, p):
        if not self.snap_to_grid:
            return p
        return QPointF(round(p.x() / S.GRID) * S.GRID, round(p.y() / S.GRID) * S.GRID)

    # ------------------------------------------------------------- mouse
    def mousePressEvent(self, event):
        if event.button() == Qt.MiddleButton or (event.button() == Qt.LeftButton and self._space):
            self._pan_from = event.position()
            self.viewport().setCursor(Qt.ClosedHandCursor)
            event.accept()
            return
        super().mousePressEvent(event)
        if self.connection is None and event.button() == Qt.LeftButton:
            self._press_at = event.position()
            self._press_positions = {i.node_id: (i.pos().x(), i.pos().y())
                                     for i in self.scene().selectedItems() if isinstance(i, NodeItem)}

    def mouseMoveEvent(self, event):
        if self._pan_from is not None:
            d = event.position() - self._pan_from
            self._pan_from = event.position()
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - int(d.x()))
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - int(d.y()))
            event.accept()
            return
        if self.connection is not None:
            self.connection.move(self.mapToScene(event.position().toPoint()))
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event):
        if self._pan_from is not None:
            self._pan_from = None
            self.viewport().setCursor(Qt.OpenHandCursor if self._space else Qt.ArrowCursor)
            event.accept()
            return
        if self.connection is not None:
            conn, self.connection = self.connection, None
            grabber = self.scene().mouseGrabberItem()
            if grabber is not None:
                grabber.ungrabMouse()
            conn.finish(self.mapToScene(event.position().toPoint()), event.globalPosition().toPoint())
            event.accept()
            return
        super().mouseReleaseEvent(event)
        self._commit_moves(event.position())

    def _commit_moves(self, release_at):
        before, self._press_positions = self._press_positions, None
        if not before:
            return
        if (release_at - self._press_at).manhattanLength() < QApplication.startDragDistance():
            # a click, not a drag: whatever jitter moved the items is put back, nothing recorded
            for nid, old in before.items():
                item = self.scene().node_items.get(nid)
                if item is not None:
                    item.setPos(*old)
            return
        moves = {}
        items = self.scene().node_items
        for nid, old in before.items():
            item = items.get(nid)
            if item is None:
                continue
            new = self.snap(item.pos())
            if new != item.pos():
                item.setPos(new)
            new = (new.x(), new.y())
            if new != old:
                moves[nid] = (old, new)
        if moves:
            self.document.push(MoveNodes(self.document, moves))

    def mouseDoubleClickEvent(self, event):
        scene_pos = self.mapToScene(event.position().toPoint())
        if self.itemAt(event.position().toPoint()) is None:
            self.open_search(event.globalPosition().toPoint(), scene_pos)
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

    def start_connection(self, port):
        self.connection = NewConnection(self, port)

    # ------------------------------------------------------------- keys
    def keyPressEvent(self, event):
        if event.key() == Qt.Key_Space and not event.isAutoRepeat():
            self._space = True
            self.viewport().setCursor(Qt.OpenHandCursor)
            event.accept()
            return
        if event.key() == Qt.Key_Tab:
            pos = self.mapFromGlobal(QCursor.pos())
            if not self.viewport().rect().contains(pos):
                pos = self.viewport().rect().center()
            self.open_search(self.viewport().mapToGlobal(pos), self.mapToScene(pos))
            event.accept()
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event):
        if event.key() == Qt.Key_Space and not event.isAutoRepeat():
            self._space = False
            self.viewport().setCursor(Qt.ArrowCursor)
            event.accept()
            return
        super().keyReleaseEvent(event)

    def focusNextPrevChild(self, forward):
        return False          # Tab opens the search popup instead of moving focus

    # ------------------------------------------------------------- search and refusals
    def open_search(self, global_pos, scene_pos, accepts=None, on_added=None):
        self.popup = NodeSearchPopup(self, accepts)

        def add(type_id):
            stack = self.document.undo_stack
            stack.beginMacro(f"Add {type_id}")
            nid = add_node_at(self, type_id, scene_pos)
            if on_added:
                on_added(nid)
            stack.endMacro()
        self.popup.chosen.connect(add)
        self.popup.popup_at(global_pos)
        return self.popup

    def refuse(self, reason, global_pos):
        """Show the model's reason for refusing a connection at the cursor."""
        self.last_refusal = reason
        QToolTip.showText(global_pos, reason, self)
        self.status_message.emit(reason)

    # ------------------------------------------------------------- drops from the palette
    def dragEnterEvent(self, event):
        if event.mimeData().hasFormat(NODE_TYPE_MIME):
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dragMoveEvent(self, event):
        if event.mimeData().hasFormat(NODE_TYPE_MIME):
            event.acceptProposedAction()
        else:
            super().dragMoveEvent(event)

    def dropEvent(self, event):
        md = event.mimeData()
        if md.hasFormat(NODE_TYPE_MIME):
            type_id = bytes(md.data(NODE_TYPE_MIME)).decode()
            add_node_at(self, type_id, self.mapToScene(event.position().toPoint()))
            event.acceptProposedAction()
            self.setFocus()
        else:
            super().dropEvent(event)

