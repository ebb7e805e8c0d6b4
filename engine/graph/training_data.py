"""What a run trains on, prepared once and shared: ``TrainingData`` (the training and validation
arrays shaped as the graph's Input and Target expect, on the run's device, with the data set's
names and the normalization fitted on the training rows) and ``LabelRule`` (how a prediction is
read as an answer, from what the loss node type declares it expects).

The Trainer, the window's views, the step animation and the command line all read these public
fields; none of them reaches into another's private state.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dataclasses import dataclass, field

import numpy as np

from ..backend import get_array_module, to_host
from ..data import Dataset, DataError, Normalizer, batch_indices, prepare
from ..errors import EngineError
from ..tensor import Tensor

if TYPE_CHECKING:
    from .model import Graph
    from .registry import NodeType, TensorSpec

# what a loss node type may declare it reads (NodeType.expects)
EXPECTS = ("values", "probabilities", "logits", "log_probabilities", "scores")


@dataclass(frozen=True)
class LabelRule:
    """How predictions are judged for a task: the metric, the class each prediction names and
    the class probabilities it implies. ``expects`` is the loss node type's declaration:
    'probabilities' (after a Sigmoid/Softmax), 'logits' (raw scores), 'log_probabilities'
    (after a LogSoftmax), 'scores' (hinge: the sign decides) or 'values' (regression)."""
    task: str
    expects: str

    @classmethod
    def of_loss(cls, loss_type: NodeType) -> LabelRule:
        """The rule of a loss node type (``graph.loss_node().type``)."""
        if loss_type.expects not in EXPECTS:
            raise EngineError(f"{loss_type.type_id}: a loss node type must declare what it expects, one of {EXPECTS}")
        return cls(loss_type.task, loss_type.expects)

    @property
    def metric(self) -> str:
        return "mae" if self.task == "regression" else "accuracy"

    @property
    def threshold(self) -> float:
        """A single output column names class 1 above this value."""
        return 0.5 if self.expects == "probabilities" else 0.0

    def metric_sum(self, pred: Any, y: Any) -> Any:
        """Over a batch (on its device): the number of correct answers, or the summed absolute error."""
        xp = get_array_module(pred)
        if self.task == "regression":
            return abs(pred.reshape(len(pred), -1) - y.reshape(len(y), -1)).mean(axis=1).sum()
        if self.task == "multiclass":
            guess = pred.argmax(axis=1)
            truth = y if y.dtype.kind == "i" else y.argmax(axis=1)
            return (guess == truth).sum()
        p = pred.reshape(len(pred), -1)[:, 0] > self.threshold
        t = y.reshape(len(y), -1)[:, 0] > (0.0 if xp.any(y < 0) else 0.5)
        return (p == t).sum()

    def predicted_labels(self, pred: Any) -> np.ndarray:
        pred = np.asarray(pred).reshape(len(pred), -1)
        if pred.shape[1] > 1:
            return pred.argmax(axis=1)
        return (pred[:, 0] > self.threshold).astype(np.int64)

    @staticmethod
    def true_labels(y: Any) -> np.ndarray:
        """Integer labels from int labels, one-hot rows or a single 0/1 (or −1/1) column."""
        y = np.asarray(y)
        if y.dtype.kind in "iu":
            return y.reshape(len(y))
        y = y.reshape(len(y), -1)
        if y.shape[1] > 1:
            return y.argmax(axis=1)
        return (y[:, 0] > (0.0 if (y < 0).any() else 0.5)).astype(np.int64)

    def probabilities(self, pred: Any) -> np.ndarray:
        """Class probabilities (N × C, C ≥ 2) implied by the network's outputs."""
        p = np.asarray(pred, dtype=np.float64).reshape(len(pred), -1)
        if p.shape[1] == 1:
            q = np.clip(p[:, 0], 0.0, 1.0) if self.expects == "probabilities" else 1.0 / (1.0 + np.exp(-p[:, 0]))
            return np.stack([1.0 - q, q], axis=1)
        if self.expects == "probabilities":
            return np.clip(p, 0.0, None) / np.clip(p.sum(axis=1, keepdims=True), 1e-12, None)
        if self.expects == "log_probabilities":
            return np.exp(p)
        e = np.exp(p - p.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)


