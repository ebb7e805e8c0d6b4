"""Headless commands: ``tensorweave train GRAPH`` and ``tensorweave check GRAPH``.

Bad input (a missing or broken file, an invalid graph, a bad flag) ends with one line on stderr
and a non-zero exit status, never a traceback."""
import json
import os
import sys
import time

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_FAILED = 0, 1, 2, 3


def _fail(message, code=EXIT_FAILED):
    print(f"tensorweave: error: {message}", file=sys.stderr)
    return code


def _load(path, weights=False):
    from engine.graph import fileformat
    loaded = fileformat.load(path)
    if weights:
        loaded.weights                       # read now, so that its warnings are printed with the others
    for w in loaded.warnings:
        print(f"tensorweave: warning: {w}", file=sys.stderr)
    return loaded


def check(args):
    from engine.errors import EngineError
    from engine.graph.model import describe
    try:
        loaded = _load(args.graph)
    except EngineError as exc:
        return _fail(str(exc), EXIT_INVALID)
    g = loaded.graph
    print(f"{loaded.name or os.path.basename(args.graph)}: {len(g.nodes)} nodes, {len(g.edges)} edges")
    for line in describe(g):
        print("  " + line)
    issues = g.analysis.issues
    for i in issues:
        print(f"  {i.severity}: {i.message}")
    errors = g.analysis.errors
    if errors:
        print(f"{len(errors)} error(s): the graph cannot run", file=sys.stderr)
        return EXIT_INVALID
    from engine.graph import memory
    print(f"memory: {memory.estimate(g).describe()}")
    too_big = memory.refusal(g)
    if too_big:
        print(f"warning: {too_big}", file=sys.stderr)
    print("ok: the graph is valid")
    return EXIT_OK


class ProgressBar:
    """One self-rewriting line on a terminal (nothing when stderr is not one), at most 10 updates a second."""

    def __init__(self, stream=None):
        self.stream = stream = stream or sys.stderr      # looked up now: sys.stderr may have been replaced
        self.enabled = stream.isatty()
        self.last = 0.0
        self.start = time.perf_counter()

    def update(self, epoch, epochs, batch, batches):
        now = time.perf_counter()
        if not self.enabled or now - self.last < 0.1:
            return
        self.last = now
        done = ((epoch - 1) * batches + batch) / max(epochs * batches, 1)
        eta = (now - self.start) * (1 - done) / done if done > 0 else 0
        bar = "#" * int(30 * done) + "." * (30 - int(30 * done))
        self.stream.write(f"\r  epoch {epoch}/{epochs} [{bar}] {done:4.0%}  {_duration(eta)} left ")
        self.stream.flush()

    def clear(self):
        if self.enabled:
            self.stream.write("\r" + " " * 72 + "\r")
            self.stream.flush()


def _duration(s):
    return f"{s:.0f} s" if s < 120 else f"{s / 60:.0f} min"


