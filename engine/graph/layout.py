"""Layered left-to-right layout of a DAG: each node's column is its longest distance from a
source; within a column nodes are ordered by the mean row of their predecessors (one sweep of
the barycenter heuristic), which keeps most wires short and uncrossed."""
import networkx as nx


def layered_layout(graph, dx=260.0, dy=120.0):
    """{node id: (x, y)} for every node of ``graph``."""
    g = graph._nx()
    if not nx.is_directed_acyclic_graph(g):
        return {nid: n.position for nid, n in graph.nodes.items()}
    layer = {}
    for nid in nx.topological_sort(g):
        preds = list(g.predecessors(nid))
        layer[nid] = 1 + max(layer[p] for p in preds) if preds else 0
    # place sources that only feed a later layer (targets, parameters) next to their consumer
    for nid in list(layer):
        succ = list(g.successors(nid))
        if not list(g.predecessors(nid)) and succ:
            layer[nid] = max(0, min(layer[s] for s in succ) - 1)
    columns = {}
    for nid, k in layer.items():
        columns.setdefault(k, []).append(nid)
    row = {}
    for k in sorted(columns):
        nodes = columns[k]

        def key(n):
            preds = [row[p] for p in g.predecessors(n) if p in row]
            return sum(preds) / len(preds) if preds else len(row)
        nodes.sort(key=key)
        for i, n in enumerate(nodes):
            row[n] = i - (len(nodes) - 1) / 2
    return {nid: (layer[nid] * dx, row[nid] * dy) for nid in layer}


def apply_layout(graph, **kw):
    for nid, pos in layered_layout(graph, **kw).items():
        graph.move_node(nid, pos)