def adapt_targets(y: np.ndarray, spec: TensorSpec, task: str) -> np.ndarray:
    """Dataset labels shaped as the Target node expects: int labels become float columns for
    binary losses and one-hot rows for categorical ones."""
    want = tuple(spec.shape[1:])
    if spec.dtype == "int":
        if y.dtype.kind not in "iu":
            raise DataError("the Target node expects integer class labels, but the data set's targets are "
                            "numbers (set the Target's dtype to float32)")
        return y.astype(np.int64, copy=False).reshape((len(y),) + want)
    y = y.astype(np.float32) if y.dtype.kind != "f" else y
    if y.ndim == 1 and want and int(np.prod(want)) > 1 and task != "regression":
        width = int(np.prod(want))
        if len(y) and (y.min() < 0 or y.max() >= width or not np.all(y == np.round(y))):
            raise DataError(f"the data set's class labels run from {y.min():g} to {y.max():g}, but the Target node "
                            f"holds one-hot rows of {width} classes; set its shape to [{int(y.max()) + 1}]")
        onehot = np.zeros((len(y), width), dtype=np.float32)
        onehot[np.arange(len(y)), y.astype(np.int64)] = 1.0
        return onehot.reshape((len(y),) + want)
    try:
        return y.reshape((len(y),) + want)
    except ValueError:
        raise DataError(f"the data set's targets have shape {y.shape[1:]} per sample but the Target node "
                        f"expects {want}") from None


def _host_array(a, what):
    if isinstance(a, Tensor):
        return to_host(a.array)
    try:
        return np.asarray(to_host(a))
    except Exception:
        raise DataError(f"{what}: expected an array or a tensor, got {type(a).__name__}") from None


def dataset_from(data: Any, task: str, name: str = "arrays") -> Dataset:
    """An engine.data.Dataset from what a Python user has at hand: a Dataset, an
    ``engine.utils.data.TensorDataset`` (its first two tensors) or an ``(x, y)`` pair of arrays or
    tensors. Float features become float32, as the engine computes."""
    if isinstance(data, Dataset):
        return data
    tensors = getattr(data, "tensors", None)
    pair = tensors if tensors is not None else data
    if not isinstance(pair, (tuple, list)) or len(pair) < 2:
        raise DataError("training data must be a Dataset, a TensorDataset or an (x, y) pair of arrays")
    x, y = _host_array(pair[0], "x"), _host_array(pair[1], "y")
    if x.dtype.kind == "f" and x.dtype != np.float32:
        x = x.astype(np.float32)
    if x.ndim == 0 or y.ndim == 0 or len(x) != len(y):
        raise DataError(f"{name}: x {x.shape} and y {y.shape} must have one row per sample, the same number of rows")
    if x.dtype.kind == "f" and not np.isfinite(x).all():
        raise DataError(f"{name}: the features contain NaN or infinite values")
    return Dataset(x=x, y=y, task=task, name=name)


