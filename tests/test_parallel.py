"""Work in two halves on two threads (engine/parallel.py) gives exactly what one thread gives, and
numpy's OpenBLAS lets its idle workers sleep (engine/blas_threads.py) so that the second half
finds a free core. The first is checked bit for bit on ops large enough to be split; the second
in child processes, by the CPU time a single-threaded stretch of work uses after a GEMM."""
import os
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest

import engine
from engine import blas_threads, parallel
from engine import functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def two_threads(monkeypatch):
    monkeypatch.setattr(parallel, "threads", lambda: 2)


def test_large_work_runs_as_two_halves_on_two_threads(two_threads):
    seen = []
    parallel.over_halves(lambda lo, hi: seen.append((lo, hi, threading.get_ident())), 7, parallel.SPLIT_AT)
    assert sorted(s[:2] for s in seen) == [(0, 3), (3, 7)]
    assert len({s[2] for s in seen}) == 2


@pytest.mark.parametrize("n, size, xp, threads", [
    (7, parallel.SPLIT_AT - 1, np, 2),     # too small to pay for the hand-off
    (1, 10 ** 6, np, 2),                   # nothing to split
    (0, 10 ** 6, np, 2),
    (7, 10 ** 6, object(), 2),             # not numpy (CuPy runs its own kernels)
    (7, 10 ** 6, np, 1),                   # OMP_NUM_THREADS=1
])
def test_small_or_unsplittable_work_is_one_call(monkeypatch, n, size, xp, threads):
    monkeypatch.setattr(parallel, "threads", lambda: threads)
    seen = []
    parallel.over_halves(lambda lo, hi: seen.append((lo, hi, threading.get_ident())), n, size, xp)
    assert seen == [(0, n, threading.get_ident())]


def test_an_error_in_either_half_reaches_the_caller(two_threads):
    def fail_second(lo, hi):
        if lo:
            raise ValueError("second half")
    with pytest.raises(ValueError, match="second half"):
        parallel.over_halves(fail_second, 4, parallel.SPLIT_AT)


@pytest.mark.parametrize("make", [
    lambda a: a.transpose(1, 0, 2, 3),
    lambda a: a[:, ::2, 1:, ::3],
    lambda a: np.lib.stride_tricks.sliding_window_view(a, (3, 3), axis=(2, 3)).transpose(1, 4, 5, 0, 2, 3),
    lambda a: a[:1].transpose(0, 2, 1, 3),
])
def test_contiguous_copies_in_halves_exactly(two_threads, make):
    a = np.random.default_rng(0).standard_normal((16, 12, 20, 24)).astype(np.float32)
    view = make(a)
    out = parallel.contiguous(view)
    assert out.flags.c_contiguous and out.dtype == view.dtype
    np.testing.assert_array_equal(out, view)


def test_contiguous_returns_a_contiguous_array_itself(two_threads):
    a = np.zeros((300, 300), np.float32)
    assert parallel.contiguous(a) is a


def _forward_backward(fn, *shapes, seed=0):
    rng = np.random.default_rng(seed)
    xs = [engine.tensor(rng.standard_normal(s).astype(np.float32), requires_grad=True) for s in shapes]
    y = fn(*xs)
    gy = rng.standard_normal(y.shape).astype(np.float32)
    y.backward(engine.tensor(gy))
    return [y.array] + [x.grad.array for x in xs]


OPS = {
    "max_pool 2x2 (tiled)": (lambda x: F.max_pool2d(x, 2), [(8, 16, 26, 26)]),
    "max_pool 3x3 stride 2 pad 1 (overlapping)": (lambda x: F.max_pool2d(x, 3, 2, 1), [(8, 16, 25, 25)]),
    "max_pool 2x2 odd size (not tiled)": (lambda x: F.max_pool2d(x, 2), [(8, 16, 27, 27)]),
    "max_pool with ties": (lambda x: F.max_pool2d(engine.clamp(x, -0.3, 0.3), 2), [(8, 16, 26, 26)]),
    "conv 16->32 pad 1 stride 2 dilation 2 (flat)": (
        lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1, dilation=2), [(8, 16, 30, 30), (32, 16, 3, 3), (32,)]),
    "conv 1->16 (batched)": (lambda x, w, b: F.conv2d(x, w, b), [(64, 1, 28, 28), (16, 1, 3, 3), (16,)]),
    "relu": (F.relu, [(64, 32, 40)]),
}


