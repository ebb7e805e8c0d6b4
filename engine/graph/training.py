"""Training a graph: the configuration stored with it, and ``Trainer.fit`` with history, metrics,
early stopping, best-weights checkpoint, thread-safe pause/resume/stop and NaN detection that
names the node where the bad value first appeared."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

import csv
import math
import threading
import time

import numpy as np

from .. import optim
from ..backend import to_host
from ..errors import EngineError
from ..optim import lr_scheduler
from ..random import Generator
from . import events as ev
from . import memory
from .params import P, ParamError
from .plan import Plan
from .overfitting import chance_loss
from .training_data import TrainingData
from .weights import WeightStore
from ..typing import ArrayLike

if TYPE_CHECKING:
    from ..data import Normalizer
    from .model import Graph
    from ..tensor import Tensor

OPTIMIZERS = {"sgd": optim.SGD, "adam": optim.Adam, "adamw": optim.AdamW, "adamax": optim.Adamax,
              "rmsprop": optim.RMSprop, "adagrad": optim.Adagrad, "adadelta": optim.Adadelta}
SCHEDULES = ("none", "step", "exponential", "cosine", "plateau")

TRAINING_PARAMS = (
    P("optimizer", "choice", "adam", "the update rule", choices=tuple(OPTIMIZERS)),
    P("lr", "float", 0.01, "learning rate", min=0.0, max=100.0),
    P("momentum", "float", 0.0, "SGD/RMSprop momentum", min=0.0, max=0.9999),
    P("nesterov", "bool", False, "Nesterov momentum (SGD)"),
    P("beta1", "float", 0.9, "Adam/Adamax β₁", min=0.0, max=0.9999),
    P("beta2", "float", 0.999, "Adam/Adamax β₂", min=0.0, max=0.99999),
    P("weight_decay", "float", 0.0, "L2 penalty (decoupled for AdamW)", min=0.0),
    P("batch_size", "int", 32, "samples per step: 0 = the whole set (batch GD), 1 = stochastic", min=0),
    P("epochs", "int", 50, "passes over the training set", min=1, max=1_000_000),
    P("shuffle", "bool", True, "shuffle the training set every epoch"),
    P("schedule", "choice", "none", "learning-rate schedule", choices=SCHEDULES),
    P("schedule_step", "int", 10, "epochs between steps (step schedule)", min=1),
    P("schedule_gamma", "float", 0.5, "decay factor (step, exponential, plateau)", min=0.0, max=1.0),
    P("early_stopping", "int", 0, "stop after this many epochs without a better validation loss (0: off)", min=0),
    P("restore_best", "bool", True, "at the end, go back to the weights of the best epoch"),
    P("clip_grad_norm", "float", None, "limit the gradients' joint norm (empty: off)", min=0.0, optional=True),
    P("seed", "int", 0, "same seed, same run", min=0),
    P("device", "choice", "cpu", "where to compute", choices=("cpu", "gpu")),
)
_SPECS = {p.name: p for p in TRAINING_PARAMS}


def training_config(values: dict[str, Any] | None = None) -> dict[str, Any]:
    """A complete, validated training configuration (defaults filled in)."""
    cfg = {p.name: p.default for p in TRAINING_PARAMS}
    for k, v in (values or {}).items():
        if k not in _SPECS:
            raise ParamError(f"training: unknown setting {k!r}")
        cfg[k] = _SPECS[k].validate(v, "training")
    return cfg


def training_blocker(graph: Graph) -> str | None:
    """Why ``graph`` cannot be trained as it stands (one sentence for a tooltip), or None.
    The same conditions Trainer.setup raises on, checked without preparing any data."""
    a = graph.analysis
    mistakes, waiting = a.mistakes, a.unconnected
    if mistakes:
        more = f" (and {len(mistakes) - 1} more)" if len(mistakes) > 1 else ""
        return f"{mistakes[0].message}{more}"
    if waiting:
        return f"{waiting[0].message}" + (f" (and {len(waiting) - 1} more inputs to connect)" if len(waiting) > 1 else "")
    if not graph.nodes:
        return "the graph is empty: add an Input, layers, a Target and a loss"
    if len(graph.nodes_of_role("input")) != 1:
        return "training needs one Input node (Data in the palette)"
    if graph.loss_node() is None:
        return "the graph has no loss node: add one (Losses in the palette) to say what training minimises"
    if not graph.config.get("dataset"):
        return "no data set is chosen: pick one in Training setup"
    return None


class History:
    """Per-epoch rows (epoch, train_loss, val_loss, metrics, lr, seconds) and per-batch losses."""

    def __init__(self) -> None:
        self.epochs = []
        self.batches = []
        self.chance_loss = None      # the loss of the best constant prediction (overfitting.chance_loss)

    def column(self, key: str) -> list:
        return [row.get(key) for row in self.epochs]

    def best_epoch(self, key: str = "val_loss") -> int | None:
        vals = [(v, i) for i, v in enumerate(self.column(key)) if v is not None]
        if not vals:
            vals = [(v, i) for i, v in enumerate(self.column("train_loss")) if v is not None]
        return self.epochs[min(vals)[1]]["epoch"] if vals else None

    def to_rows(self) -> tuple[list[str], list[list]]:
        keys = []
        for row in self.epochs:
            for k in row:
                if k not in keys:
                    keys.append(k)
        return keys, [[row.get(k, "") for k in keys] for row in self.epochs]

    def write_csv(self, path: str) -> None:
        keys, rows = self.to_rows()
        with open(path, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(keys)
            w.writerows(rows)

    def to_json(self) -> dict[str, Any]:
        out = {"epochs": self.epochs, "batches": self.batches}
        if self.chance_loss is not None:
            out["chance_loss"] = self.chance_loss
        return out

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> History:
        """A History from its stored form; ValueError saying what is wrong when it is not rows of
        finite numbers (what a file may hold is checked, so a loaded history can be saved again)."""
        if not isinstance(d, dict):
            raise ValueError("must be an object")
        h = cls()
        h.epochs = _rows(d.get("epochs", []), "epochs")
        h.batches = _rows(d.get("batches", []), "batches")
        c = d.get("chance_loss")
        h.chance_loss = float(c) if _number(c) else None
        return h


MAX_HISTORY_ROWS = 10_000_000


def _number(v):
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return False
    return abs(v) <= 2 ** 53 if isinstance(v, int) else math.isfinite(v)


def _rows(rows, what):
    if not isinstance(rows, list) or len(rows) > MAX_HISTORY_ROWS:
        raise ValueError(f"{what} must be a list of at most {MAX_HISTORY_ROWS:,} rows")
    for i, row in enumerate(rows):
        if not isinstance(row, dict) or len(row) > 64:
            raise ValueError(f"{what}[{i}] must be an object of at most 64 numbers")
        for k, v in row.items():
            if len(k) > 64 or not (v is None or _number(v)):
                raise ValueError(f"{what}[{i}].{k[:64]} must be a finite number or null")
    return list(rows)


from .issues import NonFiniteLoss, TrainingStopped  # noqa: E402,F401  (re-exported)


class Trainer:
    """Trains a graph. The data come from the graph's data set configuration (``graph.config
    ["dataset"]``, files read relative to ``base_dir``), or from ``data``: an ``(x, y)`` pair of
    arrays or tensors, an ``engine.utils.data.TensorDataset`` or an ``engine.data.Dataset``, with
    ``validation`` a second such value or the share of rows to hold out (default 0.2).

    Defaults worth knowing (all in ``graph.config["training"]``, see TRAINING_PARAMS): Adam, lr
    0.01, batch 32, 50 epochs, shuffled, seed 0, and ``restore_best`` on — at the end the weights
    go back to the epoch with the lowest validation loss, so ``final_metrics`` are that epoch's.
    ``history.epochs`` rows hold the epoch's *average training loss over its batches* (the
    weights moved during the epoch) and the validation loss after it.

    After ``fit``: ``history`` (History), ``best_epoch``, ``final_metrics`` (loss and metric on
    both sets with the weights in place), ``end_reason`` ('finished', 'early_stopping',
    'stopped'), ``data`` (TrainingData) and ``best_weights`` (the best epoch's weights).
    """

    def __init__(self, graph: Graph, store: WeightStore | None = None, base_dir: str = ".",
                 listener: Callable[[object], None] | None = None, sample_every: int = 0,
                 sample_interval: float = 0.0, data: Any = None, validation: Any = None,
                 allow_data: Any = True) -> None:
        self.graph = graph
        self.store = store if store is not None else WeightStore()
        self.base_dir = base_dir
        self.listener = listener
        self.sample_every = sample_every      # per-node events every k-th step (0: none) …
        self.sample_interval = sample_interval  # … or at most once per this many seconds
        self._stop = threading.Event()
        self._weights_wanted = threading.Event()
        self._epoch = self._step = 0
        self._running = threading.Event()
        self._running.set()
        self._single_step = False
        self.history = History()
        self.best_weights = None         # WeightStore.state() of the best epoch so far
        self.plan = None
        self.data = None                 # TrainingData, after setup()
        self._data_source, self._validation = data, validation
        self.allow_data = allow_data     # data files outside base_dir it may read (engine.data.data_path)
        self.evaluate_when_stopped = True
        self._pace = None                # epochs per second, None: full speed
        self._pause_each_epoch = False
        self._pace_anchor = None         # (time, epochs done) the pace is counted from
        self.holds_best = False          # the store holds the best epoch's weights (restored)

    # ------------------------------------------------------------- control (any thread)
    def stop(self) -> None:
        self._stop.set()
        self._running.set()

    def pause(self) -> None:
        self._single_step = False
        self._running.clear()

    def resume(self) -> None:
        self._single_step = False
        self._running.set()

    def step(self) -> None:
        """While paused: let exactly one more batch run, then pause again."""
        self._single_step = True
        self._running.set()

    def request_weights(self) -> None:
        """Ask for a WeightsPublished event at the next batch boundary (also while paused)."""
        self._weights_wanted.set()

    def _publish(self, final=False):
        self._weights_wanted.clear()
        if self.listener is not None:
            self._emit(ev.WeightsPublished(self._epoch, self._step, self.store.state(), final))

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def set_pace(self, epochs_per_second: float | None = None, pause_each_epoch: bool = False) -> None:
        """Slow training down so the eye can follow it: at most ``epochs_per_second`` (None: full
        speed) and/or a pause after every epoch. The pace only adds waiting between batches, so
        the same seed gives the same numbers at any pace. May be called while training."""
        if epochs_per_second is not None and not epochs_per_second > 0:
            raise ValueError("epochs per second must be a positive number")
        self._pace = epochs_per_second
        self._pause_each_epoch = bool(pause_each_epoch)
        self._pace_anchor = None

    def _pace_wait(self, done):
        """Wait until ``done`` epochs (fractional) are due at the chosen pace."""
        eps = self._pace
        if not eps:
            return
        now = time.perf_counter()
        anchor = self._pace_anchor
        due = anchor[0] + (done - anchor[1]) / eps if anchor else now
        if anchor is None or due < now - 0.05:
            # first paced batch, or behind (a slow batch, a pause): count from here, no catching up
            self._pace_anchor = (now, done)
            return
        while not self._stop.is_set() and self._pace == eps:
            left = due - time.perf_counter()
            if left <= 0:
                break
            time.sleep(min(left, 0.02))

    def _checkpoint(self):
        """Wait here while paused; raise TrainingStopped once stop() was called."""
        while not self._running.wait(0.02):
            if self._stop.is_set():
                break
            if self._weights_wanted.is_set():
                self._publish()
        if self._weights_wanted.is_set():
            self._publish()
        if self._stop.is_set():
            raise TrainingStopped("stopped")
        if self._single_step:            # this batch runs; the next checkpoint waits
            self._single_step = False
            self._running.clear()

    def _emit(self, event):
        if self.listener is not None:
            self.listener(event)

    # ------------------------------------------------------------- set-up
    def setup(self, overrides: dict[str, Any] | None = None) -> Trainer:
        """Validate the configuration, prepare the data and compile the graph (fit calls it)."""
        cfg = training_config({**self.graph.config.get("training", {}), **(overrides or {})})
        blocker = training_blocker(self.graph) if self._data_source is not None else None
        if blocker and not blocker.startswith("no data set"):
            raise EngineError(blocker)
        too_big = memory.refusal(self.graph, cfg)
        if too_big:
            raise EngineError(too_big)
        self.generator = Generator(cfg["seed"])
        self.plan = Plan(self.graph, self.store, cfg["device"], "float32", self.generator)
        self.cfg = cfg
        self.data = data = TrainingData.for_graph(self.graph, cfg, self.plan.device.xp, self.base_dir,
                                                  self._data_source, self._validation, self.allow_data)
        loss = self.graph.loss_node()
        mean = loss.params.get("reduction", "mean") == "mean"
        self.chance_loss = self.history.chance_loss = (
            chance_loss(loss.type_id, data.task, to_host(data.y_train),
                        to_host(data.y_val) if data.y_val is not None else None, loss.params) if mean else None)
        if (self.sample_every or self.sample_interval) and self.listener:
            self.plan.listener = self.listener
            self.plan.sample_every = max(1, self.sample_every)
            self.plan.sample_interval = self.sample_interval
        self.optimizer = self._make_optimizer(cfg)
        self.scheduler = self._make_scheduler(cfg)
        return self

    @property
    def normalizer(self) -> Normalizer | None:
        return self.data.normalizer if self.data is not None else None

    def _make_optimizer(self, cfg):
        if not self.plan.parameters:
            raise EngineError("the graph has no trainable weights: add a layer or a trainable Parameter")
        name = cfg["optimizer"]
        kw = dict(lr=cfg["lr"], weight_decay=cfg["weight_decay"])
        if name == "sgd":
            kw.update(momentum=cfg["momentum"], nesterov=cfg["nesterov"] and cfg["momentum"] > 0)
        elif name in ("adam", "adamw", "adamax"):
            kw.update(betas=(cfg["beta1"], cfg["beta2"]))
        elif name == "rmsprop":
            kw.update(momentum=cfg["momentum"])
        return OPTIMIZERS[name](self.plan.parameters, **kw)

    def _make_scheduler(self, cfg):
        kind, opt = cfg["schedule"], self.optimizer
        if kind == "step":
            return lr_scheduler.StepLR(opt, cfg["schedule_step"], cfg["schedule_gamma"])
        if kind == "exponential":
            return lr_scheduler.ExponentialLR(opt, cfg["schedule_gamma"])
        if kind == "cosine":
            return lr_scheduler.CosineAnnealingLR(opt, cfg["epochs"])
        if kind == "plateau":
            return lr_scheduler.ReduceLROnPlateau(opt, factor=cfg["schedule_gamma"], patience=cfg["schedule_step"])
        return None

    # ------------------------------------------------------------- metrics
    def evaluate(self, x: Any, y: Any, batch_size: int = 512, stoppable: bool = False) -> tuple[float, float]:
        """(mean loss, metric) over a data set in evaluation mode; ``stoppable``: give up (raise
        TrainingStopped) between chunks once stop() was called, so Stop stays prompt on big sets."""
        plan = self.plan
        total = metric = 0.0
        n = len(x)
        saved, plan.listener = plan.listener, None
        try:
            for i in range(0, n, batch_size):
                if stoppable and self._stop.is_set():
                    raise TrainingStopped("stopped")
                xb, yb = x[i:i + batch_size], y[i:i + batch_size]
                loss = plan.forward(xb, yb, training=False)
                total = total + loss.array * len(xb)
                metric = metric + self.data.rule.metric_sum(plan.values[plan.prediction_slot], plan.values[plan.target_slot])
        finally:
            plan.listener = saved
        return float(to_host(total)) / n, float(to_host(metric)) / n

    # ------------------------------------------------------------- the loop
    def fit(self, overrides: dict[str, Any] | None = None) -> History:
        """Train as configured; returns the History. Safe to call from a worker thread: stop(),
        pause() and resume() may be called from any other thread."""
        if self.plan is None or overrides:
            self.setup(overrides)
        cfg, opt, data = self.cfg, self.optimizer, self.data
        rng = np.random.default_rng(cfg["seed"])
        n = data.n_train
        metric = data.rule.metric
        best_loss, best_epoch, since_best = np.inf, 0, 0
        reason, message, epoch = "finished", "", 0
        step = 0
        self._publish()                      # the starting weights (initialized where new)
        try:
            for epoch in range(1, cfg["epochs"] + 1):
                self._epoch = epoch
                t0 = time.perf_counter()
                batches = data.batches(cfg, rng)
                loss_sum = metric_sum = 0.0
                for b, idx in enumerate(batches):
                    self._checkpoint()
                    lv, m = self.train_batch(idx, epoch, b)
                    step += 1
                    self._step = step
                    loss_sum += lv * len(idx)
                    metric_sum += m
                    self.history.batches.append({"step": step, "epoch": epoch, "loss": lv})
                    self._emit(ev.BatchEnd(epoch, b + 1, len(batches), step, lv, len(idx)))
                    if b + 1 < len(batches):
                        self._pace_wait(epoch - 1 + (b + 1) / len(batches))
                row = {"epoch": epoch, "train_loss": loss_sum / n, f"train_{metric}": metric_sum / n}
                if data.x_val is not None:
                    vl, vm = self.evaluate(data.x_val, data.y_val, stoppable=True)
                    row.update({"val_loss": vl, f"val_{metric}": vm})
                row["lr"] = opt.param_groups[0]["lr"]
                row["seconds"] = time.perf_counter() - t0
                watched = row.get("val_loss", row["train_loss"])
                if not np.isfinite(watched):
                    self._non_finite(data.x_train[:64], data.y_train[:64], epoch, 0)
                if watched < best_loss:
                    best_loss, best_epoch, since_best = watched, epoch, 0
                    self.best_weights = self.store.state()
                else:
                    since_best += 1
                self.history.epochs.append(row)
                early = bool(cfg["early_stopping"] and since_best >= cfg["early_stopping"])
                pause = self._pause_each_epoch and epoch < cfg["epochs"] and not early
                if pause:                    # paused before the event: a listener sees it paused
                    self.pause()
                self._publish()
                self._emit(ev.EpochEnd(epoch, cfg["epochs"], dict(row), best_epoch, row["seconds"], pause,
                                       self.chance_loss))
                if self.scheduler is not None:
                    if isinstance(self.scheduler, lr_scheduler.ReduceLROnPlateau):
                        self.scheduler.step(watched)
                    else:
                        self.scheduler.step()
                if early:
                    reason = "early_stopping"
                    message = (f"validation loss has not improved for {since_best} epochs; "
                               f"best was epoch {best_epoch}")
                    break
                if epoch < cfg["epochs"]:
                    self._pace_wait(epoch)
        except TrainingStopped:
            reason, message = "stopped", f"stopped during epoch {epoch}"
        except NonFiniteLoss as exc:
            self._emit(ev.TrainingEnd("non_finite", str(exc), epoch))
            raise
        if cfg["restore_best"] and self.best_weights is not None and reason != "stopped":
            self.restore_best()
        self.best_epoch = best_epoch
        # a window wants Stop to end the run now; the command line wants the final figures
        self.final_metrics = ({} if reason == "stopped" and not self.evaluate_when_stopped
                              else self.final_evaluation())
        self._publish(final=True)
        self._emit(ev.TrainingEnd(reason, message, epoch))
        self.end_reason, self.end_message = reason, message
        return self.history

    def train_batch(self, idx: np.ndarray, epoch: int = 0, batch: int = 0) -> tuple[float, float]:
        """One optimisation step on the training rows ``idx``: (loss, metric sum over the batch)."""
        plan, opt = self.plan, self.optimizer
        xb, yb = self.data.x_train[idx], self.data.y_train[idx]
        opt.zero_grad()
        loss = plan.forward(xb, yb, training=True)
        lv = float(loss.item())
        if not np.isfinite(lv):
            self._non_finite(xb, yb, epoch, batch)
        plan.backward()
        if self.cfg["clip_grad_norm"] is not None:
            optim.clip_grad_norm_(plan.parameters, self.cfg["clip_grad_norm"])
        opt.step()
        metric = float(to_host(self.data.rule.metric_sum(plan.values[plan.prediction_slot], plan.values[plan.target_slot])))
        return lv, metric

    def first_batch(self) -> np.ndarray:
        """The rows of the first batch of the first epoch (what "animate one step" trains on)."""
        return self.data.first_batch(self.cfg)

    def predict(self, x: ArrayLike | Tensor, batch_size: int = 1024) -> np.ndarray:
        """The graph's prediction (the loss's input) for the samples ``x``, in evaluation mode,
        as a numpy array."""
        if self.plan is None:
            self.setup()
        x = to_host(x.array) if hasattr(x, "array") else np.asarray(x)
        if x.dtype.kind == "f" and x.dtype != np.float32:
            x = x.astype(np.float32)
        xp = self.plan.device.xp
        return np.concatenate([np.array(to_host(self.plan.predict(xp.asarray(x[i:i + batch_size]))))
                               for i in range(0, len(x), batch_size)])

    def evaluate_validation(self) -> tuple[float, float]:
        """(loss, metric) on the validation set (the training set when there is none)."""
        d = self.data
        return self.evaluate(d.x_val, d.y_val) if d.x_val is not None else self.evaluate(d.x_train, d.y_train)

    def final_evaluation(self) -> dict[str, float]:
        """Loss and metric of the weights as they are now (after any restore), on both sets."""
        d = self.data
        metric = d.rule.metric
        out = {}
        for part, x, y in (("train", d.x_train, d.y_train), ("val", d.x_val, d.y_val)):
            if x is not None and len(x):
                out[f"{part}_loss"], out[f"{part}_{metric}"] = self.evaluate(x, y)
        return out

    def restore_best(self) -> None:
        """Put back the weights of the epoch with the lowest validation loss."""
        if self.best_weights is not None:
            self.store.load_state(self.best_weights)
            self.holds_best = True

    @property
    def can_restore_best(self) -> bool:
        """There are best weights to go back to, and they are not the ones in place already."""
        if self.best_weights is None or self.holds_best or not self.history.epochs:
            return False
        return self.history.best_epoch() != self.history.epochs[-1]["epoch"]

    def _non_finite(self, xb, yb, epoch, batch):
        found = self.plan.first_non_finite(xb, yb, training=True)
        if found:
            node, what = found
            raise NonFiniteLoss(f"training stopped at epoch {epoch}: {node.label} produced NaN/Inf first — "
                                f"{what}. Try a smaller learning rate, or check the inputs of {node.label}.",
                                node.id)
        raise NonFiniteLoss(f"training stopped at epoch {epoch}: the loss became NaN/Inf. Try a smaller "
                            "learning rate.")

    def state(self) -> dict[str, Any]:
        return {"history": self.history.to_json(), "normalizer": self.normalizer.state() if self.normalizer else None}
