"""Data sets: synthetic ones, bundled real ones, and the user's CSV/NPZ files, described by a
small JSON-able config stored with the graph:

    {"source": "synthetic", "name": "moons", "options": {"n": 300, "noise": 0.2}}
    {"source": "bundled", "name": "digits", "sample_shape": [1, 8, 8]}
    {"source": "csv", "path": "measurements.csv", "features": [...], "label": "species"}
    {"source": "npz", "path": "data.npz", "x": "x", "y": "y"}

plus "normalize" ('none', 'standardize', 'minmax'), "validation_split", "validation_rows" (the
last rows are the validation set), "validation" (a separate data set, described the same way)
and "seed".
"""
import os

import numpy as np

from ..params import P
from . import synthetic
from .dataset import Dataset, DataError, Normalizer, batch_indices  # noqa: F401
from .files import BUNDLED, load_bundled, load_csv, load_npz  # noqa: F401

SOURCES = ("synthetic", "bundled", "csv", "npz")
# the data set settings the training panel edits with the shared editors
VALIDATION_SPLIT = P("validation_split", "float", 0.2, "share of the rows held out for validation", min=0.05, max=0.9)
NORMALIZE = P("normalize", "choice", "none", "feature scaling, fitted on the training rows",
              choices=("none", "standardize", "minmax"))


def load(config, base_dir="."):
    """The whole Dataset a config describes (before splitting)."""
    if not isinstance(config, dict):
        raise DataError("the dataset configuration must be an object")
    source = config.get("source")
    if source == "synthetic":
        ds = synthetic.make(config.get("name", ""), **dict(config.get("options") or {}))
    elif source == "bundled":
        ds = load_bundled(config.get("name", ""))
    elif source in ("csv", "npz"):
        path = config.get("path")
        if not isinstance(path, str) or not path:
            raise DataError(f"a {source} dataset needs a file path")
        path = path if os.path.isabs(path) else os.path.join(base_dir, path)
        if source == "csv":
            ds = load_csv(path, config.get("features"), config.get("label"), config.get("task"))
        else:
            ds = load_npz(path, config.get("x"), config.get("y"), config.get("task"))
    else:
        raise DataError(f"dataset source must be one of {', '.join(SOURCES)}, got {source!r}")
    shape = config.get("sample_shape")
    if shape:
        shape = tuple(int(s) for s in shape)
        if int(np.prod(shape)) != int(np.prod(ds.sample_shape)):
            raise DataError(f"{ds.name}: samples of shape {ds.sample_shape} cannot be viewed as {shape}")
        ds.x = ds.x.reshape((len(ds),) + shape)
    return ds


def prepare(config, base_dir=".", seed=None):
    """(train, validation, normalizer): split as configured, normalization fitted on train."""
    ds = load(config, base_dir)
    seed = config.get("seed", 0) if seed is None else seed
    rows = ds.validation_rows or config.get("validation_rows")      # the set knows its own, if it has them
    separate = config.get("validation")
    if separate is not None:
        if not isinstance(separate, dict):
            raise DataError("'validation' must describe a data set, like the main one")
        train, val = ds, load(separate, base_dir)
        if val.sample_shape != train.sample_shape:
            raise DataError(f"the validation set's samples have shape {val.sample_shape}, the training set's "
                            f"{train.sample_shape}")
    elif rows:
        rows = int(rows)
        if not 0 < rows < len(ds):
            raise DataError(f"validation_rows must be between 1 and {len(ds) - 1}")
        train, val = ds.subset(np.arange(len(ds) - rows)), ds.subset(np.arange(len(ds) - rows, len(ds)))
    else:
        train, val = ds.split(float(config.get("validation_split", 0.2)), seed)
    norm = Normalizer(config.get("normalize", "none")).fit(train.x)
    train.x = norm.transform(train.x)
    if val is not None:
        val.x = norm.transform(val.x)
    return train, val, norm
