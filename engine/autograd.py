"""Reverse-mode differentiation over the tape recorded by ``tensor.apply``.

Each recorded op keeps its input tensors; a tensor keeps the op that made it. ``backward`` counts
how many times each op's outputs are consumed, then walks from the root, calling an op's backward
only once every consumer has sent its gradient (Kahn's algorithm on the reversed graph).
Buffers an op saved are freed as soon as it has run, unless ``retain_graph``.
"""
import numpy as np

from .backend import get_array_module
from .errors import GraphError, NonFiniteError
from .grad_mode import mode

# tensor.py imports this module; the reference is resolved when a gradient is first stored. No
# import statement may run per step: on a training thread, PySide's import hook can deadlock.
from . import tensor as _tensor  # noqa: E402

_FREED = ("backward: this graph was already freed by an earlier backward(); pass "
          "retain_graph=True to the first backward() to go through it a second time")


def check_finite(op, arrays, where):
    for a in arrays:
        if a is not None and getattr(a, "dtype", None) is not None and a.dtype.kind == "f":
            xp = get_array_module(a)
            if not bool(xp.isfinite(a).all()):
                kind = "NaN" if bool(xp.isnan(a).any()) else "Inf"
                raise NonFiniteError(f"{op.name}: {where} contains {kind} (shape {tuple(a.shape)})")


def _check_unchanged(op, inputs):
    """PyTorch's version-counter check: refuse to differentiate through a value that was changed
    in place after ``op`` used it (the saved value would give a wrong gradient). Called only when
    something was changed in place since ``op`` ran."""
    since = op.since
    for i, t in enumerate(inputs):
        c = t._version
        if c is not None and c[0] > since:
            raise GraphError(
                f"backward: input {i} of {op.name} ({t.array.dtype} {tuple(t.array.shape)}) was "
                f"changed by an in-place operation after {op.name} used it; compute it out of place "
                "(x = x + y, not x += y) or use .clone()")
    if "overwritten" in op.__dict__:
        raise GraphError(
            f"backward: the output of {op.name} ({op.__dict__['overwritten']}) was changed by an "
            f"in-place operation, but {op.name} needs it to compute its gradient; compute the change "
            "out of place or .clone() the output first")


def _accumulate_leaf(t, g, handed):
    """Add ``g`` into ``t.grad``. A leaf's gradient array is never shared with another tensor or
    a view, so in-place changes to one ``.grad`` (clipping, say) cannot leak into another."""
    Tensor = _tensor.Tensor
    if isinstance(g, np.generic):
        g = np.asarray(g)
    data = t.array
    if g.shape != data.shape:
        raise GraphError(f"backward: gradient of shape {tuple(g.shape)} reached a tensor of shape "
                         f"{tuple(data.shape)}")
    if g.dtype != data.dtype:
        g = g.astype(data.dtype)
    if t.grad is None:
        if g.base is not None or id(g) in handed or not getattr(g.flags, "writeable", True):
            g = g.copy()
        handed.add(id(g))
        t.grad = Tensor(g)
    else:
        total = t.grad.array + g
        t.grad.array = np.asarray(total) if isinstance(total, np.generic) else total


def backward(root, grad, retain_graph=False):
    backward_many([root], [grad], retain_graph)


def backward_many(roots, grads_in, retain_graph=False):
    """Backpropagate from several tensors at once (each with its upstream gradient); a shared
    subgraph is walked once, with the contributions summed."""
    handed = set()
    grads = {}
    ops = []
    for root, g in zip(roots, grads_in):
        if g is None:
            continue
        if root._op is None:
            if root.requires_grad:
                _accumulate_leaf(root, g, handed)
            continue
        slot = grads.get(root._op)
        if slot is None:
            slot = grads[root._op] = [None] * root._op.n_outputs
            ops.append(root._op)
        prev = slot[root._idx]
        slot[root._idx] = g if prev is None else prev + g
    if not ops:
        return
    deps = {}
    visited = set(ops)
    stack = list(ops)
    while stack:
        op = stack.pop()
        inputs = op.__dict__.get("inputs")
        if inputs is None:
            raise GraphError(_FREED)
        for t in inputs:
            p = t._op
            if p is not None:
                deps[p] = deps.get(p, 0) + 1
                if p not in visited:
                    visited.add(p)
                    stack.append(p)
    ready = [op for op in ops if op not in deps]
    anomaly = mode.anomaly
    while ready:
        op = ready.pop()
        gouts = grads.pop(op, None)
        inputs = op.inputs
        if gouts is not None:
            if _tensor._now > op.since:
                _check_unchanged(op, inputs)
            gins = op.backward(*gouts)
            if anomaly:
                check_finite(op, gins, "the gradient computed by its backward")
        else:
            gins = (None,) * len(inputs)
        for t, g in zip(inputs, gins):
            p = t._op
            if p is not None:
                if g is not None:
                    slot = grads.get(p)
                    if slot is None:
                        slot = grads[p] = [None] * p.n_outputs
                    prev = slot[t._idx]
                    slot[t._idx] = g if prev is None else prev + g
                deps[p] -= 1
                if deps[p] == 0:
                    ready.append(p)
            elif g is not None and t.requires_grad:
                _accumulate_leaf(t, g, handed)
        if not retain_graph:
            op.__dict__.clear()
