"""Finite-difference checks on shapes drawn at random (hypothesis): broadcasting in every binary
op, and reductions over random dims, where shape bookkeeping bugs hide."""
import numpy as np
from hypothesis import HealthCheck, given, settings, strategies as st

import engine
from engine import functional as F
from engine.testing import gradcheck


@st.composite
def broadcastable_shapes(draw):
    """Two shapes that broadcast together: each dim of the shorter one is 1 or matches."""
    ndim = draw(st.integers(0, 4))
    full = draw(st.lists(st.integers(1, 3), min_size=ndim, max_size=ndim))
    cut = draw(st.integers(0, ndim))
    other = [d if draw(st.booleans()) else 1 for d in full[cut:]]
    pair = (tuple(full), tuple(other))
    return pair if draw(st.booleans()) else pair[::-1]


BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (b * b + 1.0),
    "maximum": F.maximum,
    "pow": lambda a, b: F.pow(a * a + 0.5, b),
}

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(shapes=broadcastable_shapes(), op=st.sampled_from(sorted(BINARY)), seed=st.integers(0, 2 ** 16))
def test_binary_ops_broadcast_correctly(shapes, op, seed):
    rng = np.random.default_rng(seed)
    a = engine.tensor(rng.standard_normal(shapes[0]), requires_grad=True, dtype="float64")
    b = engine.tensor(rng.standard_normal(shapes[1]), requires_grad=True, dtype="float64")
    out = BINARY[op](a, b)
    assert out.shape == np.broadcast_shapes(shapes[0], shapes[1])
    gradcheck(BINARY[op], [a, b])


@SETTINGS
@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=4), data=st.data(),
       reduction=st.sampled_from(["sum", "mean"]), keepdim=st.booleans())
def test_reductions_over_random_dims(shape, data, reduction, keepdim):
    ndim = len(shape)
    dims = data.draw(st.lists(st.integers(-ndim, ndim - 1), min_size=1, max_size=ndim,
                              unique_by=lambda d: d % ndim))
    x = engine.tensor(np.random.default_rng(0).standard_normal(shape), requires_grad=True, dtype="float64")
    fn = (lambda t: getattr(F, reduction)(t, tuple(dims), keepdim))
    expected = getattr(np, reduction)(x.numpy(), axis=tuple(d % ndim for d in dims), keepdims=keepdim)
    np.testing.assert_allclose(fn(x).numpy(), expected)
    gradcheck(fn, [x])


@SETTINGS
@given(batch=st.lists(st.integers(1, 3), min_size=0, max_size=2), n=st.integers(1, 4),
       k=st.integers(1, 4), m=st.integers(1, 4), seed=st.integers(0, 1000))
def test_batched_matmul_random_shapes(batch, n, k, m, seed):
    rng = np.random.default_rng(seed)
    a = engine.tensor(rng.standard_normal(tuple(batch) + (n, k)), requires_grad=True, dtype="float64")
    b = engine.tensor(rng.standard_normal((k, m)), requires_grad=True, dtype="float64")
    gradcheck(lambda x, y: x @ y, [a, b])
