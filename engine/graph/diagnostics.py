"""What the window shows about a trained graph, computed without Qt: a node's current value and
gradient, a confusion matrix, a decision boundary over 2-D inputs, and a finite-difference check
of one node's backward on the current batch. (When overfitting began: overfitting.py.)"""
from dataclasses import dataclass, field

import numpy as np

from ..backend import to_host
from ..grad_mode import no_grad
from ..random import Generator
from ..tensor import Tensor
from ..testing import _objective, differences
from .plan import Plan


# ----------------------------------------------------------------------------- node values
@dataclass
class NodeProbe:
    """A node's output values and gradients, and its weights and their gradients, for one batch
    (host arrays; gradients of the loss, None where no gradient reaches)."""
    outputs: dict = field(default_factory=dict)
    output_grads: dict = field(default_factory=dict)
    weights: dict = field(default_factory=dict)
    weight_grads: dict = field(default_factory=dict)
    loss: float = None


def probe(graph, store, node_id, x, y=None, training=False):
    """Run one forward (and backward when there is a loss) on a copy of the weights and return
    what flows through ``node_id``."""
    wanted = {node_id} | {n.id for n in graph.nodes_of_role("output")}
    if graph.loss_node() is not None:
        wanted.add(graph.loss_node().id)
    plan = Plan(graph, store.copy(), "cpu", "float32", Generator(0), targets=wanted)
    plan.keep_grads = True
    loss = plan.forward(x, y, training=training, grad=True)
    out = NodeProbe()
    if loss is not None:
        plan.backward()
        out.loss = float(to_host(loss.array))
    st = next(st for st in plan.steps if st.node.id == node_id)
    for port, slot in st.outputs:
        v = plan.values[slot]
        out.outputs[port] = None if v is None else np.array(to_host(v))
        g = plan.grads[slot] if plan.grads is not None else None
        out.output_grads[port] = None if g is None else np.array(to_host(g))
    for name, w in st.weights.items():
        out.weights[name] = np.array(to_host(w.array))
        out.weight_grads[name] = None if w.grad is None else np.array(to_host(w.grad.array))
    return out


# ----------------------------------------------------------------------------- classifiers
def confusion_matrix(truth, guess, n_classes=None):
    """counts[t, p]: samples of class t predicted as p."""
    truth, guess = np.asarray(truth, dtype=np.int64), np.asarray(guess, dtype=np.int64)
    n = n_classes or int(max(truth.max(initial=0), guess.max(initial=0)) + 1)
    m = np.zeros((n, n), dtype=np.int64)
    np.add.at(m, (truth, guess), 1)
    return m


def plane_grid(x, resolution, margin=0.15):
    """A resolution × resolution grid over the bounding box of the 2-D points ``x`` (with a
    margin): (points row by row, from the bottom, xs, ys)."""
    lo, hi = np.min(x, axis=0), np.max(x, axis=0)
    pad = (hi - lo) * margin + 1e-6
    xs = np.linspace(lo[0] - pad[0], hi[0] + pad[0], resolution, dtype=np.float32)
    ys = np.linspace(lo[1] - pad[1], hi[1] + pad[1], resolution, dtype=np.float32)
    gx, gy = np.meshgrid(xs, ys)
    return np.stack([gx.ravel(), gy.ravel()], axis=1), xs, ys


def probability_grid(predict, rule, x, resolution=128, margin=0.15):
    """(xs, ys, probs) over the bounding box of the 2-D points ``x``: probs[i, j] are the class
    probabilities at (xs[j], ys[i]), read from the predictions by ``rule`` (a LabelRule)."""
    pts, xs, ys = plane_grid(x, resolution, margin)
    probs = rule.probabilities(predict(pts))
    return xs, ys, probs.reshape(resolution, resolution, -1)


def fitted_curve(predict, x_all, resolution=400, margin=0.05):
    """(xs, ys): a 1-input regression's prediction over the range of its inputs."""
    lo, hi = float(np.min(x_all)), float(np.max(x_all))
    pad = (hi - lo) * margin + 1e-6
    xs = np.linspace(lo - pad, hi + pad, resolution, dtype=np.float32)
    ys = np.asarray(predict(xs[:, None])).reshape(resolution, -1)[:, 0]
    return xs, ys


