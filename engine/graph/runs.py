"""The run history of a graph: every training run kept with the settings it ran with and its
curves, so "the cure" (dropout, weight decay, fewer units, more data) can be shown beside "the
disease". Runs are plain JSON in the graph's configuration (``config["runs"]``), saved with the
graph and checked when loaded."""
import time
import uuid

from .overfitting import judge

MAX_RUNS = 50            # the oldest runs are dropped beyond this
MAX_POINTS = 2000        # epochs kept per run (longer runs are thinned, keeping the best epoch)
KEYS = ("epoch", "train_loss", "val_loss", "train_accuracy", "val_accuracy", "train_mae", "val_mae")


def thin(rows, best_epoch=None, max_points=MAX_POINTS):
    if len(rows) <= max_points:
        return rows
    step = len(rows) / max_points
    keep = {int(i * step) for i in range(max_points)} | {len(rows) - 1}
    return [r for i, r in enumerate(rows) if i in keep or r.get("epoch") == best_epoch]


def make_run(graph, history, cfg, chance=None, name=None):
    """A record of a finished run of ``graph`` (its History and full training configuration)."""
    rows = [{k: float(r[k]) if k != "epoch" else int(r[k]) for k in KEYS if r.get(k) is not None}
            for r in history.epochs]
    best = history.best_epoch()
    verdict = judge(rows, cfg.get("epochs"), chance)
    val = [r.get("val_loss") for r in rows]
    best_row = next((r for r in rows if r["epoch"] == best), {})
    a = graph.analysis
    dropout = [float(n.params["p"]) for n in graph.nodes.values() if n.type_id == "Dropout"]
    return {
        "id": str(uuid.uuid4()),
        "name": name or f"run {len(graph.config.get('runs') or []) + 1}",
        "created": round(time.time(), 1),
        "overlay": False,
        "settings": {k: v for k, v in cfg.items()},
        "dataset": dict(graph.config.get("dataset") or {}),
        "model": {"parameters": a.total_params(), "dropout": dropout, "nodes": len(graph.nodes)},
        "summary": {"epochs": len(rows), "best_epoch": best,
                    "best_val_loss": best_row.get("val_loss"), "final_val_loss": val[-1] if val else None,
                    "final_train_loss": rows[-1]["train_loss"] if rows else None,
                    "overfitting_onset": verdict.onset if verdict.overfitting else None,
                    "chance_loss": chance},
        "history": thin(rows, best),
    }


def describe(run):
    """One line of what a run was: its optimizer, learning rate, batch, data and model size (what
    a file says is shown as it is when it is not what a run writes)."""
    try:
        return _describe(run)
    except (TypeError, ValueError, AttributeError):
        return "(settings not readable)"


def _describe(run):
    s, d, m = run.get("settings", {}), run.get("dataset", {}), run.get("model", {})
    parts = [f"{s.get('optimizer', '?')} lr {s.get('lr', '?'):g}" if isinstance(s.get("lr"), (int, float))
             else str(s.get("optimizer", "?"))]
    batch = s.get("batch_size")
    parts.append("whole set" if batch == 0 else f"batch {batch}")
    if s.get("weight_decay"):
        parts.append(f"decay {s['weight_decay']:g}")
    opts = d.get("options") or {}
    data = d.get("name") or d.get("source", "")
    extra = ", ".join(f"{k} {v:g}" if isinstance(v, (int, float)) else f"{k} {v}" for k, v in opts.items()
                      if k in ("n", "n_train", "noise"))
    parts.append(f"{data} ({extra})" if extra else str(data))
    if m.get("parameters") is not None:
        parts.append(f"{m['parameters']:,} params")
    if m.get("dropout"):
        parts.append("dropout " + "/".join(f"{p:g}" for p in m["dropout"]))
    return " · ".join(parts)


def check_runs(value):
    """The runs of a loaded file, or a message saying what is wrong with them (ValueError)."""
    if not isinstance(value, list):
        raise ValueError("must be a list")
    if len(value) > MAX_RUNS * 4:
        raise ValueError(f"has {len(value)} runs, more than {MAX_RUNS * 4}")
    out = []
    for i, run in enumerate(value):
        if not isinstance(run, dict):
            raise ValueError(f"[{i}] must be an object")
        name = run.get("name")
        if not isinstance(name, str) or len(name) > 200:
            raise ValueError(f"[{i}].name must be text of at most 200 characters")
        hist = run.get("history")
        if not isinstance(hist, list) or len(hist) > MAX_POINTS * 2:
            raise ValueError(f"[{i}].history must be a list of at most {MAX_POINTS * 2} epochs")
        for j, row in enumerate(hist):
            if not isinstance(row, dict) or not isinstance(row.get("epoch"), int) or isinstance(row.get("epoch"), bool):
                raise ValueError(f"[{i}].history[{j}] must be an object with a whole-number epoch")
            for k, v in row.items():
                if k not in KEYS or (k != "epoch" and (not isinstance(v, (int, float)) or isinstance(v, bool))):
                    raise ValueError(f"[{i}].history[{j}].{k} is not a number of a known kind")
        for key in ("settings", "dataset", "model", "summary"):
            if not isinstance(run.get(key, {}), dict):
                raise ValueError(f"[{i}].{key} must be an object")
        summary, model = run.get("summary", {}), run.get("model", {})
        for k, v in summary.items():
            if v is not None and (not isinstance(v, (int, float)) or isinstance(v, bool)):
                raise ValueError(f"[{i}].summary.{k} must be a number or null")
        if not isinstance(model.get("parameters", 0), int) or isinstance(model.get("parameters", 0), bool):
            raise ValueError(f"[{i}].model.parameters must be a whole number")
        drop = model.get("dropout", [])
        if not isinstance(drop, list) or any(not isinstance(p, (int, float)) or isinstance(p, bool) for p in drop):
            raise ValueError(f"[{i}].model.dropout must be a list of numbers")
        if not isinstance(run.get("dataset", {}).get("options", {}), dict):
            raise ValueError(f"[{i}].dataset.options must be an object")
        out.append(dict(run, overlay=bool(run.get("overlay", False)), id=str(run.get("id") or uuid.uuid4())))
    return out[-MAX_RUNS:]