@dataclass
class TrainingData:
    """The arrays of one run, ready for the graph. ``x_train``… live on the run's device; the
    ``host`` method gives numpy copies for drawing."""
    x_train: object
    y_train: object
    x_val: object
    y_val: object
    rule: LabelRule
    normalizer: Normalizer
    sample_shape: tuple
    feature_names: list = field(default_factory=list)
    class_names: list = field(default_factory=list)

    @property
    def task(self) -> str:
        return self.rule.task

    @property
    def n_train(self) -> int:
        return len(self.x_train)

    @property
    def n_val(self) -> int:
        return 0 if self.x_val is None else len(self.x_val)

    def host(self, part: str = "train") -> tuple[np.ndarray, np.ndarray]:
        """(x, y) of 'train' or 'validation' as numpy arrays ('validation' falls back to the
        training rows when there is no validation set)."""
        if part == "validation" and self.x_val is not None:
            return np.asarray(to_host(self.x_val)), np.asarray(to_host(self.y_val))
        return np.asarray(to_host(self.x_train)), np.asarray(to_host(self.y_train))

    def batches(self, cfg: dict[str, Any], rng: np.random.Generator) -> list[np.ndarray]:
        """The training rows' batches of one epoch, as the configuration asks."""
        return batch_indices(self.n_train, cfg["batch_size"], cfg["shuffle"], rng)

    def first_batch(self, cfg: dict[str, Any]) -> np.ndarray:
        """The rows of the first batch of the first epoch (what "animate one step" trains on)."""
        return self.batches(cfg, np.random.default_rng(cfg["seed"]))[0]

    @classmethod
    def for_graph(cls, graph: Graph, cfg: dict[str, Any], xp: Any = np, base_dir: str = ".", data: Any = None,
                  validation: Any = None, allow: Any = True) -> TrainingData:
        """Prepare the data for training ``graph``: from its data set configuration, or from
        ``data`` (see ``dataset_from``) with ``validation`` a second such value or the share of
        rows to hold out (default: the configuration's validation_split, else 0.2). ``allow``: which
        data files outside ``base_dir`` may be read (engine.data.data_path)."""
        loss = graph.loss_node()
        if loss is None:
            raise EngineError("training needs exactly one loss node")
        rule = LabelRule.of_loss(loss.type)
        if data is None:
            dcfg = graph.config.get("dataset")
            if not dcfg:
                raise DataError("no dataset is chosen for this graph")
            train, val, normalizer = prepare(dcfg, base_dir, seed=cfg["seed"], allow=allow)
        else:
            train, val, normalizer = cls._split(data, validation, rule.task, graph, cfg)
        inputs, targets = graph.nodes_of_role("input"), graph.nodes_of_role("target")
        if len(inputs) != 1:
            raise EngineError("training needs exactly one Input node")
        a = graph.analysis
        in_spec = a.specs.get((inputs[0].id, "x"))
        want = tuple(in_spec.shape[1:]) if in_spec is not None else None
        if want is not None and want != train.sample_shape and int(np.prod(want)) == int(np.prod(train.sample_shape)):
            # same numbers, other layout (64 pixels for an Input of 1×8×8): view them as the Input asks
            for part in (train, val):
                if part is not None:
                    part.x = part.x.reshape((len(part.x),) + want)
        if want is not None and want != tuple(train.x.shape[1:]):
            raise DataError(f"the data set's samples have shape {train.sample_shape} but the Input node expects "
                            f"{want}; set the Input's shape to {list(train.sample_shape)}")
        if targets:
            t_spec = a.specs.get((targets[0].id, "y"))
            train.y = adapt_targets(train.y, t_spec, rule.task)
            if val is not None:
                val.y = adapt_targets(val.y, t_spec, rule.task)
        if in_spec is not None and in_spec.dtype == "int":
            train.x = train.x.astype(np.int64)
            if val is not None:
                val.x = val.x.astype(np.int64)
        return cls(xp.asarray(train.x), xp.asarray(train.y),
                   xp.asarray(val.x) if val is not None else None, xp.asarray(val.y) if val is not None else None,
                   rule, normalizer, tuple(train.x.shape[1:]), list(train.feature_names or []), list(train.class_names or []))

    @staticmethod
    def _split(data, validation, task, graph, cfg):
        train = dataset_from(data, task, "training data")
        if validation is None:
            validation = float((graph.config.get("dataset") or {}).get("validation_split", 0.2))
        if isinstance(validation, (int, float)) and not isinstance(validation, bool):
            train, val = train.split(float(validation), cfg["seed"])
        else:
            val = dataset_from(validation, task, "validation data")
            if val.sample_shape != train.sample_shape:
                raise DataError(f"the validation samples have shape {val.sample_shape}, the training samples "
                                f"{train.sample_shape}")
        return train, val, Normalizer("none")
