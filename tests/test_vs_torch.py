"""Every op and loss against PyTorch, forward and backward (tinygrad's test_ops idea): the same
case function runs on engine.functional and on PyTorch with the same inputs and the same random
upstream gradient. float64 checks the math tightly; float32 checks dtypes stay float32."""
import numpy as np
import pytest

import engine
from engine import functional as F

from op_cases import CASES, torch_namespace

torch = pytest.importorskip("torch")
TM = torch_namespace(torch)


def run_both(case, dtype, seed=0):
    rng = np.random.default_rng(seed)
    raw = case.inputs(rng)
    e_in, t_in = [], []
    for value, grad in raw:
        value = np.asarray(value)
        if value.dtype.kind == "f":
            value = value.astype(dtype)
        e_in.append(engine.Tensor(value.copy(), requires_grad=grad))
        tt = torch.from_numpy(value.copy())
        t_in.append(tt.requires_grad_(grad) if grad else tt)
    e_out, t_out = case.fn(F, *e_in), case.fn(TM, *t_in)
    if not isinstance(e_out, tuple):
        e_out, t_out = (e_out,), (t_out,)
    grng = np.random.default_rng(seed + 1)
    gys = [grng.standard_normal(o.shape).astype(dtype) for o in e_out]
    e_obj = sum(((o * engine.Tensor(g)).sum() for o, g in zip(e_out, gys)), engine.tensor(0.0, dtype=dtype))
    t_obj = sum(((o * torch.from_numpy(g)).sum() for o, g in zip(t_out, gys)), torch.tensor(0.0, dtype=getattr(torch, np.dtype(dtype).name)))
    e_obj.backward()
    t_obj.backward()
    return e_in, t_in, e_out, t_out


TORCH_CASES = [c for c in CASES if c.torch]


@pytest.mark.parametrize("case", TORCH_CASES, ids=str)
def test_float64_matches_pytorch(case):
    e_in, t_in, e_out, t_out = run_both(case, np.float64)
    for eo, to in zip(e_out, t_out):
        assert eo.shape == tuple(to.shape)
        np.testing.assert_allclose(eo.numpy(), to.detach().numpy(), rtol=case.tol * 100, atol=case.tol)
    for i, (ei, ti) in enumerate(zip(e_in, t_in)):
        if ei.requires_grad:
            assert ei.grad is not None, f"input {i} got no gradient"
            np.testing.assert_allclose(ei.grad.numpy(), ti.grad.numpy(), rtol=case.tol * 100, atol=case.tol,
                                       err_msg=f"gradient of input {i}")


@pytest.mark.parametrize("case", TORCH_CASES, ids=str)
def test_float32_matches_pytorch_and_stays_float32(case):
    e_in, t_in, e_out, t_out = run_both(case, np.float32)
    for eo, to in zip(e_out, t_out):
        assert eo.dtype == np.float32, f"output became {eo.dtype}"
        np.testing.assert_allclose(eo.numpy(), to.detach().numpy(), rtol=2e-4, atol=2e-5)
    for i, (ei, ti) in enumerate(zip(e_in, t_in)):
        if ei.requires_grad:
            assert ei.grad.dtype == np.float32
            np.testing.assert_allclose(ei.grad.numpy(), ti.grad.numpy(), rtol=2e-4, atol=2e-5,
                                       err_msg=f"gradient of input {i}")


def test_batch_norm_running_statistics_match_pytorch():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((8, 3, 2, 2))
    rm, rv = np.zeros(3), np.ones(3)
    trm, trv = torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)
    for _ in range(3):
        F.batch_norm(engine.Tensor(x), rm, rv, training=True, momentum=0.2)
        torch.nn.functional.batch_norm(torch.from_numpy(x), trm, trv, training=True, momentum=0.2)
    np.testing.assert_allclose(rm, trm.numpy(), rtol=1e-12)
    np.testing.assert_allclose(rv, trv.numpy(), rtol=1e-12)
