"""Shapes with a symbolic batch dimension.

A shape is a tuple whose entries are ints or the symbol ``N`` (the batch size, unknown until a
batch arrives). Inference works on these, so every edge knows its shape — ``N×100`` — before
anything runs.
"""
from ..errors import ShapeError

N = "N"


def is_dim(d):
    return d == N or (isinstance(d, int) and not isinstance(d, bool) and d >= 0)


def fmt(shape):
    """'N×100', 'scalar' for ()."""
    if shape is None:
        return "?"
    if len(shape) == 0:
        return "scalar"
    return "×".join(str(d) for d in shape)


def numel(shape):
    """Element count of a shape without N (None if N occurs)."""
    n = 1
    for d in shape:
        if d == N:
            return None
        n *= d
    return n


def broadcast(a, b, what="operands"):
    """numpy broadcasting where N matches N or 1; N against another size > 1 is refused, since
    it would only hold for one batch size."""
    out = []
    for i in range(max(len(a), len(b))):
        x = a[len(a) - 1 - i] if i < len(a) else 1
        y = b[len(b) - 1 - i] if i < len(b) else 1
        if x == y:
            out.append(x)
        elif x == 1:
            out.append(y)
        elif y == 1:
            out.append(x)
        else:
            raise ShapeError(f"{what} of shapes {fmt(a)} and {fmt(b)} do not broadcast "
                             f"(dimension {x} against {y})")
    return tuple(reversed(out))


def concrete(shape, batch):
    """The shape with N replaced by ``batch``."""
    return tuple(batch if d == N else d for d in shape)