def train(args):
    from engine.errors import EngineError
    from engine.graph import events as ev
    from engine.graph import fileformat
    from engine.graph.overfitting import judge
    from engine.graph.plan import GraphInvalid
    from engine.graph.training import NonFiniteLoss, Trainer
    from engine.graph.weights import WeightStore
    try:
        loaded = _load(args.graph, weights=not args.fresh)
    except EngineError as exc:
        return _fail(str(exc), EXIT_INVALID)
    graph = loaded.graph
    if graph.analysis.errors:
        for i in graph.analysis.errors:
            print(f"  error: {i.message}", file=sys.stderr)
        return _fail(f"{args.graph}: the graph has {len(graph.analysis.errors)} error(s)", EXIT_INVALID)
    overrides = {k: v for k, v in (("epochs", args.epochs), ("batch_size", args.batch_size), ("lr", args.lr),
                                   ("device", args.device), ("seed", args.seed)) if v is not None}
    store = WeightStore()
    if loaded.weights and not args.fresh:
        store.load_state(loaded.weights)
    bar = ProgressBar()
    metric = {}

    def listen(e):
        if isinstance(e, ev.BatchEnd):
            bar.update(e.epoch, trainer.cfg["epochs"], e.batch, e.batches)
        elif isinstance(e, ev.EpochEnd):
            bar.clear()
            m = e.metrics
            key = "accuracy" if "train_accuracy" in m else "mae"
            metric["key"] = key
            parts = [f"epoch {e.epoch:>4}/{e.epochs}", f"train loss {m['train_loss']:.4f}", _metric(key, m.get(f"train_{key}"))]
            if "val_loss" in m:
                parts += [f"val loss {m['val_loss']:.4f}", _metric(key, m.get(f"val_{key}"))]
            parts.append(f"({m['seconds']:.2f} s)")
            print("  ".join(parts), flush=True)

    base = os.path.dirname(os.path.abspath(args.graph))
    trainer = Trainer(graph, store, base_dir=base, listener=listen,
                      allow_data=True if args.allow_outside_data else ())
    t0 = time.perf_counter()
    try:
        trainer.setup(overrides)
        print(f"training {loaded.name or os.path.basename(args.graph)}: {trainer.data.n_train} training and "
              f"{trainer.data.n_val} validation samples, "
              f"{graph.analysis.total_params():,} parameters, {trainer.cfg['optimizer']} lr {trainer.cfg['lr']:g}, "
              f"batch {trainer.cfg['batch_size'] or 'all'}, {trainer.cfg['epochs']} epochs on {trainer.cfg['device']}",
              flush=True)
        history = trainer.fit()
    except KeyboardInterrupt:
        bar.clear()
        return _fail("interrupted; nothing was saved")
    except NonFiniteLoss as exc:
        bar.clear()
        return _fail(str(exc))
    except GraphInvalid as exc:
        return _fail(str(exc), EXIT_INVALID)
    except EngineError as exc:
        bar.clear()
        return _fail(str(exc))
    elapsed = time.perf_counter() - t0
    if trainer.end_message:
        print(trainer.end_message)
    best = history.best_epoch()
    out = args.out or os.path.join(os.getcwd(), os.path.splitext(os.path.basename(args.graph))[0] + "-trained")
    try:
        os.makedirs(out, exist_ok=True)
        history.write_csv(os.path.join(out, "history.csv"))
        target = os.path.join(out, os.path.basename(args.graph))
        if graph.config.get("dataset", {}).get("source") in ("csv", "npz"):
            graph.config["dataset"] = dict(graph.config["dataset"], path=os.path.relpath(
                os.path.join(base, graph.config["dataset"]["path"]), out))
        fileformat.save(graph, target, name=loaded.name, description=loaded.description, store=store,
                        history=history, normalizer=trainer.normalizer, best_epoch=best)
        best_copy = None
        if not trainer.cfg["restore_best"] and trainer.best_weights is not None and best != history.epochs[-1]["epoch"]:
            # the run kept its last weights; keep the best epoch's as a checkpoint beside them
            from engine.graph.weights import WeightStore
            best_store = WeightStore()
            best_store.load_state(trainer.best_weights)
            stem, ext = os.path.splitext(target)
            best_copy = f"{stem}-best-epoch{ext}"
            fileformat.save(graph, best_copy, name=f"{loaded.name} (epoch {best})", description=loaded.description,
                            store=best_store, history=history, normalizer=trainer.normalizer, best_epoch=best)
        verdict = judge(history.epochs, trainer.cfg["epochs"], trainer.chance_loss)
        _write_summary(os.path.join(out, "summary.json"), history, best, verdict, trainer)
    except (OSError, EngineError) as exc:
        return _fail(f"cannot write results to {out}: {exc}")
    last = history.epochs[-1]
    key = metric.get("key", "accuracy")
    fm = trainer.final_metrics
    restored = trainer.cfg["restore_best"] and best != last["epoch"]
    which = f"the best epoch's ({best})" if restored else f"the last epoch's ({last['epoch']})"
    final = ", ".join(f"{part} loss {fm[f'{part}_loss']:.4f} {_metric(key, fm.get(f'{part}_{key}'))}"
                      for part in ("train", "val") if f"{part}_loss" in fm)
    print(f"done in {elapsed:.1f} s; with {which} weights: {final}")
    print(f"saved {target}, {os.path.join(out, 'history.csv')} and summary.json")
    if best_copy:
        print(f"saved the best epoch's weights as {best_copy}")
    print(_verdict_line(verdict, history))
    return EXIT_OK


