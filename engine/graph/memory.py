"""A pre-flight estimate of the memory training a graph will take, from the inferred shapes and
the batch size, before anything is allocated: shown by ``tensorweave check`` and the status bar,
and the Trainer refuses to start (with the figures) when it exceeds the memory this computer has
free. It counts float32 weights with their gradients, the optimizer's state and the two copies
a run keeps (the best epoch, the published snapshot), and every value a batch flows through with
its gradient and what backward saves. The data set itself comes on top (its size is known only
once it is read)."""
from __future__ import annotations

import os
from dataclasses import dataclass

from .shapes import N

BYTES = 4                      # float32
STATE_COPIES = {"sgd": 1, "adam": 2, "adamw": 2, "adamax": 2, "rmsprop": 2, "adagrad": 1, "adadelta": 2}
WHOLE_SET_GUESS = 10_000       # samples in a batch when the batch is the whole set of unknown size
EVALUATION_CHUNK = 512         # rows the trainer evaluates at once (Trainer.evaluate)


@dataclass(frozen=True)
class MemoryEstimate:
    weights: int               # bytes: weights, gradients, optimizer state, kept copies
    activations: int           # bytes: one batch's values, gradients and saved buffers
    batch: int                 # the batch size the activations are counted for

    @property
    def total(self) -> int:
        return self.weights + self.activations

    def describe(self) -> str:
        return (f"about {size_text(self.total)} to train ({size_text(self.weights)} for the weights, their "
                f"gradients and optimizer state, {size_text(self.activations)} for a batch of {self.batch:,}), "
                "plus the data set")


def size_text(n):
    """Bytes as a short text: 1.7 MiB."""
    for unit, scale in (("GiB", 2 ** 30), ("MiB", 2 ** 20), ("KiB", 2 ** 10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} bytes"


def _count(shape, batch):
    n = 1
    for d in shape:
        n *= batch if d == N else d
    return n


def estimate(graph, training=None) -> MemoryEstimate:
    """The estimate for ``graph`` with its training configuration (or ``training``)."""
    cfg = dict(graph.config.get("training") or {}, **(training or {}))
    batch = int(cfg.get("batch_size", 32) or 0)
    if batch <= 0:
        options = (graph.config.get("dataset") or {}).get("options") or {}
        batch = int(options.get("n", WHOLE_SET_GUESS)) if isinstance(options.get("n"), int) else WHOLE_SET_GUESS
    batch = max(batch, EVALUATION_CHUNK)          # evaluation runs in chunks of this many rows
    a = graph.analysis
    weight_elems = sum(_count(w.shape, 1) for ws in a.weights.values() for w in ws.values())
    copies = 1 + 1 + STATE_COPIES.get(cfg.get("optimizer", "adam"), 2) + 2
    value_elems = sum(_count(spec.shape, batch) for spec in a.specs.values())
    work = 0
    for nid in a.order or ():
        nt = graph.nodes[nid].type
        if nt.workspace is not None:
            ins = {p: a.specs.get((e.src, e.src_port)) for p, e in graph.incoming(nid).items()}
            if all(v is not None for v in ins.values()):
                try:
                    work += nt.workspace(ins, graph.nodes[nid].params) * batch
                except Exception:      # noqa: BLE001 — an estimate: a rule that cannot tell adds nothing
                    pass
    return MemoryEstimate(weight_elems * BYTES * copies, (value_elems * 3 + work) * BYTES, batch)


def available_memory() -> int | None:
    """Bytes this computer has free for a new allocation (Linux: MemAvailable), or None."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        pages, size = os.sysconf("SC_AVPHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
        return int(pages) * int(size)
    except (ValueError, OSError, AttributeError):
        return None


def refusal(graph, training=None) -> str | None:
    """Why training would not fit in memory (one sentence with the figures), or None."""
    est = estimate(graph, training)
    free = available_memory()
    if free is not None and est.total > free:
        return (f"training would need {est.describe()}, but only {size_text(free)} of memory is free; use a "
                "smaller batch or a smaller model")
    return None
