"""Devices and array-module dispatch: one code path for numpy (CPU) and CuPy (GPU).

As in Chainer, an op never imports numpy or cupy directly for array math: it asks
``get_array_module(x)`` for the module that owns its operands. CuPy is imported lazily,
only when a GPU is asked for or a CuPy array is seen, so the CPU path never pays for it.
"""
from __future__ import annotations

import numpy as np

from .errors import DeviceError

_cupy = None          # the cupy module once imported successfully
_cupy_problem = None  # why cupy cannot be used, once we know


def _load_cupy():
    """Import CuPy and check that a GPU is visible; raise DeviceError saying what is missing."""
    global _cupy, _cupy_problem
    if _cupy is not None:
        return _cupy
    if _cupy_problem is not None:
        raise DeviceError(_cupy_problem)
    try:
        import cupy  # noqa: F401
    except Exception as exc:  # ImportError, or a CUDA library failing to load
        _cupy_problem = (
            "the GPU device needs CuPy, which is not installed or failed to import "
            f"({type(exc).__name__}: {exc}); install it with `pip install tensorweave[gpu]`")
        raise DeviceError(_cupy_problem) from None
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:
        count = 0
        reason = f"CUDA reports: {exc}"
    else:
        reason = "the CUDA runtime sees 0 devices"
    if count == 0:
        _cupy_problem = f"CuPy is installed but no CUDA GPU is available ({reason})"
        raise DeviceError(_cupy_problem)
    _cupy = cupy
    return cupy


def gpu_available() -> bool:
    """True when CuPy imports and sees at least one GPU. Never raises."""
    try:
        _load_cupy()
        return True
    except DeviceError:
        return False


def gpu_unavailable_reason() -> str | None:
    """None when a GPU can be used, else a sentence saying what is missing (for greyed-out UI)."""
    try:
        _load_cupy()
        return None
    except DeviceError as exc:
        return str(exc)


def get_array_module(*arrays):
    """numpy, or cupy when any of ``arrays`` is a CuPy array."""
    if _cupy is not None:
        for a in arrays:
            if isinstance(a, _cupy.ndarray):
                return _cupy
    return np


def is_gpu_array(a) -> bool:
    return _cupy is not None and isinstance(a, _cupy.ndarray)


class Device:
    """Where arrays live: ``Device('cpu')`` or ``Device('cuda:N')`` (``'gpu'`` means ``'cuda:0'``)."""

    __slots__ = ("type", "index")

    def __init__(self, spec="cpu"):
        if isinstance(spec, Device):
            self.type, self.index = spec.type, spec.index
            return
        if not isinstance(spec, str):
            raise DeviceError(f"device must be 'cpu', 'gpu' or 'cuda:N', got {spec!r}")
        s = spec.strip().lower()
        if s == "cpu":
            self.type, self.index = "cpu", None
        elif s in ("gpu", "cuda"):
            self.type, self.index = "cuda", 0
        elif s.startswith(("cuda:", "gpu:")) and s.split(":", 1)[1].isdigit():
            self.type, self.index = "cuda", int(s.split(":", 1)[1])
        else:
            raise DeviceError(f"device must be 'cpu', 'gpu' or 'cuda:N', got {spec!r}")
        if self.type == "cuda":
            cp = _load_cupy()
            n = cp.cuda.runtime.getDeviceCount()
            if self.index >= n:
                raise DeviceError(f"device cuda:{self.index} asked for, but only {n} GPU(s) are visible")

    @property
    def xp(self):
        """The array module of this device."""
        return np if self.type == "cpu" else _load_cupy()

    def asarray(self, data, dtype=None):
        """``data`` as an array on this device (a copy only when it has to move or change dtype)."""
        if self.type == "cpu":
            if is_gpu_array(data):
                data = data.get()
            return np.asarray(data, dtype=dtype)
        cp = _load_cupy()
        with cp.cuda.Device(self.index):
            return cp.asarray(data, dtype=dtype)

    def __eq__(self, other):
        try:
            other = Device(other)
        except DeviceError:
            return False
        return self.type == other.type and self.index == other.index

    def __hash__(self):
        return hash((self.type, self.index))

    def __str__(self):
        return "cpu" if self.type == "cpu" else f"cuda:{self.index}"

    def __repr__(self):
        return f"device('{self}')"


CPU = Device("cpu")


def device_of(array) -> Device:
    if is_gpu_array(array):
        d = Device.__new__(Device)
        d.type, d.index = "cuda", array.device.id
        return d
    return CPU


def to_host(array):
    """A numpy array with the same values (copies from the GPU when needed)."""
    return array.get() if is_gpu_array(array) else np.asarray(array)
