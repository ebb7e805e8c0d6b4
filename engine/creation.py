"""Tensor constructors (PyTorch's names). Floats default to float32."""
import numpy as np

from .backend import Device
from .dtypes import as_dtype
from .random import default_generator
from .tensor import Tensor, as_array


def tensor(data, requires_grad=False, dtype=None, device=None):
    """A new tensor holding a copy of ``data``."""
    return Tensor(as_array(data, dtype, device, copy=True), requires_grad=requires_grad)


def from_numpy(array):
    """A tensor sharing memory with a numpy array (dtype kept)."""
    return Tensor(np.asarray(array))


def _full(shape, value, dtype, device, requires_grad):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    dev = Device(device or "cpu")
    arr = dev.xp.full(tuple(shape), value, dtype=as_dtype(dtype or "float32"))
    return Tensor(arr, requires_grad=requires_grad)


def zeros(*shape, dtype=None, device=None, requires_grad=False):
    return _full(shape, 0, dtype, device, requires_grad)


def ones(*shape, dtype=None, device=None, requires_grad=False):
    return _full(shape, 1, dtype, device, requires_grad)


def full(shape, value, dtype=None, device=None, requires_grad=False):
    return _full((shape,), value, dtype, device, requires_grad)


def zeros_like(t, dtype=None):
    return zeros(t.shape, dtype=dtype or t.dtype, device=t.device)


def ones_like(t, dtype=None):
    return ones(t.shape, dtype=dtype or t.dtype, device=t.device)


def arange(start, end=None, step=1, dtype=None, device=None):
    if end is None:
        start, end = 0, start
    arr = np.arange(start, end, step)
    if dtype is None:
        dtype = "int64" if arr.dtype.kind in "iu" else "float32"
    return Tensor(Device(device or "cpu").asarray(arr.astype(as_dtype(dtype))))


def randn(*shape, dtype=None, device=None, requires_grad=False, generator=None):
    g = generator or default_generator()
    shape = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
    arr = g.normal(0.0, 1.0, shape).astype(as_dtype(dtype or "float32"))
    return Tensor(Device(device or "cpu").asarray(arr), requires_grad=requires_grad)


def rand(*shape, dtype=None, device=None, requires_grad=False, generator=None):
    g = generator or default_generator()
    shape = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
    arr = g.uniform(0.0, 1.0, shape).astype(as_dtype(dtype or "float32"))
    return Tensor(Device(device or "cpu").asarray(arr), requires_grad=requires_grad)
