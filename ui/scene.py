"""The scene mirrors the document's graph: it creates, updates and removes items from model
events only. Positions flow back to the model through MoveNodes commands pushed by the view."""
from PySide6.QtCore import QRectF
from PySide6.QtGui import QPen
from PySide6.QtWidgets import QGraphicsScene

from engine.graph import changes as ch

from . import style as S
from .items import EdgeItem, NodeItem, node_summary

SCENE_RECT = QRectF(-50_000, -50_000, 100_000, 100_000)


class GraphScene(QGraphicsScene):
    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.document = document
        self.graph = document.graph
        self.setItemIndexMethod(QGraphicsScene.BspTreeIndex)
        self.setSceneRect(SCENE_RECT)               # fixed: no growing rect to recompute
        self.node_items = {}
        self.edge_items = {}
        self.detail = True            # ports shown; hidden when zoomed far out
        for node in self.graph.nodes.values():
            self._add_node(node)
        for edge in self.graph.edges.values():
            self._add_edge(edge)
        self._apply_analysis(self.graph.analysis)
        self._unsubscribe = self.graph.subscribe(self._on_event)

    def detach(self):
        self._unsubscribe()

    # ------------------------------------------------------------- model → items
    def _on_event(self, e):
        if isinstance(e, ch.NodeAdded):
            self._add_node(e.node)
        elif isinstance(e, ch.NodeRemoved):
            item = self.node_items.pop(e.node.id, None)
            if item is not None:
                self.removeItem(item)
        elif isinstance(e, ch.EdgeAdded):
            self._add_edge(e.edge)
        elif isinstance(e, ch.EdgeRemoved):
            item = self.edge_items.pop(e.edge.id, None)
            if item is not None:
                item.detach()
                self.removeItem(item)
        elif isinstance(e, (ch.ParamChanged, ch.NodeRenamed)):
            self.node_items[e.node.id].refresh(e.node)
        elif isinstance(e, ch.NodeMoved):
            item = self.node_items[e.node.id]
            if (item.pos().x(), item.pos().y()) != e.position:
                item.setPos(*e.position)
        elif isinstance(e, ch.Analyzed):
            self._apply_analysis(e.analysis)

    def node_size(self, node_id):
        item = self.node_items[node_id]
        return item.width, item.height

    def set_detail(self, detail):
        """Show or hide ports (thousands of child items) when the zoom crosses the detail level."""
        if detail == self.detail:
            return
        self.detail = detail
        for item in self.node_items.values():
            item.set_ports_visible(detail)

    def _add_node(self, node):
        item = NodeItem(node)
        if not self.detail:
            item.set_ports_visible(False)
        self.node_items[node.id] = item
        self.addItem(item)

    def _add_edge(self, edge):
        src = self.node_items[edge.src].port(edge.src_port, True)
        dst = self.node_items[edge.dst].port(edge.dst_port, False)
        item = EdgeItem(edge.id, src, dst)
        self.edge_items[edge.id] = item
        self.addItem(item)

    def _apply_analysis(self, a):
        by_node, by_edge = {}, {}
        for issue in a.issues:
            if issue.edge:
                by_edge.setdefault(issue.edge, []).append(issue)
            if issue.node:
                by_node.setdefault(issue.node, []).append(issue)
        for nid, item in self.node_items.items():
            item.set_analysis(by_node.get(nid, []), node_summary(a, self.graph.nodes[nid]))
        for eid, item in self.edge_items.items():
            edge = self.graph.edges[eid]
            spec = a.edge_spec(edge)
            item.set_analysis(str(spec) if spec is not None else "", by_edge.get(eid, []))

    # ------------------------------------------------------------- queries
    def selected_node_ids(self):
        return [i.node_id for i in self.selectedItems() if isinstance(i, NodeItem)]

    def selected_edge_ids(self):
        return [i.edge_id for i in self.selectedItems() if isinstance(i, EdgeItem)]

    def drawBackground(self, painter, rect):
        painter.fillRect(rect, S.BACKGROUND)
        scale = painter.worldTransform().m11()
        if scale < 0.3:
            return
        left, top = int(rect.left()) - int(rect.left()) % S.GRID, int(rect.top()) - int(rect.top()) % S.GRID
        minor, major = [], []
        x = left
        while x < rect.right():
            (major if x % (S.GRID * 5) == 0 else minor).append((x, True))
            x += S.GRID
        y = top
        while y < rect.bottom():
            (major if y % (S.GRID * 5) == 0 else minor).append((y, False))
            y += S.GRID
        for lines, color in ((minor, S.GRID_MINOR), (major, S.GRID_MAJOR)):
            painter.setPen(QPen(color, 0))
            for v, vertical in lines:
                if vertical:
                    painter.drawLine(v, int(rect.top()), v, int(rect.bottom()))
                else:
                    painter.drawLine(int(rect.left()), v, int(rect.right()), v)


