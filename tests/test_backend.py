"""Devices: CPU always works; asking for a GPU where CuPy or a GPU is missing gives a clear
error; the engine never imports Qt. With a GPU, the op table runs on CuPy and matches numpy."""
import subprocess
import sys

import numpy as np
import pytest

import engine
from engine import functional as F

from op_cases import CASES

HAS_GPU = engine.gpu_available()


def test_cpu_device():
    d = engine.device("cpu")
    assert d.xp is np and str(d) == "cpu" and d == "cpu"
    t = engine.ones(2, device="cpu")
    assert t.device == "cpu"


@pytest.mark.skipif(HAS_GPU, reason="this machine has a usable GPU")
def test_gpu_request_without_gpu_names_what_is_missing():
    with pytest.raises(engine.DeviceError, match="CuPy|CUDA|GPU"):
        engine.device("gpu")
    with pytest.raises(engine.DeviceError):
        engine.ones(2, device="cuda:0")
    with pytest.raises(engine.DeviceError):
        engine.nn.Linear(2, 2).to("gpu")
    reason = engine.gpu_unavailable_reason()
    assert reason and ("CuPy" in reason or "GPU" in reason)
    # everything else keeps working afterwards
    assert (engine.ones(2) * 2.0).tolist() == [2.0, 2.0]


def test_engine_never_imports_qt():
    code = ("import sys, engine, engine.nn, engine.optim, engine.testing; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'PyQt5', 'PyQt6', 'shiboken6', 'pyqtgraph')]; "
            "print(bad); sys.exit(1 if bad else 0)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       cwd=__import__("os").path.dirname(__import__("os").path.dirname(__file__)))
    assert r.returncode == 0, r.stdout + r.stderr


def test_engine_does_not_import_cupy_on_the_cpu_path():
    code = "import sys, engine; engine.ones(2) * 2.0; sys.exit(1 if 'cupy' in sys.modules else 0)"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       cwd=__import__("os").path.dirname(__import__("os").path.dirname(__file__)))
    assert r.returncode == 0, r.stderr


gpu = pytest.mark.skipif(not HAS_GPU, reason="no usable GPU (CuPy missing or no CUDA device)")


@gpu
@pytest.mark.parametrize("case", CASES, ids=str)
def test_op_on_gpu_matches_cpu(case):
    """Forward and gradients on CuPy equal the numpy results (float64)."""
    import cupy

    def run(device):
        rng = np.random.default_rng(0)
        ins = []
        for value, grad in case.inputs(rng):
            value = np.asarray(value)
            if value.dtype.kind == "f":
                value = value.astype(np.float64)
            ins.append(engine.tensor(value, requires_grad=grad, device=device))
        out = case.fn(F, *ins)
        outs = out if isinstance(out, tuple) else (out,)
        outs = [o for o in outs if o.dtype.kind == "f"]
        grng = np.random.default_rng(1)
        obj = None
        for o in outs:
            g = engine.tensor(grng.standard_normal(o.shape), dtype="float64", device=device)
            term = (o * g).sum()
            obj = term if obj is None else obj + term
        obj.backward()
        return [o.numpy() for o in outs], [t.grad.numpy() if t.requires_grad else None for t in ins], outs, ins

    c_out, c_grad, _, _ = run("cpu")
    g_out, g_grad, g_tensors, g_ins = run("gpu")
    assert all(isinstance(t.array, cupy.ndarray) for t in g_tensors)
    assert all(isinstance(t.grad.array, cupy.ndarray) for t in g_ins if t.requires_grad)
    for a, b in zip(c_out, g_out):
        np.testing.assert_allclose(b, a, rtol=1e-7, atol=1e-9)
    for a, b in zip(c_grad, g_grad):
        if a is not None:
            np.testing.assert_allclose(b, a, rtol=1e-7, atol=1e-9)


@gpu
def test_training_on_gpu_matches_cpu():
    def train(device):
        engine.manual_seed(0)
        m = engine.nn.Sequential(engine.nn.Conv2d(1, 4, 3), engine.nn.ReLU(), engine.nn.MaxPool2d(2),
                                 engine.nn.Flatten(), engine.nn.Linear(4 * 3 * 3, 3), engine.nn.Dropout(0.0))
        m.to(device)
        opt = engine.optim.Adam(m.parameters(), lr=0.01)
        rng = np.random.default_rng(0)
        x = engine.tensor(rng.standard_normal((8, 1, 8, 8)).astype(np.float32), device=device)
        y = engine.tensor(rng.integers(0, 3, 8), device=device)
        for _ in range(5):
            loss = F.cross_entropy(m(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        return loss.item(), m.state_dict()
    lc, sc = train("cpu")
    lg, sg = train("gpu")
    assert lg == pytest.approx(lc, rel=1e-4)
    for k in sc:
        np.testing.assert_allclose(sg[k].numpy(), sc[k].numpy(), rtol=1e-3, atol=1e-5)


@gpu
def test_mixing_devices_is_a_clear_error():
    with pytest.raises(engine.EngineError):
        engine.ones(2, device="gpu") + engine.ones(2)
