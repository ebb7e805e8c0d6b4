"""Tensorweave's engine: tensors with reverse-mode autodiff, ops, layers, losses and optimizers on
numpy (CPU) or CuPy (GPU). Pure Python + numpy; never imports Qt.

    import engine
    x = engine.tensor([[1.0, 2.0]], requires_grad=True)
    y = engine.functional.sigmoid(x @ x.T).sum()
    y.backward()
    x.grad
"""
from . import functional, nn, optim, ops  # noqa: F401
from .backend import Device, get_array_module, gpu_available, gpu_unavailable_reason  # noqa: F401
from .creation import (  # noqa: F401
    arange, from_numpy, full, ones, ones_like, rand, randn, tensor, zeros, zeros_like)
from .dtypes import bool_, float16, float32, float64, int32, int64  # noqa: F401
from .errors import (  # noqa: F401
    ArgumentError, DeviceError, DTypeError, EngineError, GraphError, NonFiniteError, ShapeError)
from .grad_mode import detect_anomaly, enable_grad, is_grad_enabled, no_grad, set_grad_enabled  # noqa: F401
from .random import Generator, default_generator, manual_seed  # noqa: F401
from .tensor import Tensor  # noqa: F401


def device(spec="cpu"):
    """A Device: 'cpu', 'gpu' (= 'cuda:0') or 'cuda:N'. Raises DeviceError saying what is missing."""
    return Device(spec)


cat = functional.cat
stack = functional.stack