@pytest.mark.parametrize("name", OPS)
def test_ops_split_in_halves_give_what_one_thread_gives(monkeypatch, name):
    fn, shapes = OPS[name]
    monkeypatch.setattr(parallel, "threads", lambda: 1)
    serial = _forward_backward(fn, *shapes)
    calls = []
    real = parallel._worker

    def counting_worker():
        calls.append(1)
        return real()
    monkeypatch.setattr(parallel, "threads", lambda: 2)
    monkeypatch.setattr(parallel, "_worker", counting_worker)
    split = _forward_backward(fn, *shapes)
    assert calls, "the op never split its work: the case is too small to test the halves"
    for a, b in zip(serial, split):
        np.testing.assert_array_equal(a, b)


# ---------------------------------------------------------------- OpenBLAS's idle workers
CHILD = textwrap.dedent("""
    import os, time
    import numpy as np
    import engine
    from engine import blas_threads
    a = np.random.default_rng(0).standard_normal((1024, 1024)).astype(np.float32)
    z = np.empty_like(a)
    busy = 0.0
    for _ in range(8):
        a @ a                          # wakes OpenBLAS's workers
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(40):           # ~40 ms: OpenBLAS's own spin (0.1 s) covers it, ours a sliver
            np.exp(a, out=z)          # one thread's work, while the workers spin or sleep
        busy += (time.process_time() - c0) / (time.perf_counter() - t0)
    lib = blas_threads.openblas()
    print(os.environ.get("OPENBLAS_THREAD_TIMEOUT"), lib.openblas_thread_timeout() if lib else None, busy / 8)
""")


def child(env_extra):
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_THREAD_TIMEOUT"}
    env.update(PYTHONPATH=ROOT, OMP_NUM_THREADS="2", **env_extra)
    out = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    setting, read, cores = out.stdout.split()
    return setting, read, float(cores)


@pytest.mark.skipif(blas_threads.openblas() is None, reason="numpy's BLAS is not OpenBLAS")
def test_idle_openblas_workers_sleep_and_leave_the_core_free():
    setting, read, cores = child({})
    assert (setting, read) == (str(blas_threads.SPIN_EXPONENT),) * 2
    assert cores < 1.35, f"a single-threaded stretch after a GEMM kept {cores:.2f} cores busy"


@pytest.mark.skipif(blas_threads.openblas() is None, reason="numpy's BLAS is not OpenBLAS")
def test_a_timeout_the_user_set_stands():
    setting, read, cores = child({"OPENBLAS_THREAD_TIMEOUT": "28"})
    assert (setting, read) == ("28", "28")
    if (os.cpu_count() or 1) >= 2:
        assert cores > 1.5, f"OpenBLAS's default spin should keep a second core busy, saw {cores:.2f}"


def test_no_openblas_is_refused_quietly(monkeypatch):
    monkeypatch.setattr(blas_threads, "openblas", lambda: None)
    monkeypatch.delenv("OPENBLAS_THREAD_TIMEOUT", raising=False)
    assert blas_threads.let_idle_blas_threads_sleep() is False


def test_halves_nested_in_a_half_run_in_one_call(two_threads):
    """A half that splits its own work again must not wait on the one worker it is running on."""
    inner = []

    def outer(lo, hi):
        parallel.over_halves(lambda a, b: inner.append((a, b)), 4, parallel.SPLIT_AT)
    parallel.over_halves(outer, 2, parallel.SPLIT_AT)
    assert sorted(inner) == [(0, 2), (0, 4), (2, 4)]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_splits_work_on_a_worker_of_its_own(two_threads):
    parallel.over_halves(lambda lo, hi: None, 2, parallel.SPLIT_AT)     # the parent's worker exists
    pid = os.fork()
    if pid == 0:                                                       # the child: must not hang
        try:
            seen = []
            parallel.over_halves(lambda lo, hi: seen.append(threading.get_ident()), 2, parallel.SPLIT_AT)
            os._exit(0 if len(set(seen)) == 2 else 1)
        finally:
            os._exit(2)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            assert os.waitstatus_to_exitcode(status) == 0
            return
        time.sleep(0.05)
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    pytest.fail("work split in a forked child never finished")


def test_openblas_is_found_among_the_loaded_libraries_when_numpy_has_none_of_its_own(monkeypatch):
    """A numpy built against the system's OpenBLAS has no numpy.libs: the library the process
    mapped is used (here the same file, found through /proc/self/maps)."""
    if blas_threads.openblas() is None or not os.path.exists("/proc/self/maps"):
        pytest.skip("numpy's BLAS is not OpenBLAS, or no /proc")
    monkeypatch.setattr(blas_threads.glob, "glob", lambda pattern: [])
    lib = blas_threads.openblas()
    assert lib is not None and hasattr(lib, "blas_thread_shutdown_")
