"""dtype names accepted by the engine (numpy dtypes underneath)."""
import numpy as np

from .errors import DTypeError

float32 = np.dtype("float32")
float64 = np.dtype("float64")
float16 = np.dtype("float16")
int32 = np.dtype("int32")
int64 = np.dtype("int64")
bool_ = np.dtype("bool")

_ALIASES = {"float": float32, "double": float64, "half": float16, "long": int64, "int": int32}


def as_dtype(dtype):
    """A numpy dtype from a numpy dtype/type or a name ('float32', 'float', 'double', 'long'…)."""
    if isinstance(dtype, str) and dtype in _ALIASES:
        return _ALIASES[dtype]
    try:
        return np.dtype(dtype)
    except TypeError:
        raise DTypeError(f"unknown dtype {dtype!r}") from None
