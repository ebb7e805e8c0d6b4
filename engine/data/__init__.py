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
import csv
import os
import zlib

import numpy as np

from ..params import P, ParamError
from . import synthetic
from .dataset import Dataset, DataError, Normalizer, batch_indices  # noqa: F401
from .files import BUNDLED, check_regular_file, csv_columns, load_bundled, load_csv, load_npz, npz_keys  # noqa: F401

SOURCES = ("synthetic", "bundled", "csv", "npz")
# the data set settings the training panel edits with the shared editors
VALIDATION_SPLIT = P("validation_split", "float", 0.2, "share of the rows held out for validation", min=0.05, max=0.9)
NORMALIZE = P("normalize", "choice", "none", "feature scaling, fitted on the training rows",
              choices=("none", "standardize", "minmax"))


SAMPLE_SHAPE = P("sample_shape", "ints", None, "view each sample with this shape", min=1, length=(1, 4), optional=True)
VALIDATION_ROWS = P("validation_rows", "int", None, "the last rows are the validation set", min=1, optional=True)
SEED = P("seed", "int", 0, "the split's seed", min=0)
ANY = True            # ``allow``: every path may be read (Python callers; the command line's --allow-outside-data)


class OutsideDataError(DataError):
    """A data file the graph names that lies outside the graph's folder. A shared graph file could
    name any file on this computer, so it is read only once the user allows it (``allow``)."""

    def __init__(self, path, base_dir):
        super().__init__(f"{path}: lies outside the graph's folder ({base_dir}); it is read only when you "
                         "allow it (the window asks; on the command line add --allow-outside-data)")
        self.path = path


def data_path(path, base_dir=".", allow=True):
    """The real path of the file a data set names: relative to the graph's folder; outside that
    folder only when ``allow`` is ANY (the default for Python callers, who wrote the
    configuration themselves) or holds that real path (a file the user chose in the window). The
    window and the command line pass their own policy for graphs that came from a file."""
    if not isinstance(path, str) or not path:
        raise DataError("a file data set needs a file path")
    full = path if os.path.isabs(path) else os.path.join(base_dir, path)
    real, base = os.path.realpath(full), os.path.realpath(base_dir)
    inside = real == base or real.startswith(base.rstrip(os.sep) + os.sep)
    if not inside and allow is not ANY and real not in {os.path.realpath(p) for p in allow}:
        raise OutsideDataError(real, base)
    return real


def _param(spec, config, where="dataset"):
    try:
        return spec.validate(config.get(spec.name, spec.default), where)
    except ParamError as exc:
        raise DataError(str(exc)) from None


def load(config, base_dir=".", allow=True):
    """The whole Dataset a config describes (before splitting); raises DataError, and
    OutsideDataError for a file outside the graph's folder that ``allow`` does not cover."""
    if not isinstance(config, dict):
        raise DataError("the dataset configuration must be an object")
    source = config.get("source")
    if source == "synthetic":
        options = config.get("options") or {}
        if not isinstance(options, dict):
            raise DataError("dataset: options must be an object")
        ds = synthetic.make(config.get("name", ""), **options)
    elif source == "bundled":
        ds = load_bundled(config.get("name", ""))
    elif source in ("csv", "npz"):
        path = data_path(config.get("path"), base_dir, allow)
        for key in ("task", "x", "y", "label"):
            if config.get(key) is not None and not isinstance(config.get(key), str):
                raise DataError(f"dataset: {key} must be text")
        if source == "csv":
            ds = load_csv(path, config.get("features"), config.get("label"), config.get("task"))
        else:
            ds = load_npz(path, config.get("x"), config.get("y"), config.get("task"))
    else:
        raise DataError(f"dataset source must be one of {', '.join(SOURCES)}, got {source!r}")
    shape = _param(SAMPLE_SHAPE, config)
    if shape:
        if int(np.prod(shape)) != int(np.prod(ds.sample_shape)):
            raise DataError(f"{ds.name}: samples of shape {ds.sample_shape} cannot be viewed as {shape}")
        ds.x = ds.x.reshape((len(ds),) + shape)
    return ds


def prepare(config, base_dir=".", seed=None, allow=True):
    """(train, validation, normalizer): split as configured, normalization fitted on train.
    Anything a configuration or a file can get wrong ends as a DataError naming it."""
    try:
        return _prepare(config, base_dir, seed, allow)
    except DataError:
        raise
    except MemoryError:
        raise DataError("the data set needs more memory than this computer has free") from None
    except (ArithmeticError, AttributeError, IndexError, KeyError, TypeError, ValueError, OSError, EOFError,
            csv.Error, zlib.error) as exc:
        raise DataError(f"the data set cannot be used ({type(exc).__name__}: {str(exc)[:200]})") from None


def _prepare(config, base_dir, seed, allow):
    ds = load(config, base_dir, allow)
    seed = _param(SEED, config) if seed is None else seed
    rows = ds.validation_rows or _param(VALIDATION_ROWS, config)      # the set knows its own, if it has them
    separate = config.get("validation")
    if separate is not None:
        if not isinstance(separate, dict):
            raise DataError("'validation' must describe a data set, like the main one")
        train, val = ds, load(separate, base_dir, allow)
        if val.sample_shape != train.sample_shape:
            raise DataError(f"the validation set's samples have shape {val.sample_shape}, the training set's "
                            f"{train.sample_shape}")
    elif rows:
        rows = int(rows)
        if not 0 < rows < len(ds):
            raise DataError(f"validation_rows must be between 1 and {len(ds) - 1}")
        train, val = ds.subset(np.arange(len(ds) - rows)), ds.subset(np.arange(len(ds) - rows, len(ds)))
    else:
        train, val = ds.split(_param(VALIDATION_SPLIT, config), seed)
    norm = Normalizer(_param(NORMALIZE, config)).fit(train.x)
    train.x = norm.transform(train.x)
    if val is not None:
        val.x = norm.transform(val.x)
    return train, val, norm
