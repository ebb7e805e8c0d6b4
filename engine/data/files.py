"""The user's own data: CSV (choose feature and label columns) and NPZ files, and the bundled
real data sets (stored as CSV in resources/data). Every problem is a DataError that names the
file, line and column."""
import csv
import gzip
import io
import math
import os
import stat
import zipfile
import zlib

import numpy as np

import resources

from ..limits import FLOAT32_MAX, MAX_CELL, MAX_CLASSES, MAX_COLUMNS, MAX_DATA_BYTES, MAX_SAMPLES
from .dataset import Dataset, DataError

MAX_FILE_BYTES = MAX_DATA_BYTES
csv.field_size_limit(MAX_CELL)
DATA_DIR = resources.folder("data")
BUNDLED = {
    "iris": ("iris.csv", "Iris flowers: 4 measurements, 3 species."),
    "wine": ("wine.csv", "Wines: 13 chemical measurements, 3 cultivars."),
    "breast_cancer": ("breast_cancer.csv", "Breast cancer biopsies: 30 cell measurements, benign or malignant."),
    "digits": ("digits.csv.gz", "Handwritten digits as 8×8 images with 0–16 intensities."),
}


def check_regular_file(path):
    """A data file must be a regular file of bounded size: never a folder, a device, a FIFO or a
    socket (which could block forever or never end)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if stat.S_ISDIR(st.st_mode):
        raise DataError(f"{path}: is a folder, not a data file")
    if not stat.S_ISREG(st.st_mode):
        raise DataError(f"{path}: is not a regular file (a device, pipe or socket) and is not read")
    if st.st_size > MAX_FILE_BYTES:
        raise DataError(f"{path}: {st.st_size / 2 ** 20:.0f} MiB is larger than the {MAX_FILE_BYTES // 2 ** 20} MiB limit")
    return st.st_size


def _read_text(path):
    check_regular_file(path)
    try:
        with open(path, "rb") as f:
            if path.endswith(".gz"):
                with gzip.GzipFile(fileobj=f) as g:
                    raw = g.read(MAX_FILE_BYTES + 1)
            else:
                raw = f.read(MAX_FILE_BYTES + 1)
    except (EOFError, zlib.error, gzip.BadGzipFile):
        raise DataError(f"{path}: the compressed file is truncated or damaged") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if len(raw) > MAX_FILE_BYTES:
        raise DataError(f"{path}: holds more than the {MAX_FILE_BYTES // 2 ** 20} MiB limit")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DataError(f"{path}: is not UTF-8 text (is it really a CSV file?)") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")      # Windows and old Mac line ends


def _number(text):
    v = float(text)
    if math.isnan(v) or math.isinf(v):
        raise ValueError
    return v


def load_csv(path, features=None, label=None, task=None, delimiter=None, name=None):
    """A Dataset from a CSV file with a header row. ``label``: the target column's name (default:
    the last column); ``features``: the feature columns' names (default: all others). Text labels
    become class indices (sorted); numeric labels are classes when they look like class indices
    (whole, non-negative, at most 50 distinct values, none far above their count), otherwise
    regression targets. ``task`` overrides the guess."""
    if features is not None and (not isinstance(features, (list, tuple)) or
                                 not all(isinstance(f, str) for f in features)):
        raise DataError(f"{path}: 'features' must be a list of column names")
    if label is not None and not isinstance(label, str):
        raise DataError(f"{path}: 'label' must be a column name")
    text = _read_text(path)
    if not text.strip():
        raise DataError(f"{path}: the file is empty")
    if delimiter is None:
        try:
            delimiter = csv.Sniffer().sniff(text[:4096], delimiters=",;\t").delimiter
        except csv.Error:
            delimiter = ","
    try:
        rows = [r for r in csv.reader(io.StringIO(text), delimiter=delimiter)]
    except csv.Error as exc:
        raise DataError(f"{path}: is not a readable CSV table ({exc})") from None
    lines = [i + 1 for i, r in enumerate(rows) if r and any(c.strip() for c in r)]
    rows = [r for r in rows if r and any(c.strip() for c in r)]
    if not rows:
        raise DataError(f"{path}: holds no values, only separators")
    if len(rows) > MAX_SAMPLES + 1:
        raise DataError(f"{path}: has more than {MAX_SAMPLES:,} rows")
    header = [c.strip() for c in rows[0]]
    if len(header) < 2:
        # one column cannot be features and a label; and its content is not repeated back
        raise DataError(f"{path}: is not a table of at least two columns separated by , ; or tab")
    if len(header) > MAX_COLUMNS:
        raise DataError(f"{path}: has {len(header):,} columns, more than {MAX_COLUMNS:,}")
    if all(_is_number(c) for c in header):
        raise DataError(f"{path}: the first line must name the columns (found only numbers: {', '.join(header[:5])}…)")
    if len(set(header)) != len(header):
        dup = sorted({h for h in header if header.count(h) > 1})
        raise DataError(f"{path}: column name(s) used twice: {', '.join(dup)}")
    if len(rows) < 2:
        raise DataError(f"{path}: has a header but no data rows")
    label = label if label is not None else header[-1]
    if label not in header:
        raise DataError(f"{path}: no column named {label!r}; the columns are: {', '.join(header)}")
    features = list(features) if features else [h for h in header if h != label]
    missing = [f for f in features if f not in header]
    if missing:
        raise DataError(f"{path}: no column named {missing[0]!r}; the columns are: {', '.join(header)}")
    if label in features:
        raise DataError(f"{path}: column {label!r} cannot be both a feature and the label")
    position = {h: i for i, h in enumerate(header)}
    fi = [position[f] for f in features]
    li = position[label]
    x = np.empty((len(rows) - 1, len(fi)), dtype=np.float64)
    labels = []
    for r, (row, line) in enumerate(zip(rows[1:], lines[1:])):
        if len(row) != len(header):
            raise DataError(f"{path}, line {line}: {len(row)} values, but the header names {len(header)} columns")
        for j, c in enumerate(fi):
            cell = row[c].strip()
            try:
                x[r, j] = _number(cell)
            except ValueError:
                what = "is empty" if not cell else ("is NaN or infinite" if cell.lower() in ("nan", "inf", "-inf", "na")
                                                    or _is_nonfinite(cell) else f"{cell!r} is not a number")
                raise DataError(f"{path}, line {line}, column {features[j]!r}: {what}") from None
        cell = row[li].strip()
        if not cell:
            raise DataError(f"{path}, line {line}, column {label!r}: the label is empty")
        labels.append(cell)
    big = np.abs(x) > FLOAT32_MAX
    if big.any():
        r, j = (int(v) for v in np.argwhere(big)[0])
        raise DataError(f"{path}, line {lines[r + 1]}, column {features[j]!r}: {x[r, j]:g} is too large for "
                        "float32 (at most 3.4e38)")
    y, task, classes = _labels(labels, task, path, label)
    return Dataset(x.astype(np.float32), y, task, name or os.path.splitext(os.path.basename(path))[0],
                   f"{len(x)} rows from {os.path.basename(path)}", features, classes)


def _is_nonfinite(cell):
    try:
        v = float(cell)
        return math.isnan(v) or math.isinf(v)
    except ValueError:
        return False


def _labels(labels, task, path, column):
    try:
        values = np.array([_number(v) for v in labels])
        numeric = True
    except ValueError:
        numeric = False
    if numeric:
        whole = np.all(values == np.round(values))
        distinct = np.unique(values)
        if task is None:
            # class indices look like indices: whole, from 0 (or 1), not far beyond their count
            looks_like_classes = (whole and len(distinct) <= 50 and distinct.min() >= 0
                                  and distinct.max() < max(2 * len(distinct), 10))
            task = ("binary" if len(distinct) <= 2 else "multiclass") if looks_like_classes else "regression"
        if task == "regression":
            if np.abs(values).max(initial=0) > FLOAT32_MAX:
                raise DataError(f"{path}, column {column!r}: a target is too large for float32 (at most 3.4e38)")
            return values.astype(np.float32)[:, None], task, []
        if not whole:
            raise DataError(f"{path}, column {column!r}: class labels must be whole numbers for a {task} task")
        if distinct.min() < 0:
            raise DataError(f"{path}, column {column!r}: class labels must not be negative (found {distinct.min():g})")
        if distinct.max() >= MAX_CLASSES:
            raise DataError(f"{path}, column {column!r}: class label {distinct.max():g} is beyond the "
                            f"{MAX_CLASSES:,} classes a data set may have")
        y = values.astype(np.int64)
        return y, task, [str(int(c)) for c in range(int(y.max()) + 1)]
    if task == "regression":
        bad = next(v for v in labels if not _is_number(v))
        raise DataError(f"{path}, column {column!r}: {bad!r} is not a number, as regression needs")
    classes = sorted(set(labels))
    index = {c: i for i, c in enumerate(classes)}
    y = np.array([index[v] for v in labels], dtype=np.int64)
    return y, task or ("binary" if len(classes) == 2 else "multiclass"), classes


def _is_number(v):
    try:
        _number(v)
        return True
    except ValueError:
        return False


def load_npz(path, x_key=None, y_key=None, task=None, name=None):
    """A Dataset from an .npz file with a feature array and a target array (keys 'x'/'y' or
    'X'/'y' or 'features'/'labels' unless named). Pickled objects are refused."""
    check_regular_file(path)
    if not zipfile.is_zipfile(path):
        raise DataError(f"{path}: is not a readable .npz file (an .npz is a zip archive of arrays, "
                        "as written by numpy.savez)")
    try:
        with zipfile.ZipFile(path) as zf:
            inflated = sum(i.file_size for i in zf.infolist())
            odd = [i.filename for i in zf.infolist() if not i.filename.endswith(".npy")]
        if inflated > MAX_FILE_BYTES:
            raise DataError(f"{path}: its arrays hold {inflated / 2 ** 20:.0f} MiB, more than the "
                            f"{MAX_FILE_BYTES // 2 ** 20} MiB limit")
        if odd:
            raise DataError(f"{path}: holds {odd[0]!r}, which is not an array (an .npz holds only .npy members)")
        with np.load(path, allow_pickle=False) as z:
            keys = list(z.keys())
            xk = x_key or next((k for k in ("x", "X", "features", "inputs") if k in keys), None)
            yk = y_key or next((k for k in ("y", "Y", "labels", "targets", "target") if k in keys), None)
            if xk not in keys or yk not in keys:
                raise DataError(f"{path}: needs a feature array and a target array; it holds {', '.join(keys) or 'nothing'}"
                                " (name them x and y, or choose the keys)")
            x, y = z[xk], z[yk]
    except DataError:
        raise
    except ValueError as exc:
        raise DataError(f"{path}: cannot be read as plain arrays ({exc})") from None
    except Exception as exc:
        raise DataError(f"{path}: is not a readable .npz file ({type(exc).__name__}: {exc})") from None
    if x.dtype.kind not in "fiub" or y.dtype.kind not in "fiub":
        raise DataError(f"{path}: arrays must be numeric, got {x.dtype} and {y.dtype}")
    if x.ndim == 0 or y.ndim == 0:
        raise DataError(f"{path}: features and targets must have one row per sample, got shapes {x.shape} and {y.shape}")
    if len(x) > MAX_SAMPLES:
        raise DataError(f"{path}: has more than {MAX_SAMPLES:,} samples")
    if x.dtype.kind == "f" and np.isfinite(x).all() and np.abs(x).max(initial=0) > FLOAT32_MAX:
        raise DataError(f"{path}: the features hold values too large for float32 (at most 3.4e38)")
    if y.dtype.kind in "iu" and y.size and (int(y.max()) >= MAX_CLASSES or int(y.min()) < 0) and task != "regression" \
            and y.ndim == 1:
        raise DataError(f"{path}: class labels must lie in 0…{MAX_CLASSES - 1:,}, found {int(y.min())}…{int(y.max())}")
    if len(x) != len(y):
        raise DataError(f"{path}: {len(x)} feature rows but {len(y)} targets")
    if x.dtype.kind == "f" and not np.isfinite(x).all():
        row = int(np.argwhere(~np.isfinite(x.reshape(len(x), -1)))[0][0])
        raise DataError(f"{path}: the features contain NaN or infinite values (first in row {row})")
    if y.dtype.kind == "f" and not np.isfinite(y).all():
        raise DataError(f"{path}: the targets contain NaN or infinite values")
    if y.dtype.kind in "fiu" and y.size and np.abs(y.astype(np.float64)).max() > FLOAT32_MAX:
        raise DataError(f"{path}: the targets hold values too large for float32 (at most 3.4e38)")
    if task is None:
        task = ("binary" if len(np.unique(y)) <= 2 else "multiclass") if y.dtype.kind in "iub" and y.ndim == 1 else "regression"
    if task == "regression":
        y = y.astype(np.float32)
        y = y[:, None] if y.ndim == 1 else y
    else:
        if y.dtype.kind not in "iub" or y.ndim != 1:
            raise DataError(f"{path}: class labels must be one integer per row, got {y.dtype} {y.shape}")
        y = y.astype(np.int64)
    x = x.astype(np.float32) if x.dtype.kind == "f" or x.dtype.kind == "b" else x.astype(np.int64)
    return Dataset(x, y, task, name or os.path.splitext(os.path.basename(path))[0], f"{len(x)} rows from {os.path.basename(path)}")


def csv_columns(path):
    """The column names of a CSV file's header (gzip allowed), from its first 64 KiB at most:
    what the training panel offers as label and feature columns."""
    check_regular_file(path)
    try:
        with open(path, "rb") as f:
            if path.endswith(".gz"):
                with gzip.GzipFile(fileobj=f) as g:
                    raw = g.read(65536)
            else:
                raw = f.read(65536)
        sample = raw.decode("utf-8-sig", errors="replace").replace("\r\n", "\n").replace("\r", "\n")
    except (OSError, EOFError, zlib.error):
        return []
    try:
        dialect = csv.Sniffer().sniff(sample[:4096], delimiters=",;\t") if sample else csv.excel
        header = next(csv.reader(sample.splitlines()[:1], dialect), [])
    except csv.Error:
        return []
    return [h.strip() for h in header][:MAX_COLUMNS] if len(header) >= 2 else []


def npz_keys(path):
    """The array names of an .npz file (nothing is decompressed)."""
    check_regular_file(path)
    try:
        with zipfile.ZipFile(path) as z:
            return [n[:-4] for n in z.namelist() if n.endswith(".npy")]
    except (OSError, zipfile.BadZipFile):
        return []


def load_bundled(name):
    try:
        file, description = BUNDLED[name]
    except KeyError:
        raise DataError(f"unknown bundled data set {name!r}; choose one of {', '.join(BUNDLED)}") from None
    ds = load_csv(os.path.join(DATA_DIR, file), name=name, task="binary" if name == "breast_cancer" else "multiclass")
    ds.description = description
    return ds
