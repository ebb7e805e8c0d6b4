"""Weight initializers. Each fills a tensor in place from an engine Generator (drawn on the host in
float64, so every device and dtype starts from the same numbers)."""
import math

import numpy as np

from ..random import default_generator
from ..errors import ArgumentError

INITIALIZERS = ("default", "xavier_uniform", "xavier_normal", "kaiming_uniform", "kaiming_normal",
                "normal", "zeros", "ones")


def fan_in_and_fan_out(shape):
    if len(shape) < 2:
        raise ArgumentError(f"fan in/out needs a tensor of at least 2 dims, got shape {tuple(shape)}")
    receptive = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    return shape[1] * receptive, shape[0] * receptive


def _fill(t, values):
    with_device = t.device.asarray(np.asarray(values).astype(t.array.dtype))
    t.array[...] = with_device
    return t


def uniform_(t, a=0.0, b=1.0, generator=None):
    return _fill(t, (generator or default_generator()).uniform(a, b, t.shape))


def normal_(t, mean=0.0, std=1.0, generator=None):
    return _fill(t, (generator or default_generator()).normal(mean, std, t.shape))


def constant_(t, value):
    t.array[...] = value
    return t


def zeros_(t):
    return constant_(t, 0.0)


def ones_(t):
    return constant_(t, 1.0)


def xavier_uniform_(t, gain=1.0, generator=None):
    """Glorot uniform: U(±gain·√(6/(fan_in+fan_out)))."""
    fi, fo = fan_in_and_fan_out(t.shape)
    a = gain * math.sqrt(6.0 / (fi + fo))
    return uniform_(t, -a, a, generator)


def xavier_normal_(t, gain=1.0, generator=None):
    fi, fo = fan_in_and_fan_out(t.shape)
    return normal_(t, 0.0, gain * math.sqrt(2.0 / (fi + fo)), generator)


def calculate_gain(nonlinearity, param=None):
    if nonlinearity in ("linear", "sigmoid", "conv2d"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1 + slope ** 2))
    raise ArgumentError(f"calculate_gain: unknown nonlinearity {nonlinearity!r}")


def _kaiming_std(t, a, mode, nonlinearity):
    fi, fo = fan_in_and_fan_out(t.shape)
    fan = fi if mode == "fan_in" else fo
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(t, a=0.0, mode="fan_in", nonlinearity="relu", generator=None):
    """He uniform: U(±√3·gain/√fan)."""
    bound = math.sqrt(3.0) * _kaiming_std(t, a, mode, nonlinearity)
    return uniform_(t, -bound, bound, generator)


def kaiming_normal_(t, a=0.0, mode="fan_in", nonlinearity="relu", generator=None):
    return normal_(t, 0.0, _kaiming_std(t, a, mode, nonlinearity), generator)


def default_(t, fan_in, generator=None):
    """PyTorch's default for Linear/Conv weights and biases: U(±1/√fan_in)."""
    bound = 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0
    return uniform_(t, -bound, bound, generator)


def initialize(t, scheme, fan_in, generator=None):
    """Fill ``t`` by the scheme's name (one of INITIALIZERS); 'default' is PyTorch's U(±1/√fan_in),
    'normal' is N(0, 1) (PyTorch's Embedding)."""
    if scheme == "default":
        return default_(t, fan_in, generator)
    if scheme == "zeros":
        return zeros_(t)
    if scheme == "ones":
        return ones_(t)
    if scheme == "normal":
        return normal_(t, 0.0, 1.0, generator)
    if t.ndim < 2:
        raise ArgumentError(f"initializer {scheme!r} needs a weight of at least 2 dims; use 'default' "
                         "or 'zeros' for a bias")
    fns = {"xavier_uniform": xavier_uniform_, "xavier_normal": xavier_normal_,
           "kaiming_uniform": kaiming_uniform_, "kaiming_normal": kaiming_normal_}
    if scheme not in fns:
        raise ArgumentError(f"unknown initializer {scheme!r}; choose one of {', '.join(INITIALIZERS)}")
    return fns[scheme](t, generator=generator)
