"""Typed parameters (of node types, the training configuration, synthetic data sets): what the
editors show, validation checks and files store."""
from dataclasses import dataclass

import math

from .errors import EngineError
from .limits import MAX_DIM, MAX_TEXT


class ParamError(EngineError, ValueError):
    """A parameter value that its spec refuses; the message names the parameter."""


@dataclass(frozen=True)
class ParamSpec:
    """kind: 'int', 'float', 'bool', 'choice', 'ints' (a shape or tuple of ints), 'floats',
    'str', 'padding' ('valid', 'same' or pixels). ``min``/``max`` bound numbers (and each entry of 'ints'); ``choices`` list the values
    of a 'choice'. ``optional`` allows None."""
    name: str
    kind: str
    default: object
    help: str = ""
    min: float = None
    max: float = None
    choices: tuple = ()
    optional: bool = False
    length: tuple = None      # (min, max) number of entries for 'ints'/'floats'

    def validate(self, value, where=""):
        """The value normalized to its kind (e.g. list → tuple, 3 → 3.0 for floats)."""
        label = f"{where}: {self.name}" if where else self.name
        if value is None:
            if self.optional:
                return None
            raise ParamError(f"{label} needs a value")
        try:
            if self.kind == "int":
                if isinstance(value, (bool, str)) or not float(value).is_integer():
                    raise ValueError
                v = int(value)
                self._bounds(v, label)
                return v
            if self.kind == "float":
                if isinstance(value, (bool, str)):
                    raise ValueError
                v = float(value)
                if not math.isfinite(v):
                    raise ParamError(f"{label} must be a finite number, got {value!r}")
                self._bounds(v, label)
                return v
            if self.kind == "bool":
                if not isinstance(value, bool):
                    raise ValueError
                return value
            if self.kind == "choice":
                if value not in self.choices:
                    raise ParamError(f"{label} must be one of {', '.join(map(str, self.choices))}; got {value!r}")
                return value
            if self.kind in ("ints", "floats"):
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    value = (value,)
                if isinstance(value, (str, bytes, dict)) or len(value) > 4096:
                    raise ValueError
                conv = int if self.kind == "ints" else float
                items = []
                for x in value:
                    if isinstance(x, bool) or isinstance(x, str) or (self.kind == "ints" and not float(x).is_integer()):
                        raise ValueError
                    x = conv(x)
                    if self.kind == "ints" and abs(x) > MAX_DIM:
                        raise ParamError(f"{label} entries must be at most {MAX_DIM:,} in size, got {x}")
                    if self.kind == "floats" and not math.isfinite(x):
                        raise ParamError(f"{label} must hold finite numbers, got {x}")
                    items.append(x)
                v = tuple(items)
                if self.length and not self.length[0] <= len(v) <= self.length[1]:
                    lo, hi = self.length
                    count = str(lo) if lo == hi else f"{lo} to {hi}"
                    raise ParamError(f"{label} needs {count} entries, got {len(v)}")
                for x in v:
                    self._bounds(x, label)
                return v
            if self.kind == "padding":
                if value in ("valid", "same"):
                    return value
                if isinstance(value, str):
                    value = [int(v) for v in value.replace("×", ",").split(",") if v.strip()]
                v = ParamSpec(self.name, "ints", None, length=(1, 2), min=0).validate(value, where)
                return v if len(v) == 2 else (v[0], v[0])
            if self.kind == "str":
                if not isinstance(value, str):
                    raise ValueError
                return check_text(value, label)
        except ParamError:
            raise
        except (TypeError, ValueError, OverflowError):
            raise ParamError(f"{label} must be {self.describe_kind()}, got {value!r}") from None
        raise ParamError(f"{label}: unknown parameter kind {self.kind!r}")

    def _bounds(self, v, label):
        if self.min is not None and v < self.min:
            raise ParamError(f"{label} must be at least {self.min}, got {v}")
        if self.max is not None and v > self.max:
            raise ParamError(f"{label} must be at most {self.max}, got {v}")

    def describe_kind(self):
        return {"int": "a whole number", "float": "a number", "bool": "true or false",
                "choice": f"one of {', '.join(map(str, self.choices))}", "ints": "a list of whole numbers",
                "floats": "a list of numbers", "str": "text",
                "padding": "'valid', 'same', a number of pixels or a pair of them"}.get(self.kind, self.kind)

    def to_json(self):
        d = {"name": self.name, "kind": self.kind, "default": self.default, "help": self.help}
        for k in ("min", "max"):
            if getattr(self, k) is not None:
                d[k] = getattr(self, k)
        if self.choices:
            d["choices"] = list(self.choices)
        return d


def check_text(value, label):
    """Text a file can store: at most MAX_TEXT characters, and valid Unicode (no lone surrogate
    halves, which UTF-8 cannot encode)."""
    if len(value) > MAX_TEXT:
        raise ParamError(f"{label} is {len(value):,} characters long (at most {MAX_TEXT:,})")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ParamError(f"{label} holds characters that cannot be stored (a lone surrogate)") from None
    return value


def P(name, kind, default, help="", **kw):
    """Short constructor used by the node type definitions."""
    if "choices" in kw:
        kw["choices"] = tuple(kw["choices"])
    return ParamSpec(name, kind, default, help, **kw)
