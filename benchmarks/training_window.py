"""What training in the window costs: throughput of the same run through the window's session
(worker thread, event queue, live curves and node tint) against the bare Trainer in the same
process, the window's event-loop latency meanwhile, and how long Stop takes.

    QT_QPA_PLATFORM=offscreen python benchmarks/training_window.py [--seconds 4] [--rounds 3]

Figures: samples per second, ratios to the bare trainer (1.00 = no cost), event-loop latency
(how late a 10 ms timer fires; p95 and max) and Stop latency (click to worker finished).
Rounds are interleaved so machine noise hits every mode alike.
"""
import argparse
import os
import statistics
import sys
import threading
import time

from _common import set_threads

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def bare_throughput(path, seconds):
    """Samples/s of Trainer.fit on a plain thread, no listener, no Qt work."""
    from engine.graph import fileformat
    from engine.graph.training import Trainer
    g = fileformat.load(path).graph
    g.config["training"] = {**g.config["training"], "epochs": 100000}
    tr = Trainer(g)
    tr.setup()
    t = threading.Thread(target=tr.fit, daemon=True)
    t.start()
    time.sleep(0.5)                      # past the first batches
    n0, t0 = sum(len(b) for b in [tr.history.batches]), time.perf_counter()
    time.sleep(seconds)
    n1, t1 = len(tr.history.batches), time.perf_counter()
    tr.stop()
    t.join()
    return (n1 - n0) * tr.cfg["batch_size"] / (t1 - t0)


def run_loop(ms):
    from PySide6.QtCore import QEventLoop, QTimer
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def window_run(app, path, seconds, live):
    """(samples/s, latency p95, latency max, stop seconds) of a run through the main window."""
    import numpy as np
    from PySide6.QtCore import QTimer
    from app.commands import SetConfig
    from app.document import Document
    from ui.main_window import MainWindow
    w = MainWindow(autosave=False)
    w.ask_save_changes = lambda: "discard"        # the trained weights are not worth a dialog here
    w.resize(1400, 860)
    w.show()
    doc = Document.open(path)
    w.set_document(doc)
    doc.push(SetConfig(doc, "training", {**doc.graph.config["training"], "epochs": 100000}))
    w.training.session.live = live
    for _ in range(20):
        app.processEvents()
    gaps, last = [], [None]

    def tick():
        now = time.perf_counter()
        if last[0] is not None:
            gaps.append(now - last[0])
        last[0] = now
    w.training.run()
    session = w.training.session
    run_loop(500)
    timer = QTimer()
    timer.timeout.connect(tick)
    timer.start(10)
    n0, t0 = len(session.trainer.history.batches), time.perf_counter()
    run_loop(int(seconds * 1000))             # the real event loop, as in the app: no polling
    n1, t1 = len(session.trainer.history.batches), time.perf_counter()
    timer.stop()
    s0 = time.perf_counter()
    session.stop(wait=False)
    while session.busy:
        app.processEvents()
        time.sleep(0.0005)
    stop_s = time.perf_counter() - s0
    rate = (n1 - n0) * session.trainer.cfg["batch_size"] / (t1 - t0)
    late = np.maximum(np.asarray(gaps) - 0.010, 0.0)
    w.close()
    w.deleteLater()
    app.processEvents()
    return rate, float(np.percentile(late, 95)), float(late.max()), stop_s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=4.0)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    set_threads(2)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("TENSORWEAVE_DATA_DIR", "/tmp/tensorweave-bench")
    sys.path.insert(0, ROOT)
    from PySide6.QtWidgets import QApplication
    app = QApplication.instance() or QApplication([])
    for name in ("digits_cnn", "digits_mlp"):
        path = os.path.join(ROOT, "resources", "examples", name + ".twg")
        bare, off, on = [], [], []
        for _ in range(args.rounds):
            bare.append(bare_throughput(path, args.seconds))
            off.append(window_run(app, path, args.seconds, live=False))
            on.append(window_run(app, path, args.seconds, live=True))
        b = statistics.median(bare)
        print(f"{name}: bare Trainer {b:,.0f} samples/s")
        for label, runs in (("window, live tint off", off), ("window, live tint on ", on)):
            rate = statistics.median(r[0] for r in runs)
            # each round's window run against the bare run of the same round: median and min
            ratios = [r[0] / x for r, x in zip(runs, bare)]
            p95 = statistics.median(r[1] for r in runs) * 1000
            worst = max(r[2] for r in runs) * 1000
            stop = max(r[3] for r in runs) * 1000
            print(f"  {label}: {rate:,.0f} samples/s = {statistics.median(ratios):.2f}× bare (min {min(ratios):.2f}×) · "
                  f"event-loop latency p95 {p95:.1f} ms (worst {worst:.0f} ms) · Stop {stop:.0f} ms (slowest)")
        live_cost = 1 - statistics.median(r[0] for r in on) / statistics.median(r[0] for r in off)
        print(f"  live tint costs {live_cost:+.1%} of the window's throughput (target: under 10%)")


if __name__ == "__main__":
    main()
