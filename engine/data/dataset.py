"""An in-memory data set with its split and normalization.

Normalization is always fitted on the training part only and then applied to validation data,
so no information leaks from the validation set into training.
"""
from dataclasses import dataclass, field, replace

import numpy as np

from ..errors import EngineError

TASKS = ("regression", "binary", "multiclass")


class DataError(EngineError, ValueError):
    """A data set that cannot be used: the message says what and where."""


@dataclass
class Dataset:
    x: np.ndarray                   # (n, *sample_shape) float32 (or int64 ids)
    y: np.ndarray                   # (n,) int64 class labels, or (n, *target_shape) float32
    task: str = "multiclass"
    name: str = ""
    description: str = ""
    feature_names: list = field(default_factory=list)
    class_names: list = field(default_factory=list)
    validation_rows: int = None     # a set that comes with its own validation rows (the last ones)

    def __post_init__(self):
        if len(self.x) != len(self.y):
            raise DataError(f"{self.name or 'data set'}: {len(self.x)} feature rows but {len(self.y)} targets")
        if self.task not in TASKS:
            raise DataError(f"task must be one of {', '.join(TASKS)}, got {self.task!r}")

    def __len__(self):
        return len(self.x)

    @property
    def sample_shape(self):
        return tuple(self.x.shape[1:])

    @property
    def target_shape(self):
        return tuple(self.y.shape[1:])

    @property
    def n_classes(self):
        if self.task == "regression":
            return 0
        if self.class_names:
            return len(self.class_names)
        return int(self.y.max()) + 1 if self.y.dtype.kind in "iu" and len(self.y) else 2

    def subset(self, index):
        return replace(self, x=self.x[index], y=self.y[index])

    def split(self, validation_fraction, seed=0, stratify=True):
        """(train, validation): a seeded shuffle; class proportions kept for classification."""
        n = len(self)
        if not 0.0 <= validation_fraction < 1.0:
            raise DataError(f"validation fraction must be in [0, 1), got {validation_fraction}")
        rng = np.random.default_rng(seed)
        if validation_fraction == 0.0:
            return self.subset(rng.permutation(n)), None
        if stratify and self.task != "regression" and self.y.ndim == 1 and self.y.dtype.kind in "iu":
            val = []
            for c in np.unique(self.y):
                idx = rng.permutation(np.flatnonzero(self.y == c))
                val.extend(idx[:int(round(len(idx) * validation_fraction))])
            val = np.array(sorted(val), dtype=np.int64)
            train = np.setdiff1d(np.arange(n), val)
            train, val = rng.permutation(train), rng.permutation(val)
        else:
            perm = rng.permutation(n)
            k = int(round(n * validation_fraction))
            val, train = perm[:k], perm[k:]
        if len(train) == 0 or len(val) == 0:
            raise DataError(f"{self.name or 'data set'}: {n} samples cannot be split with validation "
                            f"fraction {validation_fraction}")
        return self.subset(train), self.subset(val)


class Normalizer:
    """'standardize' (mean 0, std 1 per feature) or 'minmax' (to [0, 1]), fitted on training data."""

    KINDS = ("none", "standardize", "minmax")

    def __init__(self, kind="none"):
        if kind not in self.KINDS:
            raise DataError(f"normalization must be one of {', '.join(self.KINDS)}, got {kind!r}")
        self.kind = kind
        self.shift = self.scale = None

    def fit(self, x):
        if self.kind == "none" or x.dtype.kind not in "f":
            return self
        flat = x.reshape(len(x), -1).astype(np.float64)
        if self.kind == "standardize":
            self.shift, scale = flat.mean(axis=0), flat.std(axis=0)
        else:
            self.shift, scale = flat.min(axis=0), flat.max(axis=0) - flat.min(axis=0)
        self.scale = np.where(scale > 0, scale, 1.0)
        return self

    def transform(self, x):
        if self.shift is None:
            return x
        flat = (x.reshape(len(x), -1) - self.shift) / self.scale
        return flat.reshape(x.shape).astype(x.dtype)

    def state(self):
        return {"kind": self.kind, "shift": None if self.shift is None else self.shift.tolist(),
                "scale": None if self.scale is None else self.scale.tolist()}

    @classmethod
    def from_state(cls, s):
        """A Normalizer from ``state()``; DataError when it is not a kind and two equally long lists
        of finite numbers (the scales positive)."""
        if not isinstance(s, dict):
            raise DataError("a stored scaling must be an object")
        n = cls(s.get("kind"))
        if s.get("shift") is not None:
            try:
                shift = np.asarray(s["shift"], dtype=np.float64)
                scale = np.asarray(s["scale"], dtype=np.float64)
            except (TypeError, ValueError, KeyError):
                raise DataError("a stored scaling must hold numbers") from None
            if shift.ndim != 1 or shift.shape != scale.shape or not (np.isfinite(shift).all() and np.isfinite(scale).all()
                                                                      and (scale > 0).all()):
                raise DataError("a stored scaling needs equally long lists of finite shifts and positive scales")
            n.shift, n.scale = shift, scale
        return n


def batch_indices(n, batch_size, shuffle, rng):
    """Index arrays of the batches of one epoch. batch_size 0 (or ≥ n) means the whole set."""
    order = rng.permutation(n) if shuffle else np.arange(n)
    if batch_size <= 0 or batch_size >= n:
        return [order]
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]