# ----------------------------------------------------------------------------- gradient check
@dataclass
class NodeGradcheck:
    max_abs_diff: float
    max_rel_diff: float
    worst: str          # which tensor and element
    checked: int        # how many elements were perturbed
    tensors: list       # names of the tensors checked
    kinks: int = 0      # elements skipped: they sit on a kink (ReLU at 0, a max-pool tie)

    def summary(self):
        if not self.tensors:
            return "nothing to check: this node has no differentiable inputs or weights"
        return (f"largest difference between backward and finite differences: {self.max_abs_diff:.3g} "
                f"(relative {self.max_rel_diff:.3g}) at {self.worst}; {self.checked} elements of "
                f"{', '.join(self.tensors)} checked in float64"
                + (f"; {self.kinks} skipped at kinks (ReLU at 0, max-pool ties)" if self.kinks else ""))


def gradcheck_node(graph, store, node_id, x, y=None, samples=4, max_elements=400, eps=1e-6, seed=0):
    """Compare ``node_id``'s backward with central finite differences, in float64, on its real
    inputs for the first ``samples`` rows of the batch. Large tensors are checked at
    ``max_elements`` randomly chosen elements each."""
    x = np.asarray(x)[:samples]
    y = None if y is None else np.asarray(y)[:samples]
    plan = Plan(graph, store.copy(), "cpu", "float64", Generator(seed))
    x64 = x.astype(np.float64) if x.dtype.kind == "f" else x
    y64 = None if y is None else (y.astype(np.float64) if y.dtype.kind == "f" else y)
    plan.forward(x64, y64, training=False, grad=False)
    st = next((s for s in plan.steps if s.node.id == node_id), None)
    if st is None:
        return NodeGradcheck(0.0, 0.0, "", 0, [])
    ins = {port: np.array(to_host(plan.values[slot])) for port, slot in st.inputs}
    names, arrays = [], []
    for port, a in ins.items():
        if a.dtype.kind == "f":
            names.append(f"input '{port}'")
            arrays.append(a)
    for name, w in st.weights.items():
        if w.requires_grad:
            names.append(f"weight '{name}'")
            arrays.append(np.array(to_host(w.array), dtype=np.float64))
    if not arrays:
        return NodeGradcheck(0.0, 0.0, "", 0, [])
    n_in = sum(1 for a in ins.values() if a.dtype.kind == "f")

    def run(tensors):
        t_ins, k = {}, 0
        for port, a in ins.items():
            if a.dtype.kind == "f":
                t_ins[port], k = tensors[k], k + 1
            else:
                t_ins[port] = Tensor(a)
        ws, j = {}, n_in
        for name, w in st.weights.items():
            if w.requires_grad:
                ws[name], j = tensors[j], j + 1
            else:
                ws[name] = w
        outs = plan.run_node(st, t_ins, ws, training=False, generator=Generator(seed))   # same mask every call
        return [o for o in outs.values() if o is not None and o.dtype.kind == "f"]

    rng = np.random.default_rng(seed)
    tensors = [Tensor(a, requires_grad=True) for a in arrays]
    outs = run(tensors)
    gys = [rng.standard_normal(o.shape) for o in outs]

    def objective(outs):
        return sum(float(np.sum(to_host(o.array) * g)) for o, g in zip(outs, gys))

    _objective(outs, gys).backward()
    analytic = [np.zeros_like(a) if t.grad is None else np.array(to_host(t.grad.array)) for t, a in zip(tensors, arrays)]
    worst, max_abs, max_rel, checked, kinks = "", 0.0, 0.0, 0, 0
    with no_grad():
        plain = [Tensor(a) for a in arrays]
        for k, a in enumerate(arrays):
            idx = np.arange(a.size) if a.size <= max_elements else rng.choice(a.size, max_elements, False)
            for i, (num, right, left) in zip(idx, differences(lambda: objective(run(plain)), a, idx, eps)):
                if abs(right - left) > 1e-3 * (1 + abs(right) + abs(left)):
                    kinks += 1               # not differentiable here: the two sides disagree
                    continue
                ana = analytic[k].reshape(-1)[i]
                diff = abs(num - ana)
                checked += 1
                if diff >= max_abs:
                    max_abs = diff
                    worst = f"{names[k]}[{', '.join(str(int(j)) for j in np.unravel_index(i, a.shape))}]"
                max_rel = max(max_rel, diff / max(abs(num), abs(ana), 1e-6))
    return NodeGradcheck(float(max_abs), float(max_rel), worst, checked, names, kinks)
