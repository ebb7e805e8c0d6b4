"""``engine.save`` / ``engine.load``: state dicts and other nested values in one NPZ file,
without pickle (a loaded file can never run code).

The file holds the arrays as ``a0.npy, a1.npy, …`` and a ``structure.json`` entry describing the
value: dicts with string or integer keys, lists, tuples, numbers, strings, None, tensors and numpy
arrays. Anything else is refused when saving, with the path to it named.
"""
import io
import json
import os
import zipfile

import numpy as np

from .backend import to_host
from .errors import EngineError

FORMAT = "tensorweave-save"
VERSION = 1


class SaveError(EngineError):
    """A value that ``engine.save`` cannot store, or a file ``engine.load`` cannot read."""


def _encode(value, arrays, where):
    from .tensor import Tensor
    if isinstance(value, Tensor):
        arrays.append(np.array(to_host(value.array)))
        return {"tensor": len(arrays) - 1, "requires_grad": bool(value.requires_grad)}
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biuf":
            raise SaveError(f"save: {where} is an array of dtype {value.dtype}; only numbers can be saved")
        arrays.append(value)
        return {"ndarray": len(arrays) - 1}
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        v = float(value)
        return v if np.isfinite(v) else {"float": repr(v)}
    if isinstance(value, (list, tuple)):
        items = [_encode(v, arrays, f"{where}[{i}]") for i, v in enumerate(value)]
        return {"tuple": items} if isinstance(value, tuple) else items
    if isinstance(value, dict):
        keys = []
        for k in value:
            if not isinstance(k, (str, int)) or isinstance(k, bool):
                raise SaveError(f"save: {where} has a key {k!r}; keys must be strings or integers")
            keys.append([k, _encode(value[k], arrays, f"{where}[{k!r}]")])
        return {"dict": keys}
    raise SaveError(f"save: {where} is a {type(value).__name__}; engine.save stores tensors, arrays, "
                    "numbers, strings and dicts/lists of them (no pickle)")


def save(obj, f):
    """Write ``obj`` (a state dict, or any nesting of dicts, lists, tensors and numbers) to ``f``,
    a path or a binary file object. Written to a temporary file and renamed, so a crash never
    leaves half a file under the name."""
    arrays = []
    structure = {"format": FORMAT, "version": VERSION, "value": _encode(obj, arrays, "the value")}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        z.writestr("structure.json", json.dumps(structure))
        for i, a in enumerate(arrays):
            with z.open(f"a{i}.npy", "w") as out:
                np.lib.format.write_array(out, np.ascontiguousarray(a), allow_pickle=False)
    if hasattr(f, "write"):
        f.write(buf.getvalue())
        return
    path = os.fspath(f)
    tmp = f"{path}.~{os.getpid()}.tmp"
    with open(tmp, "wb") as out:
        out.write(buf.getvalue())
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)


def _decode(node, z, names, map_location):
    from .tensor import Tensor
    if isinstance(node, list):
        return [_decode(v, z, names, map_location) for v in node]
    if not isinstance(node, dict):
        return node
    if "tensor" in node or "ndarray" in node:
        name = f"a{node.get('tensor', node.get('ndarray'))}.npy"
        if name not in names:
            raise SaveError(f"load: the file names array {name}, which it does not hold")
        with z.open(name) as fh:
            arr = np.lib.format.read_array(fh, allow_pickle=False)
        if "ndarray" in node:
            return arr
        t = Tensor(arr, device=map_location)
        return t.requires_grad_(True) if node.get("requires_grad") and arr.dtype.kind == "f" else t
    if "float" in node:
        return float(node["float"])
    if "tuple" in node:
        return tuple(_decode(v, z, names, map_location) for v in node["tuple"])
    if "dict" in node:
        return {k: _decode(v, z, names, map_location) for k, v in node["dict"]}
    raise SaveError(f"load: unknown entry {sorted(node)} in the file's structure")


def load(f, map_location=None, weights_only=True):
    """Read what ``save`` wrote. ``map_location`` ('cpu', 'cuda:0') puts the tensors on that
    device. ``weights_only`` is accepted for PyTorch's signature: nothing else is ever loaded."""
    try:
        with zipfile.ZipFile(f) as z:
            names = set(z.namelist())
            if "structure.json" not in names:
                raise SaveError("load: not a file written by engine.save (no structure.json)")
            structure = json.loads(z.read("structure.json"))
            if not isinstance(structure, dict) or structure.get("format") != FORMAT:
                raise SaveError("load: not a file written by engine.save")
            if structure.get("version", 0) > VERSION:
                raise SaveError(f"load: the file is format version {structure.get('version')}; this "
                                f"engine reads up to {VERSION}")
            return _decode(structure.get("value"), z, names, map_location)
    except (zipfile.BadZipFile, json.JSONDecodeError, ValueError, KeyError, TypeError) as exc:
        raise SaveError(f"load: the file is damaged or not an engine.save file ({exc})") from None
