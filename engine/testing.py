"""Gradient checking by central finite differences (Chainer's gradient_check, in spirit).

The function's outputs are contracted with a random upstream gradient (a plain ``.sum()`` would
hide errors that cancel), and every element of every input that requires grad is perturbed by
±eps. Use float64 inputs: float32 finite differences are too coarse to judge a backward.
"""
import numpy as np

from .backend import get_array_module, to_host
from .grad_mode import no_grad
from .tensor import Tensor


class GradcheckResult:
    def __init__(self, max_abs_diff, max_rel_diff, worst):
        self.max_abs_diff, self.max_rel_diff, self.worst = max_abs_diff, max_rel_diff, worst

    def __repr__(self):
        return (f"GradcheckResult(max_abs_diff={self.max_abs_diff:.3g}, "
                f"max_rel_diff={self.max_rel_diff:.3g}, worst={self.worst})")


def _outputs(fn, inputs):
    out = fn(*inputs)
    if isinstance(out, Tensor):
        return (out,)
    return tuple(o for o in out if isinstance(o, Tensor) and o.dtype.kind == "f")


def _objective(outs, gys):
    total = None
    for o, g in zip(outs, gys):
        term = (o * Tensor(g)).sum()
        total = term if total is None else total + term
    return total


def differences(f, array, flat_indices, eps=1e-6):
    """The one finite-difference loop (used here and by the window's per-node check): for each
    element of ``array`` (numpy or CuPy, any layout) at ``flat_indices``, moved by ±eps in place
    and put back, the (central, right-sided, left-sided) differences of the scalar ``f()``. Where
    the one-sided ones disagree the function has a kink there (ReLU at 0, a max-pool tie)."""
    f0 = f()
    out = []
    for i in flat_indices:
        idx = np.unravel_index(int(i), array.shape)
        orig = array[idx].item()
        array[idx] = orig + eps
        fp = f()
        array[idx] = orig - eps
        fm = f()
        array[idx] = orig
        out.append(((fp - fm) / (2 * eps), (fp - f0) / eps, (f0 - fm) / eps))
    return out


def numerical_gradients(fn, inputs, gys, eps=1e-6):
    """Central-difference gradients of Σ⟨fn(inputs)_k, gys_k⟩ for each input requiring grad."""
    grads = []
    with no_grad():
        def f():
            return float(_objective(_outputs(fn, inputs), gys).item())
        for t in inputs:
            if not t.requires_grad:
                grads.append(None)
                continue
            a = t.array
            central = [c for c, _, _ in differences(f, a, range(a.size), eps)]
            grads.append(np.array(central, dtype=np.float64).reshape(a.shape))
    return grads


def gradcheck(fn, inputs, atol=1e-6, rtol=1e-4, eps=1e-6, seed=0, raise_on_failure=True):
    """Compare the backward of ``fn`` with finite differences at ``inputs`` (Tensors).

    Returns a GradcheckResult with the largest absolute and relative differences; raises
    AssertionError naming the input and element when a difference exceeds atol + rtol·|numeric|.
    ``fn`` must be deterministic (reseed any dropout generator inside it)."""
    rng = np.random.default_rng(seed)
    outs = _outputs(fn, inputs)
    gys = []
    for o in outs:
        xp = get_array_module(o.array)
        gys.append(xp.asarray(rng.standard_normal(o.shape)).astype(o.dtype))
    for t in inputs:
        t.grad = None
    _objective(outs, gys).backward()
    analytic = [None if not t.requires_grad else
                (np.zeros(t.shape) if t.grad is None else to_host(t.grad.array).astype(np.float64))
                for t in inputs]
    host_inputs = inputs
    numeric = numerical_gradients(fn, host_inputs, gys, eps)
    max_abs = max_rel = 0.0
    worst = None
    for i, (a, n) in enumerate(zip(analytic, numeric)):
        if a is None:
            continue
        diff = np.abs(a - n)
        if diff.size == 0:
            continue
        rel = diff / np.maximum(np.abs(n), 1e-12)
        j = np.unravel_index(np.argmax(diff - (atol + rtol * np.abs(n))), diff.shape)
        if diff.max() > max_abs:
            max_abs = float(diff.max())
        max_rel = max(max_rel, float(np.max(np.where(np.abs(n) > atol, rel, 0.0))))
        if diff[j] > atol + rtol * abs(n[j]) and worst is None:
            worst = (i, tuple(int(k) for k in j), float(a[j]), float(n[j]))
    result = GradcheckResult(max_abs, max_rel, worst)
    if worst is not None and raise_on_failure:
        i, j, av, nv = worst
        raise AssertionError(f"gradcheck: input {i} element {j}: backward gives {av:.8g}, finite "
                             f"differences give {nv:.8g} ({result})")
    return result
