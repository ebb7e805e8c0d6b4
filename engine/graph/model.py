"""The graph a user edits: nodes with typed parameters, edges between ports, and an analysis
(shape inference plus typed issues pinned to nodes and edges) kept current after every change.

Observers subscribe with ``graph.subscribe(callback)``; each change calls ``callback(change)`` with
one of the classes in changes.py. A Qt scene mirrors the model through them; nothing here knows
about Qt. Issues and the errors raised here are defined in issues.py.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable, Iterator

import functools
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field

import networkx as nx

from ..errors import DTypeError, EngineError, ShapeError
from . import changes as ch
from .issues import ConnectionRefused, GraphEditError, Issue, IssueKind  # noqa: F401  (re-exported)
from .params import ParamError
from ..params import check_text
from .registry import REGISTRY
from ..limits import MAX_ELEMENTS
from .shapes import N, fmt, numel


def new_id() -> str:
    return str(uuid.uuid4())


@dataclass
class Node:
    id: str
    type_id: str
    params: dict
    position: tuple = (0.0, 0.0)
    title: str = None

    @functools.cached_property
    def type(self):
        return REGISTRY.get(self.type_id)

    @property
    def label(self):
        return self.title or self.type.title


@dataclass(frozen=True)
class Edge:
    id: str
    src: str
    src_port: str
    dst: str
    dst_port: str


@dataclass
class Analysis:
    order: list = field(default_factory=list)            # node ids, topological
    specs: dict = field(default_factory=dict)            # (node id, out port) -> TensorSpec
    weights: dict = field(default_factory=dict)          # node id -> {name: WeightSpec}
    issues: list = field(default_factory=list)

    @property
    def errors(self):
        return [i for i in self.issues if i.severity == "error"]

    @property
    def mistakes(self):
        """Errors that are mistakes (inputs merely not wired yet are not)."""
        return [i for i in self.errors if not i.incomplete]

    @property
    def unconnected(self):
        return [i for i in self.issues if i.incomplete]

    def edge_spec(self, edge):
        return self.specs.get((edge.src, edge.src_port))

    def param_count(self, node_id):
        total = 0
        for w in self.weights.get(node_id, {}).values():
            if w.trainable:
                total += numel(w.shape)
        return total

    def total_params(self):
        return sum(self.param_count(n) for n in self.weights)

    def issues_for(self, node_id=None, edge_id=None):
        return [i for i in self.issues if (node_id and i.node == node_id) or (edge_id and i.edge == edge_id)]


class Graph:
    def __init__(self) -> None:
        self.nodes = {}
        self.edges = {}
        self._in = {}               # node id -> {input port: Edge}, kept with ``edges``: every query
        self._out = {}              # node id -> {edge id: Edge}   about wiring is O(1), never a scan
        self.config = {}            # training and dataset configuration (see training.py)
        self._listeners = []
        self._batch_depth = 0
        self._pending = False
        self.analysis = Analysis()

    # ------------------------------------------------------------- observation
    def subscribe(self, callback: Callable[[ch.GraphChange], None]) -> Callable[[], None]:
        """Call ``callback(event)`` after every change; returns a function that unsubscribes."""
        self._listeners.append(callback)
        return lambda: self._listeners.remove(callback) if callback in self._listeners else None

    def _emit(self, event):
        for cb in list(self._listeners):
            cb(event)

    def _changed(self, event=None):
        if event is not None:
            self._emit(event)
        if self._batch_depth:
            self._pending = True
            return
        self.analysis = analyze(self)
        self._emit(ch.Analyzed(self.analysis))

    @contextmanager
    def batch(self) -> Iterator[Graph]:
        """Group edits (loading, pasting): one analysis at the end instead of one per edit."""
        self._batch_depth += 1
        try:
            yield self
        finally:
            self._batch_depth -= 1
            if self._batch_depth == 0 and self._pending:
                self._pending = False
                self._changed()

    # ------------------------------------------------------------- nodes
    def node(self, node_id: str) -> Node:
        try:
            return self.nodes[node_id]
        except KeyError:
            raise GraphEditError(f"no node with id {node_id}") from None

    def add_node(self, type_id: str, params: dict[str, Any] | None = None,
                 position: tuple[float, float] = (0.0, 0.0), node_id: str = None,
                 title: str | None = None) -> Node:
        nt = REGISTRY.get(type_id)
        values = nt.default_params()
        for name, value in (params or {}).items():
            try:
                spec = nt.param(name)
            except KeyError:
                raise ParamError(f"{type_id} has no parameter {name!r}") from None
            values[name] = spec.validate(value, type_id)
        node_id = node_id or new_id()
        if node_id in self.nodes:
            raise GraphEditError(f"a node with id {node_id} already exists")
        node = Node(node_id, type_id, values, (float(position[0]), float(position[1])), title)
        self.nodes[node_id] = node
        self._changed(ch.NodeAdded(node))
        return node

    def remove_node(self, node_id: str) -> Node:
        node = self.node(node_id)
        with self.batch():
            for e in list(self._in.get(node_id, {}).values()) + list(self._out.get(node_id, {}).values()):
                if e.id in self.edges:
                    self.disconnect(e.id)
            del self.nodes[node_id]
            self._in.pop(node_id, None)
            self._out.pop(node_id, None)
            self._changed(ch.NodeRemoved(node))
        return node

    def set_param(self, node_id: str, name: str, value: Any) -> None:
        node = self.node(node_id)
        try:
            spec = node.type.param(name)
        except KeyError:
            raise ParamError(f"{node.type_id} has no parameter {name!r}") from None
        value = spec.validate(value, node.label)
        if node.params.get(name) == value:
            return
        node.params[name] = value
        self._changed(ch.ParamChanged(node, name, value))

    def move_node(self, node_id: str, position: tuple[float, float]) -> None:
        node = self.node(node_id)
        node.position = (float(position[0]), float(position[1]))
        self._emit(ch.NodeMoved(node, node.position))

    def rename_node(self, node_id: str, title: str | None) -> None:
        """Give a node a title (None or "": its type's title). Checked as every text a file
        stores; the analysis runs again, since its messages quote node titles."""
        node = self.node(node_id)
        if title:
            check_text(title, "title")
        if node.title == (title or None):
            return
        node.title = title or None
        self._changed(ch.NodeRenamed(node, node.title))

    def set_config(self, key: str, value: Any) -> None:
        """Set (or, with None, remove) a configuration entry such as 'training' or 'dataset'."""
        if value is None:
            self.config.pop(key, None)
        else:
            self.config[key] = value
        self._emit(ch.ConfigChanged(key, value))

    # ------------------------------------------------------------- edges
    def incoming(self, node_id: str) -> dict[str, Edge]:
        """{input port: Edge} of a node."""
        return dict(self._in.get(node_id, {}))

    def outgoing(self, node_id: str) -> list[Edge]:
        return list(self._out.get(node_id, {}).values())

    def upstream(self, node_ids: Iterable[str]) -> set[str]:
        """The given nodes and every node that feeds them, directly or not (one walk, linear)."""
        seen = set(node_ids)
        stack = list(seen)
        while stack:
            for e in self._in.get(stack.pop(), {}).values():
                if e.src not in seen:
                    seen.add(e.src)
                    stack.append(e.src)
        return seen

    def _reaches(self, start: str, goal: str) -> bool:
        seen, stack = {start}, [start]
        while stack:
            n = stack.pop()
            if n == goal:
                return True
            for e in self._out.get(n, {}).values():
                if e.dst not in seen:
                    seen.add(e.dst)
                    stack.append(e.dst)
        return False

    def check_connection(self, src: str, src_port: str, dst: str, dst_port: str) -> None:
        """Raise ConnectionRefused with the reason if src.src_port → dst.dst_port cannot be made."""
        if src not in self.nodes or dst not in self.nodes:
            raise ConnectionRefused("one of the nodes does not exist", "missing")
        a, b = self.nodes[src], self.nodes[dst]
        if not a.type.has_output(src_port):
            raise ConnectionRefused(f"{a.label} has no output '{src_port}'", "port")
        if not b.type.has_input(dst_port):
            raise ConnectionRefused(f"{b.label} has no input '{dst_port}'", "port")
        if src == dst:
            raise ConnectionRefused(f"{a.label} cannot feed itself", "cycle")
        if dst_port in self.incoming(dst):
            raise ConnectionRefused(f"input '{dst_port}' of {b.label} is already connected; "
                                    "remove that connection first", "occupied")
        if self._reaches(dst, src):
            raise ConnectionRefused(f"connecting {a.label} to {b.label} would make a cycle "
                                    f"({b.label} already feeds {a.label})", "cycle")
        spec = self.analysis.specs.get((src, src_port))
        if spec is not None:
            ins = {p: self.analysis.specs.get((e.src, e.src_port)) for p, e in self.incoming(dst).items()}
            ins[dst_port] = spec
            if all(v is not None for v in ins.values()) and all(
                    p.optional or p.name in ins for p in b.type.inputs):
                try:
                    b.type.infer(ins, b.params)
                except (ShapeError, DTypeError) as exc:
                    if getattr(exc, "port", None) in (None, dst_port):
                        kind = "dtype" if isinstance(exc, DTypeError) else "shape"
                        raise ConnectionRefused(f"{b.label}: {exc}", kind) from None
                except EngineError:
                    pass                  # a parameter problem: the analysis pins it on the node
                except (ArithmeticError, IndexError, KeyError, TypeError, ValueError) as exc:
                    raise ConnectionRefused(f"{b.label} cannot take this input ({type(exc).__name__}: {exc})",
                                            "shape") from None

    def can_connect(self, src: str, src_port: str, dst: str, dst_port: str) -> tuple[bool, str]:
        """(True, '') or (False, reason)."""
        try:
            self.check_connection(src, src_port, dst, dst_port)
            return True, ""
        except ConnectionRefused as exc:
            return False, exc.reason

    def connect(self, src: str, src_port: str, dst: str, dst_port: str, edge_id: str | None = None) -> Edge:
        self.check_connection(src, src_port, dst, dst_port)
        return self.restore_edge(Edge(edge_id or new_id(), src, src_port, dst, dst_port))

    def restore_node(self, node: Node) -> Node:
        """Put a Node back as it is (the loader, undo): its id and parameters already checked."""
        if node.id in self.nodes:
            raise GraphEditError(f"a node with id {node.id} already exists")
        self.nodes[node.id] = node
        self._changed(ch.NodeAdded(node) if self._listeners else None)    # no listener (loading): no event
        return node

    def restore_edge(self, edge: Edge) -> Edge:
        """Put an Edge back as it was (the loader, undo, paste), without the connection checks:
        the analysis after the edit (or the batch) pins whatever does not fit."""
        if edge.id in self.edges:
            raise GraphEditError(f"an edge with id {edge.id} already exists")
        self.edges[edge.id] = edge
        self._in.setdefault(edge.dst, {})[edge.dst_port] = edge
        self._out.setdefault(edge.src, {})[edge.id] = edge
        self._changed(ch.EdgeAdded(edge) if self._listeners else None)
        return edge

    def disconnect(self, edge_id: str) -> Edge:
        try:
            edge = self.edges.pop(edge_id)
        except KeyError:
            raise GraphEditError(f"no edge with id {edge_id}") from None
        if self._in.get(edge.dst, {}).get(edge.dst_port) is edge:
            del self._in[edge.dst][edge.dst_port]
        self._out.get(edge.src, {}).pop(edge.id, None)
        self._changed(ch.EdgeRemoved(edge))
        return edge

    def to_networkx(self) -> nx.DiGraph:
        """The wiring as a networkx DiGraph of node ids (layout, cycle checks)."""
        g = nx.DiGraph()
        g.add_nodes_from(self.nodes)
        g.add_edges_from((e.src, e.dst) for e in self.edges.values())
        return g

    # ------------------------------------------------------------- queries
    def nodes_of_role(self, role: str) -> list[Node]:
        return [n for n in self.nodes.values() if n.type.role == role]

    def loss_node(self) -> Node | None:
        losses = self.nodes_of_role("loss")
        return losses[0] if len(losses) == 1 else None


def topological_order(graph: Graph) -> tuple[list[str] | None, list[Edge] | None]:
    """(node ids in an order where every node comes after those feeding it, None), or (None, the
    edges of one cycle). Generation by generation, as networkx orders them; linear time."""
    indeg = {n: len(graph._in.get(n, ())) for n in graph.nodes}
    generation = [n for n, d in indeg.items() if d == 0]
    order = []
    while generation:
        order.extend(generation)
        nxt = []
        for n in generation:
            for e in graph._out.get(n, {}).values():
                indeg[e.dst] -= 1
                if indeg[e.dst] == 0:
                    nxt.append(e.dst)
        generation = nxt
    if len(order) == len(graph.nodes):
        return order, None
    # a cycle: walk back along inputs among the nodes left over until a node repeats
    left = {n for n, d in indeg.items() if d > 0}
    n = next(iter(left))
    path, seen = [], {}
    while n not in seen:
        seen[n] = len(path)
        e = next(e for e in graph._in[n].values() if e.src in left)
        path.append(e)
        n = e.src
    return None, path[seen[n]:][::-1]


def analyze(graph: Graph) -> Analysis:
    """Topological order, shape inference over the symbolic batch, weights and typed issues."""
    a = Analysis()
    order, cycle = topological_order(graph)
    if cycle is not None:
        for e in cycle:
            a.issues.append(Issue(IssueKind.CYCLE, "this connection closes a cycle: data would flow in a loop",
                                  node=e.dst, edge=e.id))
        return a
    a.order = order
    incoming, nodes, specs, empty = graph._in, graph.nodes, a.specs, {}
    for nid in order:
        node = nodes[nid]
        nt = node.type
        edges = incoming.get(nid, empty)
        if len(edges) < len(nt.inputs):
            missing = [p.name for p in nt.inputs if not p.optional and p.name not in edges]
            for port in missing:
                a.issues.append(Issue(IssueKind.UNCONNECTED, f"input '{port}' of {node.label} is not connected",
                                      node=nid, port=port))
            if missing:
                continue
        ins = {}
        for p, e in edges.items():
            spec = specs.get((e.src, e.src_port))
            if spec is None:
                break
            ins[p] = spec
        else:
            spec = True
        if spec is None:
            continue
        try:
            outs = nt.infer(ins, node.params)
            weights = nt.weights(ins, node.params) if nt.weights else {}
        except ParamError as exc:
            a.issues.append(Issue(IssueKind.PARAM, f"{node.label}: {exc}", node=nid))
            continue
        except (ShapeError, DTypeError) as exc:
            port = getattr(exc, "port", None)
            edge = edges.get(port)
            kind = IssueKind.DTYPE if isinstance(exc, DTypeError) else IssueKind.SHAPE
            a.issues.append(Issue(kind, f"{node.label}: {exc}", node=nid, port=port,
                                  edge=edge.id if edge else None))
            continue
        except EngineError as exc:
            a.issues.append(Issue(IssueKind.PARAM, f"{node.label}: {exc}", node=nid))
            continue
        except (ArithmeticError, IndexError, KeyError, TypeError, ValueError) as exc:
            # a shape rule that did not foresee these inputs: an issue on the node, never a crash
            a.issues.append(Issue(IssueKind.SHAPE, f"{node.label}: cannot work out its output from these "
                                                   f"inputs ({type(exc).__name__}: {exc})", node=nid))
            continue
        big = _too_big(outs, weights)
        if big:
            a.issues.append(Issue(IssueKind.SHAPE, f"{node.label}: {big}", node=nid))
            continue
        for port, spec in outs.items():
            specs[(nid, port)] = spec
        if weights:
            bad = [w for w in weights.values() if w.init not in ("default", "zeros", "ones", "normal")
                   and len(w.shape) < 2]
            if bad:
                a.issues.append(Issue(IssueKind.PARAM, f"{node.label}: initializer '{bad[0].init}' needs a tensor "
                                               f"of at least 2 dims, this one is {fmt(bad[0].shape)}",
                                      node=nid, param="init"))
            a.weights[nid] = weights
    _global_issues(graph, a)
    return a


def _too_big(outs, weights):
    """Why an output or a weight asks for more elements than one tensor may hold, or None."""
    for what, items in (("output", outs), ("weight", weights or {})):
        for name, spec in items.items():
            count = 1
            for d in spec.shape:
                if d != N:
                    count *= d
            if count > MAX_ELEMENTS:
                return (f"{what} '{name}' of shape {fmt(spec.shape)} would hold {count:,} elements per sample, "
                        f"more than the {MAX_ELEMENTS:,} one tensor may hold")
    return None


def _global_issues(graph, a):
    losses = graph.nodes_of_role("loss")
    if len(losses) > 1:
        for n in losses:
            a.issues.append(Issue(IssueKind.LOSS_COUNT, f"{len(losses)} losses feed the optimizer, which minimizes "
                                                 "one; keep one loss node", node=n.id))
    for role, what in (("input", "Input"), ("target", "Target")):
        nodes = graph.nodes_of_role(role)
        if len(nodes) > 1:
            for n in nodes:
                a.issues.append(Issue(IssueKind.INPUT_COUNT, f"{len(nodes)} {what} nodes: the dataset provides one "
                                                      f"{'feature tensor' if role == 'input' else 'target'}",
                                      node=n.id))
    if not losses and graph.nodes:
        a.issues.append(Issue(IssueKind.NO_LOSS, "no loss node: the graph can run but not train", severity="warning"))
    if len(losses) == 1:
        keep = graph.upstream([losses[0].id] + [n.id for n in graph.nodes_of_role("output")])
        for nid, node in graph.nodes.items():
            if nid not in keep:
                a.issues.append(Issue(IssueKind.UNUSED, f"{node.label} does not feed the loss or an output",
                                      node=nid, severity="warning"))


def describe(graph: Graph) -> list[str]:
    """Lines of text: every node with its output shapes and parameter count, then the issues."""
    a = graph.analysis
    lines = []
    for nid in a.order or list(graph.nodes):
        node = graph.nodes[nid]
        outs = ", ".join(f"{p.name}: {fmt(a.specs[(nid, p.name)].shape)}" for p in node.type.outputs
                         if (nid, p.name) in a.specs)
        count = a.param_count(nid)
        lines.append(f"{node.label:<24} {node.type_id:<18} {outs or '-':<28} "
                     f"{count:>10,} params" if count else f"{node.label:<24} {node.type_id:<18} {outs or '-'}")
    lines.append(f"total trainable parameters: {a.total_params():,}")
    return lines


