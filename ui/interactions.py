"""One object per interaction on the canvas (orange-canvas-core's pattern). Each owns its
temporary items and ends by pushing undo commands or by showing the model's refusal."""
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QPen
from PySide6.QtWidgets import QGraphicsPathItem

from app.commands import AddNode, Connect
from . import style as S
from .items import PortItem, forward_wire


class NewConnection:
    """Dragging a wire out of a port: ends on a port (connect, or show why not) or on empty
    canvas (offer node types that can take the wire, then add and connect one)."""

    def __init__(self, view, port):
        self.view, self.port = view, port
        self.temp = QGraphicsPathItem()
        self.temp.setPen(QPen(S.SELECTED, 2, Qt.DashLine))
        self.temp.setZValue(10)
        view.scene().addItem(self.temp)
        self.target = None

    def move(self, scene_pos):
        a = self.port.scene_anchor()
        b = scene_pos
        if not self.port.is_output:
            a, b = b, a
        self.temp.setPath(forward_wire(a, b))
        port = self._port_at(scene_pos)
        if port is not self.target:
            for p in (self.target, port):
                if p is not None:
                    p.hovered = p is port
                    p.update()
            self.target = port

    def _port_at(self, scene_pos):
        for item in self.view.scene().items(scene_pos):
            if isinstance(item, PortItem) and item is not self.port:
                return item
        return None

    def _ends(self, other):
        """(src node, src port, dst node, dst port) with the output first, or None."""
        if other.is_output == self.port.is_output:
            return None
        out, inp = (self.port, other) if self.port.is_output else (other, self.port)
        return out.node_id, out.name, inp.node_id, inp.name

    def finish(self, scene_pos, global_pos):
        self.cancel()
        port = self._port_at(scene_pos)
        doc = self.view.document
        if port is not None:
            ends = self._ends(port)
            if ends is None:
                kind = "outputs" if port.is_output else "inputs"
                self.view.refuse(f"cannot connect two {kind}: drag from an output to an input", global_pos)
                return False
            ok, reason = doc.graph.can_connect(*ends)
            if not ok:
                self.view.refuse(reason, global_pos)
                return False
            doc.push(Connect(doc, *ends))
            return True
        self.view.open_search(global_pos, scene_pos, accepts=self._accepts, on_added=self._connect_new)
        return False

    def _accepts(self, nt):
        """Whether a node of type ``nt`` could take this wire (checked with default parameters)."""
        graph = self.view.document.graph
        if self.port.is_output:
            if not nt.inputs:
                return False
            spec = graph.analysis.specs.get((self.port.node_id, self.port.name))
            required = [p for p in nt.inputs if not p.optional]
            if spec is None or len(required) != 1:
                return True
            try:
                nt.infer({required[0].name: spec}, nt.default_params())
                return True
            except Exception:
                return False
        return bool(nt.outputs)

    def _connect_new(self, node_id):
        doc = self.view.document
        node = doc.graph.node(node_id)
        ports = node.type.inputs if self.port.is_output else node.type.outputs
        for p in ports:
            ends = (self.port.node_id, self.port.name, node_id, p.name) if self.port.is_output else \
                   (node_id, p.name, self.port.node_id, self.port.name)
            if doc.graph.can_connect(*ends)[0]:
                doc.push(Connect(doc, *ends))
                return

    def cancel(self):
        if self.temp.scene() is not None:
            self.temp.scene().removeItem(self.temp)
        if self.target is not None:
            self.target.hovered = False
            self.target.update()


def add_node_at(view, type_id, scene_pos):
    """Add a node of ``type_id`` centred under the cursor; returns its id."""
    doc = view.document
    pos = view.snap(QPointF(scene_pos.x() - S.NODE_WIDTH / 2, scene_pos.y() - S.HEADER / 2))
    cmd = AddNode(doc, type_id, position=(pos.x(), pos.y()))
    doc.push(cmd)
    return cmd.node_id


