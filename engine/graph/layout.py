"""Layered left-to-right layout of a DAG, folded into rows to fit a view.

Each node's column is its longest distance from a source; within a column nodes are ordered by
the mean row of their predecessors (one sweep of the barycenter heuristic), which keeps most
wires short and uncrossed. A long chain of columns does not have to become one thin strip:
given the shape of the view it will be shown in (``aspect`` = width / height), the columns are
folded into bands, like lines of text, choosing the number of columns per band that lets the
whole graph be shown largest."""
import math

import networkx as nx

DX, DY = 260.0, 120.0            # column pitch and row pitch (scene units)
BAND_GAP = 44.0                  # free space between two bands (the folded wire runs through it)
NODE_W = 176.0                   # the editor's node box when the caller gives no sizes: this wide,
HEADER, ROW, FOOTER = 26.0, 20.0, 20.0   # and this tall for its number of port rows


def default_node_size(node):
    rows = max(len(node.type.inputs), len(node.type.outputs), 1)
    return NODE_W, HEADER + rows * ROW + FOOTER


def columns_of(graph):
    """[[node id, …] per column], each column ordered top to bottom; None for a graph with a cycle."""
    g = graph.to_networkx()
    if not nx.is_directed_acyclic_graph(g):
        return None
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
    out = []
    for k in sorted(columns):
        nodes = columns[k]

        def key(n):
            preds = [row[p] for p in g.predecessors(n) if p in row]
            return sum(preds) / len(preds) if preds else len(row)
        nodes.sort(key=key)
        for i, n in enumerate(nodes):
            row[n] = i - (len(nodes) - 1) / 2
        out.append(nodes)
    return out


def _bands(columns, per_band, dx, dy, size):
    """Positions and the bounding size when ``per_band`` columns make one band."""
    pos = {}
    top = 0.0
    width = height = 0.0
    for start in range(0, len(columns), per_band):
        band = columns[start:start + per_band]
        # a column's height: its nodes at the row pitch, the last one with its own height
        heights = [(len(c) - 1) * dy + max(size(n)[1] for n in c) for c in band]
        band_h = max(heights)
        for i, col in enumerate(band):
            for j, nid in enumerate(col):         # top-aligned: the main chain runs along one line
                pos[nid] = (i * dx, top + j * dy)
            width = max(width, i * dx + max(size(n)[0] for n in col))
        top += band_h + BAND_GAP
        height = top - BAND_GAP
    return pos, width, height


def layered_layout(graph, dx=DX, dy=DY, aspect=None, node_size=None):
    """{node id: (x, y)} for every node of ``graph``.

    ``aspect``: the width/height ratio of the view the graph will be shown in; the columns are
    folded into as many bands as make the graph largest there (None: one band).
    ``node_size(node id) -> (w, h)``: the boxes the editor draws (default: estimated from the ports)."""
    columns = columns_of(graph)
    if columns is None:
        return {nid: n.position for nid, n in graph.nodes.items()}
    if not columns:
        return {}
    size = node_size or (lambda nid: default_node_size(graph.nodes[nid]))
    options = []
    for per_band in (range(1, len(columns) + 1) if aspect else (len(columns),)):
        pos, w, h = _bands(columns, per_band, dx, dy, size)
        # how large the graph can be drawn in a view of this aspect (up to a common factor)
        scale = min(aspect / w, 1.0 / h) if aspect else 1.0
        options.append((scale, math.ceil(len(columns) / per_band), pos))
    top = max(o[0] for o in options)
    # of the foldings that show the graph (nearly) as large as possible, the one with fewest bands
    best = min((o for o in options if o[0] >= top / 1.05), key=lambda o: o[1])
    pos = best[2]
    # keep the old convention: the first column's middle at y = 0 for a single band
    if best[1] == 1:
        mid = sum(y for y in (pos[n][1] for n in columns[0])) / len(columns[0])
        pos = {n: (x, y - mid) for n, (x, y) in pos.items()}
    return {nid: (float(x), float(y)) for nid, (x, y) in pos.items()}


def apply_layout(graph, **kw):
    for nid, pos in layered_layout(graph, **kw).items():
        graph.move_node(nid, pos)
