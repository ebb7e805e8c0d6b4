"""Elementwise arithmetic and activations, with broadcasting undone by ``sum_to``."""
import math

import numpy as np

from ..backend import get_array_module
from ..parallel import SPLIT_AT, over_halves
from .util import erf, sum_to
from .base import Op


# ---------------------------------------------------------------- binary

class Add(Op):
    name = "add"

    def forward(self, a, b):
        self.sa, self.sb = a.shape, b.shape
        return a + b

    def backward(self, gy):
        n = self.needs
        return (sum_to(gy, self.sa) if n[0] else None,
                sum_to(gy, self.sb) if n[1] else None)


class Sub(Op):
    name = "sub"

    def forward(self, a, b):
        self.sa, self.sb = a.shape, b.shape
        return a - b

    def backward(self, gy):
        n = self.needs
        return (sum_to(gy, self.sa) if n[0] else None,
                sum_to(-gy, self.sb) if n[1] else None)


class Mul(Op):
    name = "mul"

    def forward(self, a, b):
        n = self.needs
        self.a = a if n[1] else None
        self.b = b if n[0] else None
        self.sa, self.sb = a.shape, b.shape
        return a * b

    def backward(self, gy):
        n = self.needs
        return (sum_to(gy * self.b, self.sa) if n[0] else None,
                sum_to(gy * self.a, self.sb) if n[1] else None)


class Div(Op):
    name = "div"

    def forward(self, a, b):
        self.a, self.b = a, b
        return a / b

    def backward(self, gy):
        n, a, b = self.needs, self.a, self.b
        ga = gy / b
        return (sum_to(ga, a.shape) if n[0] else None,
                sum_to(-ga * a / b, b.shape) if n[1] else None)


class Pow(Op):
    """a ** b with both operands differentiable."""
    name = "pow"

    def forward(self, a, b):
        self.a, self.b = a, b
        self.y = a ** b
        return self.y

    def backward(self, gy):
        xp = get_array_module(gy)
        n, a, b = self.needs, self.a, self.b
        ga = gb = None
        if n[0]:
            ga = sum_to(gy * b * a ** (b - 1), a.shape)
        if n[1]:
            with np.errstate(divide="ignore", invalid="ignore"):
                loga = xp.where(a == 0, 0, xp.log(xp.where(a == 0, 1, a)))
            gb = sum_to(gy * self.y * loga, b.shape)
        return ga, gb


class PowScalar(Op):
    name = "pow"

    def __init__(self, p):
        self.p = p

    def forward(self, a):
        self.a = a
        return a ** self.p

    def backward(self, gy):
        p = self.p
        if p == 2:
            return (gy * (2.0 * self.a),)
        return (gy * (p * self.a ** (p - 1)),)


class Maximum(Op):
    """Ties split the gradient evenly between the two inputs (as PyTorch does)."""
    name = "maximum"
    sign = 1

    def forward(self, a, b):
        self.a, self.b = a, b
        xp = get_array_module(a)
        return xp.maximum(a, b) if self.sign > 0 else xp.minimum(a, b)

    def backward(self, gy):
        a, b = self.a, self.b
        wa = (a > b) if self.sign > 0 else (a < b)
        wa = wa + 0.5 * (a == b)
        n = self.needs
        return (sum_to(gy * wa, a.shape) if n[0] else None,
                sum_to(gy * (1.0 - wa), b.shape) if n[1] else None)


class Minimum(Maximum):
    name = "minimum"
    sign = -1


# ---------------------------------------------------------------- unary math

class Neg(Op):
    name = "neg"

    def forward(self, a):
        return -a

    def backward(self, gy):
        return (-gy,)


class Exp(Op):
    name = "exp"

    def forward(self, a):
        self.y = get_array_module(a).exp(a)
        return self.y

    def backward(self, gy):
        return (gy * self.y,)


class Log(Op):
    name = "log"

    def forward(self, a):
        self.a = a
        return get_array_module(a).log(a)

    def backward(self, gy):
        return (gy / self.a,)


