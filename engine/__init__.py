"""Tensorweave's engine: tensors with reverse-mode autodiff, ops, layers, losses and optimizers on
numpy (CPU) or CuPy (GPU). Pure Python + numpy; never imports Qt.

Its names are PyTorch's, so a PyTorch introduction runs with ``import engine as torch``:

    import engine
    x = engine.tensor([[1.0, 2.0]], requires_grad=True)
    y = engine.sigmoid(x @ x.T).sum()
    y.backward()
    x.grad

``engine.nn``, ``engine.nn.functional`` (the same module as ``engine.functional``), ``engine.optim``
and ``engine.utils.data`` follow. Where the engine differs from PyTorch it says so in the docstring.
"""
import builtins as _builtins

from . import allocator as _allocator, blas_threads as _blas_threads

_allocator.keep_freed_memory()
_blas_threads.let_idle_blas_threads_sleep()
from . import functional, nn, optim, ops, utils  # noqa: F401
from .backend import Device, get_array_module, gpu_available, gpu_unavailable_reason  # noqa: F401
from .creation import (  # noqa: F401
    arange, as_tensor, empty, empty_like, eye, from_numpy, full, full_like, linspace, ones,
    ones_like, rand, rand_like, randint, randn, randn_like, randperm, tensor, zeros, zeros_like)
from .dtypes import bool_, float16, float32, float64, int32, int64  # noqa: F401
from .errors import (  # noqa: F401
    ArgumentError, DeviceError, DTypeError, EngineError, GraphError, NonFiniteError, ShapeError)
from .grad_mode import detect_anomaly, enable_grad, is_grad_enabled, no_grad, set_grad_enabled  # noqa: F401
from .random import Generator, default_generator, manual_seed  # noqa: F401
from .serialization import load, save  # noqa: F401
from .tensor import Tensor  # noqa: F401

# PyTorch's dtype aliases (torch.float is float32, torch.long int64, …)
float, double, half, long, int, bool = float32, float64, float16, int64, int32, bool_  # noqa: A001
dtype = type(float32)

# top-level functions (torch.exp, torch.cat, …): the functional ones under their PyTorch names
from .functional import (  # noqa: E402,F401
    abs, add, cat, clamp, clip, clone, cos, div, exp, flatten, log, log_softmax, matmul, max,
    maximum, mean, min, minimum, mul, neg, permute, pow, relu, reshape, sigmoid, sin, softmax,
    split, sqrt, square, squeeze, stack, std, sub, sum, tanh, transpose, unsqueeze, var, where)

concat = concatenate = cat
mm = matmul
sub = subtract = functional.sub
multiply, divide = mul, div


def device(spec="cpu"):
    """A Device: 'cpu', 'gpu' (= 'cuda:0') or 'cuda:N'. Raises DeviceError saying what is missing."""
    return Device(spec)


def is_tensor(obj):
    return isinstance(obj, Tensor)


def numel(t):
    return t.numel()


def argmax(t, dim=None, keepdim=False):
    return functional._tensor(t, "argmax").argmax(dim, keepdim)


def argmin(t, dim=None, keepdim=False):
    return functional._tensor(t, "argmin").argmin(dim, keepdim)


def t(x):
    return functional._tensor(x, "t").t()


def allclose(a, b, rtol=1e-5, atol=1e-8, equal_nan=False):
    import numpy as _np
    return _builtins.bool(_np.allclose(_host(a), _host(b), rtol=rtol, atol=atol, equal_nan=equal_nan))


def isclose(a, b, rtol=1e-5, atol=1e-8, equal_nan=False):
    import numpy as _np
    return Tensor(_np.isclose(_host(a), _host(b), rtol=rtol, atol=atol, equal_nan=equal_nan))


def equal(a, b):
    """True when both have the same shape and elements."""
    import numpy as _np
    return _builtins.bool(_np.array_equal(_host(a), _host(b)))


def _host(x):
    from .backend import to_host
    return to_host(x.array) if isinstance(x, Tensor) else x