def _verdict_line(verdict, history):
    if not any(r.get("val_loss") is not None for r in history.epochs):
        return "overfitting: not judged (no validation set)"
    if verdict.overfitting:
        return (f"overfitting: from epoch {verdict.onset} the validation loss rose "
                f"{verdict.gl:.0f} % above its best while the training loss kept falling "
                f"(established at epoch {verdict.flagged_at}); the weights of epoch {verdict.onset} were the best")
    return "overfitting: none (the validation loss did not turn upward for good)"


def _write_summary(path, history, best, verdict, trainer):
    """summary.json: what a script comparing runs needs, in one small file."""
    vals = [r.get("val_loss") for r in history.epochs]
    have_val = any(v is not None for v in vals)
    best_row = next((r for r in history.epochs if r["epoch"] == best), None)
    summary = {
        "epochs": len(history.epochs),
        "best_epoch": best,
        "final_val_loss": vals[-1] if have_val else None,
        "best_val_loss": best_row.get("val_loss") if best_row and have_val else None,
        "final_train_loss": history.epochs[-1]["train_loss"],
        "overfitting_onset": verdict.onset if verdict.overfitting else None,
        "overfitting_established_at": verdict.flagged_at if verdict.overfitting else None,
        "chance_loss": trainer.chance_loss,
        "end": trainer.end_reason,
    }
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(summary, f, indent=2)
    os.replace(tmp, path)


def export(args):
    from engine.errors import EngineError
    from engine.export.pytorch import export_package
    if args.to == "onnx":
        return export_onnx(args)
    try:
        loaded = _load(args.graph, weights=True)
        files = export_package(loaded.graph, loaded.weight_store(), args.out,
                               loaded.name or os.path.splitext(os.path.basename(args.graph))[0],
                               base_dir=os.path.dirname(os.path.abspath(args.graph)),
                               allow_data=True if args.allow_outside_data else ())
    except (EngineError, ValueError, OSError) as exc:
        return _fail(str(exc))
    print(f"wrote {', '.join(os.path.basename(f) for f in files)} to {args.out}")
    print(f"train it: cd {args.out} && python train.py   (or torchrun --nproc_per_node=2 train.py)")
    return EXIT_OK


def export_onnx(args):
    from engine.errors import EngineError
    from engine.export.onnx_export import save_onnx
    try:
        loaded = _load(args.graph, weights=True)
        model = save_onnx(loaded.graph, loaded.weight_store(), args.out,
                          name=loaded.name or os.path.splitext(os.path.basename(args.graph))[0])
    except (ImportError, EngineError, ValueError, OSError) as exc:
        return _fail(str(exc))
    print(f"wrote {args.out}: {len(model.graph.node)} ONNX nodes (opset {model.opset_import[0].version}), "
          f"{len(model.graph.initializer)} weight tensors; input {', '.join(i.name for i in model.graph.input)}, "
          f"output {', '.join(o.name for o in model.graph.output)}")
    return EXIT_OK


def import_model(args):
    from engine.errors import EngineError
    from engine.export.onnx_import import import_onnx
    from engine.graph import fileformat
    try:
        graph, store = import_onnx(args.model)
        name = os.path.splitext(os.path.basename(args.out))[0]
        fileformat.save(graph, args.out, name=name, description=f"Imported from {os.path.basename(args.model)}",
                        store=store)
    except (ImportError, EngineError, ValueError, OSError) as exc:
        return _fail(str(exc))
    counts = {}
    for n in graph.nodes.values():
        counts[n.type_id] = counts.get(n.type_id, 0) + 1
    print(f"wrote {args.out}: {len(graph.nodes)} nodes ({', '.join(f'{v} {k}' for k, v in counts.items())}), "
          f"{graph.analysis.total_params():,} weights")
    print("it has no loss yet: add a Target and a loss node to train it")
    return EXIT_OK


