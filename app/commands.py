"""Undo commands. Each remembers ids and values, and its redo/undo change only the graph; the
scene and inspector follow the graph's events, so undo and redo need no view code."""
from PySide6.QtGui import QUndoCommand

from engine.graph.model import Edge, new_id


class AddNode(QUndoCommand):
    def __init__(self, doc, type_id, params=None, position=(0, 0), title=None):
        super().__init__(f"Add {type_id}")
        self.graph, self.type_id, self.params, self.position, self.title = doc.graph, type_id, params or {}, position, title
        self.node_id = new_id()

    def redo(self):
        self.graph.add_node(self.type_id, self.params, self.position, node_id=self.node_id, title=self.title)

    def undo(self):
        self.graph.remove_node(self.node_id)


class Connect(QUndoCommand):
    """Connect two ports; check with graph.can_connect first (redo raises ConnectionRefused)."""

    def __init__(self, doc, src, src_port, dst, dst_port, parent=None):
        super().__init__("Connect", parent)
        self.graph = doc.graph
        self.args = (src, src_port, dst, dst_port)
        self.edge_id = new_id()

    def redo(self):
        self.graph.connect(*self.args, edge_id=self.edge_id)

    def undo(self):
        self.graph.disconnect(self.edge_id)


class RemoveItems(QUndoCommand):
    """Delete nodes (with every edge touching them) and edges."""

    def __init__(self, doc, node_ids=(), edge_ids=()):
        n, e = len(node_ids), len(edge_ids)
        what = f"{n} node{'s' * (n != 1)}" if n else f"{e} connection{'s' * (e != 1)}"
        super().__init__(f"Delete {what}")
        self.graph = doc.graph
        self.node_ids = list(node_ids)
        edges = set(edge_ids) | {x.id for x in self.graph.edges.values() if x.src in self.node_ids or x.dst in self.node_ids}
        self.edges = [self.graph.edges[i] for i in self.graph.edges if i in edges]
        self.nodes = [self._snapshot(self.graph.nodes[i]) for i in self.node_ids]

    @staticmethod
    def _snapshot(node):
        return node.id, node.type_id, dict(node.params), node.position, node.title

    def redo(self):
        with self.graph.batch():
            for e in self.edges:
                if e.id in self.graph.edges:
                    self.graph.disconnect(e.id)
            for nid in self.node_ids:
                self.graph.remove_node(nid)

    def undo(self):
        with self.graph.batch():
            for nid, type_id, params, pos, title in self.nodes:
                self.graph.add_node(type_id, params, pos, node_id=nid, title=title)
            for e in self.edges:
                self.graph.restore_edge(Edge(e.id, e.src, e.src_port, e.dst, e.dst_port))


class SetParam(QUndoCommand):
    """Change one parameter; consecutive changes of the same parameter merge into one step."""
    ID = 1001

    def __init__(self, doc, node_id, name, value):
        node = doc.graph.node(node_id)
        super().__init__(f"Set {node.label} {name}")
        self.graph, self.node_id, self.name = doc.graph, node_id, name
        self.old, self.new = node.params[name], node.type.param(name).validate(value, node.label)

    def id(self):
        return self.ID

    def mergeWith(self, other):
        if other.node_id != self.node_id or other.name != self.name:
            return False
        self.new = other.new
        return True

    def redo(self):
        self.graph.set_param(self.node_id, self.name, self.new)

    def undo(self):
        self.graph.set_param(self.node_id, self.name, self.old)


class MoveNodes(QUndoCommand):
    def __init__(self, doc, moves, text="Move"):
        """``moves``: {node id: (old position, new position)}."""
        super().__init__(text)
        self.graph, self.moves = doc.graph, dict(moves)

    def redo(self):
        for nid, (_, new) in self.moves.items():
            self.graph.move_node(nid, new)

    def undo(self):
        for nid, (old, _) in self.moves.items():
            self.graph.move_node(nid, old)


class RenameNode(QUndoCommand):
    def __init__(self, doc, node_id, title):
        super().__init__("Rename")
        self.graph, self.node_id = doc.graph, node_id
        self.old, self.new = doc.graph.node(node_id).title, title or None

    def redo(self):
        self.graph.rename_node(self.node_id, self.new)

    def undo(self):
        self.graph.rename_node(self.node_id, self.old)


class AddFragment(QUndoCommand):
    """Paste or duplicate: the fragment's nodes and edges with fresh ids, shifted by ``offset``."""

    def __init__(self, doc, nodes, edges, offset=(30, 30), text="Paste"):
        super().__init__(text)
        self.graph = doc.graph
        remap = {n.id: new_id() for n in nodes}
        self.nodes = [(remap[n.id], n.type_id, dict(n.params), (n.position[0] + offset[0], n.position[1] + offset[1]), n.title)
                      for n in nodes]
        self.edges = [Edge(new_id(), remap[e.src], e.src_port, remap[e.dst], e.dst_port) for e in edges]
        self.node_ids = [n[0] for n in self.nodes]

    def redo(self):
        with self.graph.batch():
            for nid, type_id, params, pos, title in self.nodes:
                self.graph.add_node(type_id, params, pos, node_id=nid, title=title)
            for e in self.edges:
                self.graph.restore_edge(e)

    def undo(self):
        with self.graph.batch():
            for e in self.edges:
                self.graph.disconnect(e.id)
            for nid in self.node_ids:
                self.graph.remove_node(nid)


class SetConfig(QUndoCommand):
    """Change the graph's training or dataset configuration (a whole dict under ``key``);
    consecutive edits of the same ``field`` merge (arrow clicks on one spin box are one undo
    step), edits of different fields stay separate steps."""
    ID = 1002

    def __init__(self, doc, key, value, text=None, field=None):
        super().__init__(text or f"Change {key} settings")
        self.graph, self.key, self.field = doc.graph, key, field
        old = doc.graph.config.get(key)
        self.old = dict(old) if isinstance(old, dict) else old
        self.new = dict(value) if isinstance(value, dict) else value

    def id(self):
        return self.ID

    def mergeWith(self, other):
        if other.key != self.key or self.field is None or other.field != self.field:
            return False
        self.new = other.new
        return True

    def redo(self):
        self.graph.set_config(self.key, self.new)

    def undo(self):
        self.graph.set_config(self.key, self.old)
