"""Editor speed on a generated 1,000-node graph: time to open the file into the window, and
frame times while panning and zooming (rendered offscreen: each frame is a full repaint of the
canvas viewport). Prints median and p95.

    python benchmarks/editor_frames.py [--nodes 1000]
"""
import argparse
import os
import statistics
import sys
import tempfile
import time

from _common import ROOT  # noqa: F401  (puts the project on sys.path)


def build_graph(n_nodes):
    """An Input feeding 20 chains of Dense/ReLU/Dropout/BatchNorm nodes, laid out in rows."""
    from engine.graph.layout import apply_layout
    from engine.graph.model import Graph
    g = Graph()
    with g.batch():
        x = g.add_node("Input", {"shape": [32]}).id
        chains = 20
        cycle = [("Dense", {"units": 32}), ("ReLU", {}), ("Dropout", {"p": 0.1}), ("BatchNorm", {})]
        for c in range(chains):
            prev = x
            for i in range((n_nodes - 1) // chains + (c < (n_nodes - 1) % chains)):
                t, p = cycle[i % len(cycle)]
                nid = g.add_node(t, p).id
                g.connect(prev, g.nodes[prev].type.outputs[0].name, nid, "x")
                prev = nid
    apply_layout(g)
    return g


def percentile(values, q):
    v = sorted(values)
    return v[min(len(v) - 1, int(round(q * (len(v) - 1))))]


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--nodes", type=int, default=1000)
    args = ap.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("TENSORWEAVE_DATA_DIR", tempfile.mkdtemp())
    from PySide6.QtCore import QSettings
    QSettings.setPath(QSettings.NativeFormat, QSettings.UserScope, tempfile.mkdtemp())
    from PySide6.QtWidgets import QApplication
    app = QApplication.instance() or QApplication([])
    from engine.graph import fileformat
    from ui.main_window import MainWindow

    g = build_graph(args.nodes)
    path = os.path.join(tempfile.mkdtemp(), "big.twg")
    fileformat.save(g, path)
    window = MainWindow(autosave=False)
    window.resize(1600, 1000)
    window.show()
    app.processEvents()
    t0 = time.perf_counter()
    window.open_path(path)
    app.processEvents()
    window.view.viewport().grab()                     # the first full frame
    opened = time.perf_counter() - t0
    n, e = len(window.document.graph.nodes), len(window.document.graph.edges)
    print(f"{n} nodes, {e} edges: opened and first frame drawn in {opened:.2f} s (target < 2 s)")

    view = window.view
    center = window.scene.itemsBoundingRect().center()

    def frame():
        t = time.perf_counter()
        view.viewport().grab()
        return (time.perf_counter() - t) * 1000

    results = {}
    for zoom in (1.0, 0.5, 0.25, 0.1):
        view.resetTransform()
        view.zoom_by(zoom)
        view.centerOn(center)
        app.processEvents()
        frame()
        times = []
        for i in range(40):                           # pan: move the view by 40 px per frame
            h = view.horizontalScrollBar()
            h.setValue(h.value() + (40 if (i // 10) % 2 == 0 else -40))
            app.processEvents()
            times.append(frame())
        results[f"pan at zoom {zoom}"] = times
    view.resetTransform()
    view.centerOn(center)
    times = []
    for i in range(60):                               # continuous zoom out and back in
        view.zoom_by(0.93 if i < 30 else 1 / 0.93)
        app.processEvents()
        times.append(frame())
    results["continuous zoom 1.0 → 0.11 → 1.0"] = times
    worst = 0.0
    for name, times in results.items():
        med, p95 = statistics.median(times), percentile(times, 0.95)
        worst = max(worst, p95)
        print(f"    {name:34s} median {med:6.1f} ms   p95 {p95:6.1f} ms")
    print(f"worst p95 {worst:.1f} ms (target < 16 ms)")
    window.document.undo_stack.setClean()
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