def import_weights(args):
    import numpy as np

    from engine.errors import EngineError
    from engine.export.pytorch import import_state_dict
    from engine.graph import fileformat
    try:
        loaded = _load(args.graph, weights=True)
        with np.load(args.checkpoint, allow_pickle=False) as z:
            state = {k: z[k] for k in z.files}
        store = import_state_dict(loaded.graph, state, loaded.weight_store())
        fileformat.save(loaded.graph, args.graph, name=loaded.name, description=loaded.description, store=store,
                        history=loaded.history, normalizer=loaded.normalizer, best_epoch=loaded.best_epoch)
    except (EngineError, ValueError, OSError) as exc:
        return _fail(str(exc))
    print(f"{args.graph}: {len(state)} arrays read from {os.path.basename(args.checkpoint)}; the graph holds the "
          "trained weights now")
    return EXIT_OK


def _metric(key, v):
    if v is None:
        return ""
    return f"acc {v:.1%}" if key == "accuracy" else f"mae {v:.4f}"


def add_commands(sub):
    p = sub.add_parser("train", help="train a graph file and save the trained graph and its history")
    p.add_argument("graph", help="a .twg graph file")
    p.add_argument("--epochs", type=_positive_int)
    p.add_argument("--batch-size", type=_non_negative_int, help="samples per step (0: the whole set)")
    p.add_argument("--lr", type=_positive_float, help="learning rate")
    p.add_argument("--device", choices=["cpu", "gpu"])
    p.add_argument("--seed", type=_non_negative_int)
    p.add_argument("--out", help="folder for the results (default: ./<graph>-trained)")
    p.add_argument("--fresh", action="store_true", help="start from new weights even if the file has trained ones")
    p.add_argument("--allow-outside-data", action="store_true",
                   help="read a data file the graph names outside its own folder (refused by default: a shared "
                        "graph file could name any file on this computer)")
    p.set_defaults(run=train)
    e = sub.add_parser("export", help="write a graph as a PyTorch package (model.py, weights, data and a train.py "
                                      "that runs under torchrun too) or as an ONNX model")
    e.add_argument("graph", help="a .twg graph file")
    e.add_argument("--to", choices=["pytorch", "onnx"], default="pytorch")
    e.add_argument("out", help="the folder to write (pytorch), or the .onnx file (onnx)")
    e.add_argument("--allow-outside-data", action="store_true", help="as for train")
    e.set_defaults(run=export)
    w = sub.add_parser("import-weights", help="put weights trained by an exported package back into the graph")
    w.add_argument("graph", help="a .twg graph file (it is saved with the weights)")
    w.add_argument("checkpoint", help="the checkpoint.npz train.py wrote")
    w.set_defaults(run=import_weights)
    i = sub.add_parser("import", help="an ONNX model as a graph file with its weights (needs the onnx package)")
    i.add_argument("model", help="a .onnx file")
    i.add_argument("out", help="the .twg graph file to write")
    i.set_defaults(run=import_model)
    c = sub.add_parser("check", help="validate a graph file: shapes, parameter counts and errors")
    c.add_argument("graph", help="a .twg graph file")
    c.set_defaults(run=check)


def _positive_int(s):
    return _typed(s, int, lambda v: v > 0, "a positive whole number")


def _non_negative_int(s):
    return _typed(s, int, lambda v: v >= 0, "a whole number ≥ 0")


def _positive_float(s):
    return _typed(s, float, lambda v: v > 0 and v == v and v != float("inf"), "a positive number")


def _typed(s, conv, ok, what):
    import argparse
    try:
        v = conv(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{s!r} is not {what}") from None
    if not ok(v):
        raise argparse.ArgumentTypeError(f"{s!r} is not {what}")
    return v
