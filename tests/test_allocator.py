"""The engine keeps freed large blocks in the heap (engine/allocator.py): a training step's
temporaries of the same sizes come back without fresh pages from the kernel. Counted in minor
page faults, not time, in a child process each (the setting is process-wide)."""
import os
import subprocess
import sys
import textwrap

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CHILD = textwrap.dedent("""
    import resource
    import numpy as np
    import engine
    from engine import nn
    engine.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 16, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(16 * 13 * 13, 10))
    opt = engine.optim.Adam(model.parameters())
    x = engine.tensor(np.random.default_rng(0).standard_normal((64, 1, 28, 28)).astype(np.float32))
    y = engine.tensor(np.arange(64) % 10)
    def steps(n):
        for _ in range(n):
            loss = engine.functional.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
    steps(3)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    steps(10)
    print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 10)
""")


def faults(env_extra):
    """Minor page faults per training step in a fresh process."""
    env = dict(os.environ, PYTHONPATH=ROOT, **env_extra)
    out = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return float(out.stdout.split()[-1])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc thresholds only")
def test_freed_blocks_are_reused_without_page_faults():
    from engine import allocator
    if allocator._libc() is None:
        pytest.skip("not glibc")
    kept = faults({})
    system = faults({"TENSORWEAVE_MALLOC": "system"})
    # one conv layer's step on 64 MNIST-sized images moves ~10 MB of temporaries: with the
    # system's settings they are faulted in again every step (about 2,000 pages here)
    assert system > 500, system
    assert kept < 50, kept


def test_the_setting_is_refused_quietly_where_there_is_no_glibc(monkeypatch):
    from engine import allocator
    monkeypatch.setattr(allocator, "_libc", lambda: None)
    assert allocator.keep_freed_memory() is False
    monkeypatch.setenv("TENSORWEAVE_MALLOC", "system")
    assert allocator.keep_freed_memory() is False