class Sqrt(Op):
    name = "sqrt"

    def forward(self, a):
        self.y = get_array_module(a).sqrt(a)
        return self.y

    def backward(self, gy):
        return (gy / (2.0 * self.y),)


class Abs(Op):
    name = "abs"

    def forward(self, a):
        self.a = a
        return abs(a)

    def backward(self, gy):
        return (gy * get_array_module(gy).sign(self.a),)


class Clamp(Op):
    """Gradient passes where min <= x <= max (PyTorch's convention at the bounds)."""
    name = "clamp"

    def __init__(self, min=None, max=None):
        self.lo, self.hi = min, max

    def forward(self, a):
        self.a = a
        return get_array_module(a).clip(a, self.lo, self.hi)

    def backward(self, gy):
        a = self.a
        mask = True
        if self.lo is not None:
            mask = a >= self.lo
        if self.hi is not None:
            mask = mask & (a <= self.hi)
        return (gy * mask,)


# ---------------------------------------------------------------- activations

class ReLU(Op):
    name = "relu"

    def forward(self, a):
        xp = get_array_module(a)
        if a.size < SPLIT_AT or a.ndim == 0 or a.dtype.kind != "f":    # one call, no closure
            self.y = xp.maximum(a, 0)
            return self.y
        y = self.y = xp.empty(a.shape, a.dtype)

        def part(lo, hi):
            xp.maximum(a[lo:hi], 0, out=y[lo:hi])
        over_halves(part, len(a), a.size, xp)
        return y

    def backward(self, gy):
        xp, y = get_array_module(gy), self.y
        if gy.size < SPLIT_AT or gy.ndim == 0 or gy.shape != y.shape or gy.dtype.kind != "f":
            return (gy * (y > 0),)
        gx = xp.empty(gy.shape, gy.dtype)

        def part(lo, hi):
            xp.multiply(gy[lo:hi], y[lo:hi] > 0, out=gx[lo:hi])
        over_halves(part, len(gy), gy.size, xp)
        return (gx,)


class LeakyReLU(Op):
    name = "leaky_relu"

    def __init__(self, negative_slope=0.01):
        self.slope = float(negative_slope)

    def forward(self, a):
        self.pos = a > 0
        return get_array_module(a).where(self.pos, a, a * self.slope)

    def backward(self, gy):
        return (get_array_module(gy).where(self.pos, gy, gy * self.slope),)


class ELU(Op):
    name = "elu"

    def __init__(self, alpha=1.0):
        self.alpha = float(alpha)

    def forward(self, a):
        xp = get_array_module(a)
        self.pos = a > 0
        self.y = xp.where(self.pos, a, self.alpha * xp.expm1(xp.minimum(a, 0)))
        return self.y

    def backward(self, gy):
        xp = get_array_module(gy)
        return (xp.where(self.pos, gy, gy * (self.y + self.alpha)),)


_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT_2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


class GELU(Op):
    """approximate='none': x·Φ(x) (PyTorch's default); 'tanh': the tanh approximation."""
    name = "gelu"

    def __init__(self, approximate="none"):
        self.approximate = approximate

    def forward(self, a):
        xp = get_array_module(a)
        self.a = a
        if self.approximate == "tanh":
            self.t = xp.tanh(_SQRT_2_OVER_PI * (a + 0.044715 * a ** 3))
            return 0.5 * a * (1.0 + self.t)
        self.cdf = 0.5 * (1.0 + erf(xp, a * _INV_SQRT_2))
        return a * self.cdf

    def backward(self, gy):
        xp = get_array_module(gy)
        a = self.a
        if self.approximate == "tanh":
            t = self.t
            d = 0.5 * (1.0 + t) + 0.5 * a * (1.0 - t * t) * _SQRT_2_OVER_PI * (1.0 + 3 * 0.044715 * a * a)
        else:
            d = self.cdf + a * (_INV_SQRT_2PI * xp.exp(-0.5 * a * a))
        return (gy * d,)


