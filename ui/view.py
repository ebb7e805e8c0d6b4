"""The canvas: zoom, pan, rubber-band selection, moving nodes (as undoable commands), drops
from the palette, connections by dragging between ports, and the Tab search popup."""
from PySide6.QtCore import QEasingCurve, QPointF, QRectF, Qt, QVariantAnimation, Signal
from PySide6.QtGui import QCursor, QFontInfo, QPainter
from PySide6.QtWidgets import QApplication, QGraphicsView, QToolTip

from app.commands import MoveNodes
from . import style as S
from .interactions import NewConnection, add_node_at
from .items import NodeItem
from .search_popup import NodeSearchPopup

NODE_TYPE_MIME = "application/x-tensorweave-node-type"
MIN_ZOOM, MAX_ZOOM = 0.05, 4.0
MORE_SHADE = S.MORE_SHADE
FIT_MARGIN = 16                   # scene units around the graph when fitting it into the view
MAX_FIT_ZOOM = 1.25               # a three-node graph is not blown up to fill the screen
EMPTY_HINT = ("An empty graph.\n\nDrag a node from the Palette (or press Tab and type its name),\n"
              "drag from an output ● to an input ● to wire them,\n"
              "choose a data set in Training setup and press F5 to train.\n\n"
              "Help ▸ Start page opens the examples.")


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
        # no scroll bars: the room is the graph's; pan with Space+drag or the middle button
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.snap_to_grid = True
        self.connection = None
        self._pan_from = None
        self._space = False
        self._press_positions = None
        self._press_at = QPointF()
        self.last_refusal = ""
        self.popup = None
        self._camera = None
        self.presentation = False
        self.normal_fit_zoom = None     # the last fit outside presentation mode
        self.auto_fit = False           # fit again when the view's size changes, until the user zooms or pans

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
        self.auto_fit = False
        self.zoom_by(1.25)

    def zoom_out(self):
        self.auto_fit = False
        self.zoom_by(0.8)

    def fit(self):
        """Show the whole graph as large as the view allows (tiny graphs are not blown up). In
        presentation mode the graph is drawn 1.5× larger than it would be normally, starting at
        its top left; the camera then follows the animation. Returns the titles' size in pixels."""
        rect = self.graph_rect()
        if rect.isEmpty():
            rect = QRectF(-200, -150, 400, 300)
        self.fitInView(rect.adjusted(-FIT_MARGIN, -FIT_MARGIN, FIT_MARGIN, FIT_MARGIN), Qt.KeepAspectRatio)
        cap = MAX_FIT_ZOOM * (S.PRESENTATION_SCALE if self.presentation else 1.0)
        if self.zoom() > cap:
            self.zoom_by(cap / self.zoom())
        if not self.presentation:
            self.normal_fit_zoom = self.zoom()
        else:
            per_zoom = QFontInfo(S.title_font()).pixelSize()
            want = max(self.zoom(), S.PRESENTATION_SCALE * (self.normal_fit_zoom or 0),
                       S.PRESENTATION_SCALE * S.READABLE_TITLE_PX / per_zoom)
            if want > self.zoom() + 1e-9:
                self.zoom_by(want / self.zoom())
                seen = self.visible_scene_rect()
                self.centerOn(QPointF(min(rect.center().x(), rect.left() - FIT_MARGIN + seen.width() / 2),
                                      min(rect.center().y(), rect.top() - FIT_MARGIN + seen.height() / 2)))
        self.auto_fit = True
        px = self.title_pixels()
        if px < S.READABLE_TITLE_PX and self.scene().node_items:
            self.status_message.emit(f"The graph is shown whole, but its text is small ({px:.1f} px): View ▸ "
                                     f"Auto-layout (Ctrl+L) folds it into rows that fit this view.")
        return px

    def graph_rect(self):
        """What must be seen of the graph: the node boxes and the wires (not the items' generous
        repaint margins)."""
        scene = self.scene()
        rect = QRectF()
        for item in getattr(scene, "node_items", {}).values():
            rect = rect.united(item.scene_box())
        for item in getattr(scene, "edge_items", {}).values():
            rect = rect.united(item.path_rect())
        return rect

    def _draw_more_marks(self, painter):
        graph, seen = self.graph_rect(), self.visible_scene_rect()
        vp = QRectF(self.viewport().rect())
        marks = []
        if graph.bottom() > seen.bottom() + 8:
            marks.append((QRectF(vp.left(), vp.bottom() - 22, vp.width(), 22), "▼ more below"))
        if graph.top() < seen.top() - 8:
            marks.append((QRectF(vp.left(), vp.top(), vp.width(), 22), "▲ more above"))
        if graph.right() > seen.right() + 8:
            marks.append((QRectF(vp.right() - 22, vp.top(), 22, vp.height()), "▶"))
        if graph.left() < seen.left() - 8:
            marks.append((QRectF(vp.left(), vp.top(), 22, vp.height()), "◀"))
        if not marks:
            return
        painter.save()
        painter.resetTransform()
        painter.setFont(S.font(9, True))
        for box, text in marks:
            painter.fillRect(box, MORE_SHADE)
            painter.setPen(S.TEXT)
            painter.drawText(box, Qt.AlignCenter, text)
        painter.restore()

    def scrollContentsBy(self, dx, dy):
        super().scrollContentsBy(dx, dy)
        self.viewport().update()          # the edge marks are drawn in view coordinates

    def title_pixels(self):
        """How tall node titles are on screen (the title font's pixel size times the zoom)."""
        return QFontInfo(S.title_font()).pixelSize() * self.zoom()

    def visible_scene_rect(self):
        return self.mapToScene(self.viewport().rect()).boundingRect()

    def follow(self, item, smooth=True):
        """Bring a node into the middle of the view (the camera following an animation)."""
        self.auto_fit = False
        target = item.sceneBoundingRect().center()
        if not smooth:
            self.centerOn(target)
            return
        if self._camera is None:
            self._camera = QVariantAnimation(self)
            self._camera.setDuration(280)
            self._camera.setEasingCurve(QEasingCurve.InOutQuad)
            self._camera.valueChanged.connect(lambda p: self.centerOn(p))
        self._camera.stop()
        self._camera.setStartValue(self.visible_scene_rect().center())
        self._camera.setEndValue(target)
        self._camera.start()

    def drawForeground(self, painter, rect):
        """An empty canvas says how to begin; a graph that goes on past an edge of the view says
        so at that edge (drawn in view coordinates, over the grid)."""
        scene = self.scene()
        if scene is not None and getattr(scene, "node_items", None):
            self._draw_more_marks(painter)
            return
        if scene is None:
            return
        painter.save()
        painter.resetTransform()
        box = QRectF(self.viewport().rect()).adjusted(40, 40, -40, -40)
        painter.setPen(S.TEXT_DIM)
        painter.setFont(S.font(11))
        painter.drawText(box, Qt.AlignCenter | Qt.TextWordWrap, EMPTY_HINT)
        painter.restore()

    def resizeEvent(self, event):
        super().resizeEvent(event)
        if self.auto_fit:                 # docks shown or hidden, window resized: still the whole graph
            self.fit()

    def wheelEvent(self, event):
        delta = event.angleDelta().y()
        if delta:
            self.auto_fit = False
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
            self.auto_fit = False
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

