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
    shape = _shape(shape)
    dev = Device(device or "cpu")
    arr = dev.xp.full(tuple(shape), value, dtype=as_dtype(dtype or "float32"))
    return Tensor(arr, requires_grad=requires_grad)


def zeros(*shape, dtype=None, device=None, requires_grad=False):
    return _full(shape, 0, dtype, device, requires_grad)


def ones(*shape, dtype=None, device=None, requires_grad=False):
    return _full(shape, 1, dtype, device, requires_grad)


def full(shape, value, dtype=None, device=None, requires_grad=False):
    return _full((tuple(shape),) if isinstance(shape, (tuple, list)) else (shape,), value, dtype, device, requires_grad)


def _shape(shape):
    return tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else tuple(shape)


def zeros_like(t, dtype=None, requires_grad=False):
    return zeros(t.shape, dtype=dtype or t.dtype, device=t.device, requires_grad=requires_grad)


def ones_like(t, dtype=None, requires_grad=False):
    return ones(t.shape, dtype=dtype or t.dtype, device=t.device, requires_grad=requires_grad)


def full_like(t, value, dtype=None, requires_grad=False):
    return full(t.shape, value, dtype=dtype or t.dtype, device=t.device, requires_grad=requires_grad)


def empty(*shape, dtype=None, device=None, requires_grad=False):
    """Zeros: unlike PyTorch's, an engine "empty" tensor never holds leftover memory."""
    return zeros(*shape, dtype=dtype, device=device, requires_grad=requires_grad)


def empty_like(t, dtype=None, requires_grad=False):
    return zeros_like(t, dtype, requires_grad)


def as_tensor(data, dtype=None, device=None):
    """A tensor sharing ``data``'s memory where it can (same dtype and device), else a copy."""
    if isinstance(data, Tensor) and dtype is None and device is None:
        return data
    return Tensor(as_array(data, dtype, device))


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    arr = np.eye(n, n if m is None else m, dtype=as_dtype(dtype or "float32"))
    return Tensor(Device(device or "cpu").asarray(arr), requires_grad=requires_grad)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    arr = np.linspace(start, end, int(steps)).astype(as_dtype(dtype or "float32"))
    return Tensor(Device(device or "cpu").asarray(arr), requires_grad=requires_grad)


def randint(low, high=None, size=(), dtype=None, device=None, generator=None):
    """Integers in [low, high) (``randint(high, size)`` counts from 0), int64 as in PyTorch."""
    if high is None:
        low, high = 0, low
    g = generator or default_generator()
    arr = g.np.integers(low, high, size=tuple(size)).astype(as_dtype(dtype or "int64"))
    return Tensor(Device(device or "cpu").asarray(arr))


def randperm(n, dtype=None, device=None, generator=None):
    g = generator or default_generator()
    return Tensor(Device(device or "cpu").asarray(g.permutation(int(n)).astype(as_dtype(dtype or "int64"))))


def rand_like(t, dtype=None, requires_grad=False, generator=None):
    return rand(t.shape, dtype=dtype or t.dtype, device=t.device, requires_grad=requires_grad, generator=generator)


def randn_like(t, dtype=None, requires_grad=False, generator=None):
    return randn(t.shape, dtype=dtype or t.dtype, device=t.device, requires_grad=requires_grad, generator=generator)


def arange(start, end=None, step=1, dtype=None, device=None):
    if end is None:
        start, end = 0, start
    arr = np.arange(start, end, step)
    if dtype is None:
        dtype = "int64" if arr.dtype.kind in "iu" else "float32"
    return Tensor(Device(device or "cpu").asarray(arr.astype(as_dtype(dtype))))


def randn(*shape, dtype=None, device=None, requires_grad=False, generator=None):
    g, shape = generator or default_generator(), _shape(shape)
    arr = g.normal(0.0, 1.0, shape).astype(as_dtype(dtype or "float32"))
    return Tensor(Device(device or "cpu").asarray(arr), requires_grad=requires_grad)


def rand(*shape, dtype=None, device=None, requires_grad=False, generator=None):
    g, shape = generator or default_generator(), _shape(shape)
    arr = g.uniform(0.0, 1.0, shape).astype(as_dtype(dtype or "float32"))
    return Tensor(Device(device or "cpu").asarray(arr), requires_grad=requires_grad)