def sigmoid(xp, a):
    """Overflow-free logistic function."""
    return 0.5 * xp.tanh(0.5 * a) + 0.5


class Sigmoid(Op):
    name = "sigmoid"

    def forward(self, a):
        self.y = sigmoid(get_array_module(a), a)
        return self.y

    def backward(self, gy):
        y = self.y
        return (gy * y * (1.0 - y),)


class Tanh(Op):
    name = "tanh"

    def forward(self, a):
        self.y = get_array_module(a).tanh(a)
        return self.y

    def backward(self, gy):
        y = self.y
        return (gy * (1.0 - y * y),)


class Softplus(Op):
    """log(1 + exp(beta·x)) / beta, linear where beta·x > threshold (as PyTorch)."""
    name = "softplus"

    def __init__(self, beta=1.0, threshold=20.0):
        self.beta, self.threshold = float(beta), float(threshold)

    def forward(self, a):
        xp = get_array_module(a)
        self.bx = bx = a * self.beta
        return xp.where(bx > self.threshold, a, xp.logaddexp(0, bx) / self.beta)

    def backward(self, gy):
        xp = get_array_module(gy)
        bx = self.bx
        return (gy * xp.where(bx > self.threshold, 1.0, sigmoid(xp, bx)),)


class Softmax(Op):
    name = "softmax"

    def __init__(self, dim=-1):
        self.dim = dim

    def forward(self, a):
        xp = get_array_module(a)
        e = xp.exp(a - a.max(axis=self.dim, keepdims=True))
        e /= e.sum(axis=self.dim, keepdims=True)
        self.y = e
        return e

    def backward(self, gy):
        y = self.y
        return (y * (gy - (gy * y).sum(axis=self.dim, keepdims=True)),)


class LogSoftmax(Op):
    name = "log_softmax"

    def __init__(self, dim=-1):
        self.dim = dim

    def forward(self, a):
        xp = get_array_module(a)
        s = a - a.max(axis=self.dim, keepdims=True)
        s -= xp.log(xp.exp(s).sum(axis=self.dim, keepdims=True))
        self.y = s
        return s

    def backward(self, gy):
        xp = get_array_module(gy)
        return (gy - xp.exp(self.y) * gy.sum(axis=self.dim, keepdims=True),)


class Cast(Op):
    """Change of floating dtype; the gradient is cast back."""
    name = "cast"

    def __init__(self, dtype):
        self.dtype = dtype

    def forward(self, a):
        self.in_dtype = a.dtype
        return a.astype(self.dtype)

    def backward(self, gy):
        return (gy.astype(self.in_dtype),)


class Clone(Op):
    """A copy in new memory; the gradient passes unchanged."""
    name = "clone"

    def forward(self, a):
        return a.copy()

    def backward(self, gy):
        return (gy,)


class Where(Op):
    """``a`` where ``cond`` holds, else ``b`` (inputs: a, b; the condition is an attribute)."""
    name = "where"

    def __init__(self, cond):
        self.cond = cond

    def forward(self, a, b):
        self.sa, self.sb = a.shape, b.shape
        return get_array_module(a).where(self.cond, a, b)

    def backward(self, gy):
        xp, n = get_array_module(gy), self.needs
        zero = xp.zeros((), dtype=gy.dtype)
        return (sum_to(xp.where(self.cond, gy, zero), self.sa) if n[0] else None,
                sum_to(xp.where(self.cond, zero, gy), self.sb) if n[1] else None)


class Sin(Op):
    name = "sin"

    def forward(self, a):
        self.a = a
        return get_array_module(a).sin(a)

    def backward(self, gy):
        return (gy * get_array_module(gy).cos(self.a),)


class Cos(Op):
    name = "cos"

    def forward(self, a):
        self.a = a
        return get_array_module(a).cos(a)

    def backward(self, gy):
        return (-gy * get_array_module(gy).sin(self.a),)
