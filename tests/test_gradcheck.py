"""Every op, layer function and loss: backward against central finite differences in float64,
on contiguous and on non-contiguous (strided-view) inputs."""
import numpy as np
import pytest

import engine
from engine import functional as F
from engine.testing import gradcheck

from op_cases import CASES


def strided(a):
    """The same values as a non-contiguous view (every other element of a wider array)."""
    if a.ndim == 0:
        return a
    wide = np.repeat(a, 2, axis=-1)
    return wide[..., ::2]


def make_inputs(case, layout, seed=0):
    rng = np.random.default_rng(seed)
    tensors = []
    for value, grad in case.inputs(rng):
        value = np.asarray(value)
        if value.dtype.kind == "f":
            value = value.astype(np.float64)
            if layout == "strided":
                value = strided(value)
                assert not value.flags.c_contiguous or value.ndim == 0 or value.size <= 1
        tensors.append(engine.Tensor(value, requires_grad=grad))
    return tensors


@pytest.mark.parametrize("layout", ["contiguous", "strided"])
@pytest.mark.parametrize("case", CASES, ids=str)
def test_backward_matches_finite_differences(case, layout):
    inputs = make_inputs(case, layout)
    res = gradcheck(lambda *ts: case.fn(F, *ts), inputs, atol=1e-6, rtol=1e-5)
    assert res.max_abs_diff < 1e-5


def test_dropout_gradient_uses_the_same_mask():
    x = engine.tensor(np.random.default_rng(1).standard_normal((4, 5)), requires_grad=True, dtype="float64")

    def fn(a):
        return F.dropout(a, 0.4, training=True, generator=engine.Generator(7))
    gradcheck(fn, [x])


def test_gradcheck_catches_a_wrong_backward():
    from engine.ops import Op
    from engine.tensor import apply

    class WrongSquare(Op):
        name = "wrong_square"

        def forward(self, a):
            self.a = a
            return a * a

        def backward(self, gy):
            return (gy * self.a,)   # should be 2·a

    x = engine.tensor(np.ones((2, 2)), requires_grad=True, dtype="float64")
    with pytest.raises(AssertionError, match="wrong|finite differences"):
        gradcheck(lambda a: apply(WrongSquare(), a), [x])
