"""Shape-rule helpers shared by the node type definitions."""
from ...errors import DTypeError, ShapeError
from ...ops.util import norm_dim as _norm_dim
from ..issues import PortDTypeError, PortShapeError
from ..registry import TensorSpec
from ..shapes import N, broadcast, fmt


def fail(message, port=None):
    """A shape that does not fit (pinned to ``port``'s wire when given)."""
    raise PortShapeError(port, message) if port else ShapeError(message)


def fail_dtype(message, port=None):
    """Integers where floats are needed, or the other way round."""
    raise PortDTypeError(port, message) if port else DTypeError(message)


def need_float(ins, *ports):
    for p in ports:
        if ins[p].dtype != "float":
            fail_dtype(f"'{p}' must be a floating-point tensor, got integer {fmt(ins[p].shape)}", p)


def rank_at_least(ins, port, k, what):
    s = ins[port].shape
    if len(s) < k:
        fail(f"'{port}' must have at least {k} dims ({what}), got {fmt(s)}", port)
    return s


def last_dim_known(ins, port):
    s = ins[port].shape
    if not s or s[-1] == N:
        fail(f"'{port}' needs a known last dimension, got {fmt(s)}", port)
    return s[-1]


def same(port="x", out="y"):
    def rule(ins, p):
        need_float(ins, port)
        return {out: TensorSpec(ins[port].shape)}
    return rule


def broadcast_rule(ins, p):
    need_float(ins, "a", "b")
    try:
        return {"y": TensorSpec(broadcast(ins["a"].shape, ins["b"].shape))}
    except ShapeError as exc:
        fail(str(exc), "b")


def norm_dim(d, ndim, port="x"):
    """The engine's norm_dim, its error pinned to ``port``; a scalar has no dimension to name."""
    if ndim == 0:
        fail(f"'{port}' is a scalar: it has no dimension {d}", port)
    try:
        return _norm_dim(d, ndim, f"'{port}'")
    except ShapeError as exc:
        fail(str(exc), port)


def matmul_shape(a, b):
    if not a or not b:
        fail("matmul needs operands with at least 1 dimension", "b")
    a2 = a if len(a) > 1 else (1,) + a
    b2 = b if len(b) > 1 else b + (1,)
    if a2[-1] != b2[-2] or a2[-1] == N:
        fail(f"cannot multiply {fmt(a)} by {fmt(b)}: {a2[-1]} columns against {b2[-2]} rows", "b")
    batch = broadcast(a2[:-2], b2[:-2], "matmul batch dimensions")
    out = batch + (a2[-2], b2[-1])
    if len(a) == 1:
        out = out[:-2] + out[-1:]
    if len(b) == 1:
        out = out[:-1]
    return out
