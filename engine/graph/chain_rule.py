"""The chain rule at one node, with the numbers of one training step.

For one sample s and one element i of a node's input x:

    ∂L/∂x[s,i] = Σ_k ∂L/∂y[s,k] · ∂y[s,k]/∂x[s,i]

the gradient arriving at the node's output y (from the nodes after it) times the node's local
derivative, summed over the outputs that x[s,i] influences. Everything here comes from the
engine's own autodiff, in float64: the incoming gradient and the engine's ∂L/∂x from a backward
pass of the whole graph, the local derivatives from backward passes through the node alone (one
per output element, with a one-hot upstream gradient), so the sum can be checked against the
engine's result. For an element-wise node the sum has a single term: incoming × f′(x). A node
that mixes samples (batch normalization while training) also passes gradient through the other
samples' outputs: that share is reported as such.
"""
import copy
from dataclasses import dataclass, field

import numpy as np

from ..autograd import backward_many
from ..random import Generator
from ..tensor import Tensor
from .plan import Plan
from .weights import WeightStore

MAX_TERMS = 256          # local derivatives computed (largest incoming gradients first)


@dataclass
class ChainRule:
    node: str                    # label
    port: str                    # which input
    sample: int
    element: tuple               # index of x[s] (without the batch dimension)
    kind: str                    # 'loss', 'elementwise', 'sum'
    terms: list = field(default_factory=list)    # [(output index, ∂L/∂y, ∂y/∂x, product)], largest first
    listed: float = 0.0          # Σ of the terms listed
    rest: float = 0.0            # the same sample's terms not listed (over MAX_TERMS, or zero)
    others: float = 0.0          # through the other samples' outputs (batch-mixing nodes)
    unlisted: int = 0            # output elements whose terms were not listed
    engine: float = 0.0          # ∂L/∂x[s,i] as the engine's backward pass computed it
    x: float = 0.0               # the input value itself
    loss: float = None

    same: float = None           # the same sample's share, from one backward pass through the node alone

    @property
    def total(self):
        return self.listed + self.rest + self.others

    @property
    def matches(self):
        """The node replayed alone gives back the engine's gradient (its own sample's share plus
        the other samples', each from its own backward pass), and the listed terms add up to the
        sample's share when all are listed — both to 1e-6, relatively."""
        tol = 1e-6 * max(abs(self.engine), 1e-30)
        if self.same is None:
            return abs(self.listed - self.engine) <= tol
        whole = abs(self.same + self.others - self.engine) <= tol
        terms = self.unlisted > 0 or abs(self.listed - self.same) <= 1e-6 * max(abs(self.same), 1e-30)
        return whole and terms


def _batched_input(plan_step):
    """The input port that carries the batch (the one to explain), or None."""
    spec_ports = [(p, s) for p, s in plan_step.in_specs.items() if s is not None and s.shape and s.shape[0] == "N"]
    for name in ("x", "input", "a"):
        for p, _ in spec_ports:
            if p == name:
                return p
    return spec_ports[0][0] if spec_ports else None


def explain(graph, store, node_id, x, y, sample=0, element=None, port=None, generator=None, training=True):
    """The chain rule at ``node_id`` for sample ``sample`` and element ``element`` of its input
    (default: the element with the largest gradient), on the batch (x, y) with the weights in
    ``store`` (those before the step's update) and the random state ``generator`` had before the
    step (so dropout draws the same masks)."""
    gen = copy.deepcopy(generator) if generator is not None else Generator(0)
    work = WeightStore()
    work.load_state(store.state())
    plan = Plan(graph, work, "cpu", "float64", gen)
    plan.keep_grads = True
    plan.capture_before = node_id             # the generator's state when this node runs
    loss = plan.forward(np.asarray(x, dtype=np.float64) if np.asarray(x).dtype.kind == "f" else x,
                        None if y is None else (np.asarray(y, dtype=np.float64) if np.asarray(y).dtype.kind == "f"
                                                else y), training=training)
    plan.backward()
    st = next(s for s in plan.steps if s.node.id == node_id)
    port = port or _batched_input(st)
    if port is None:
        raise ValueError(f"{st.node.label} has no input that carries the batch")
    slot_in = dict(st.inputs)[port]
    x_val = plan.values[slot_in]
    g_in = st.in_grads.get(port) if st.in_grads else None
    if g_in is None:
        # the data needs no gradient; a weight does (a layer's own, or a Parameter wired in)
        other = next((p for p in (st.in_grads or {}) if p != port), None)
        if other is not None or any(w.grad is not None for w in st.weights.values()):
            return _weight_rule(plan, st, loss, training, other)
        raise ValueError(f"no gradient reaches {st.node.label}'s input '{port}'")
    per_sample = x_val[sample]
    if element is None:
        element = tuple(int(i) for i in np.unravel_index(int(np.argmax(np.abs(g_in[sample]))), per_sample.shape))
    element = tuple(element)
    out = ChainRule(st.node.label, port, sample, element, "sum", engine=float(g_in[sample][element]),
                    x=float(per_sample[element]), loss=float(loss.array) if loss is not None else None)
    out_port, out_slot = st.outputs[0]
    g_out = plan.grads[out_slot]
    if st.node.type.role == "loss":
        # L is the loss itself: ∂L/∂L = 1, and the local derivative is the gradient the loss sends back
        out.kind = "loss"
        out.terms = [((), 1.0, out.engine, out.engine)]
        out.listed = out.engine
        return out
    ins, y_t = _node_alone(plan, st, port, training)
    n_out = int(np.prod(y_t.array.shape[1:])) if y_t.array.ndim > 1 else 1
    upstream_s = g_out[sample].reshape(-1) if g_out is not None else np.zeros(n_out)
    order = list(np.argsort(-np.abs(upstream_s), kind="stable")[:MAX_TERMS])
    if n_out == per_sample.size:               # the output at the same place first (element-wise ops)
        same_place = int(np.ravel_multi_index(element, per_sample.shape))
        order = [same_place] + [k for k in order if k != same_place][:MAX_TERMS - 1]
    chosen = order
    out.unlisted = max(0, n_out - len(chosen))
    terms = []
    for k in chosen:
        onehot = np.zeros_like(y_t.array)
        onehot.reshape(len(onehot), -1)[sample, k] = 1.0
        ins[port].grad = None
        backward_many([y_t], [onehot], retain_graph=True)
        local = float(ins[port].grad.array[sample][element]) if ins[port].grad is not None else 0.0
        k_index = tuple(int(i) for i in np.unravel_index(int(k), y_t.array.shape[1:])) if y_t.array.ndim > 1 else ()
        terms.append((k_index, float(upstream_s[k]), local, float(upstream_s[k]) * local))
    # the same sample's share, all at once, and — separately — what the other samples' outputs pass
    # back (batch normalization mixes samples); the two must add up to the engine's gradient
    same = _through(ins[port], y_t, g_out, sample, element, own=True)
    others = _through(ins[port], y_t, g_out, sample, element, own=False)
    nonzero = [t for t in terms if t[2] != 0.0]          # outputs x[s,i] does not touch drop out of the sum
    out.kind = "elementwise" if len(nonzero) <= 1 and n_out == int(np.prod(per_sample.shape)) else "sum"
    out.terms = sorted(nonzero or terms[:1], key=lambda t: -abs(t[3]))
    out.listed = float(sum(t[3] for t in terms))
    out.same = same
    out.rest = same - out.listed if out.unlisted else 0.0
    out.others = others
    return out


def _through(x, y_t, g_out, sample, element, own):
    """∂L/∂x[sample][element] through the node's outputs of ``sample`` only (own) or of the others."""
    x.grad = None
    masked = np.zeros_like(g_out)
    if own:
        masked[sample] = g_out[sample]
    else:
        masked[:] = g_out
        masked[sample] = 0.0
    backward_many([y_t], [masked], retain_graph=True)
    return float(x.grad.array[sample][element]) if x.grad is not None else 0.0


def _node_alone(plan, st, port, training):
    """The node's forward again, on the same inputs with the same random state: (inputs, y)."""
    ins = {}
    for p, slot in st.inputs:
        v = plan.values[slot]
        ins[p] = Tensor.wrap(v, p == port and v.dtype.kind == "f")
    out = plan.run_node(st, ins, training=training, generator=copy.deepcopy(plan.captured_generator))
    return ins, out[st.outputs[0][0]]


def _weight_rule(plan, st, loss, training, port=None):
    """For a node fed by the data itself (which needs no gradient): the gradient of its weight's
    (or of the weight-like input ``port``'s) largest element is the sum over the batch of what
    each sample sends back."""
    ins, y_t = _node_alone(plan, st, port, training)
    if port is not None:
        name, w, what = port, ins[port], f"input '{port}'"
        engine = st.in_grads[port]
    else:
        name, w = next((n, w) for n, w in st.weights.items() if w.grad is not None)
        what, engine = f"weight '{name}'", w.grad.array
    element = tuple(int(i) for i in np.unravel_index(int(np.argmax(np.abs(engine))), engine.shape))
    out = ChainRule(st.node.label, what, None, element, "weight", engine=float(engine[element]),
                    x=float(w.array[element]), loss=float(loss.array) if loss is not None else None)
    g_out = plan.grads[st.outputs[0][1]]
    terms = []
    for s in range(len(g_out)):
        w.grad = None
        masked = np.zeros_like(g_out)
        masked[s] = g_out[s]
        backward_many([y_t], [masked], retain_graph=True)
        part = float(w.grad.array[element]) if w.grad is not None else 0.0
        terms.append(((s,), float(np.abs(g_out[s]).sum()), None, part))
    out.terms = sorted(terms, key=lambda t: -abs(t[3]))
    out.listed = float(sum(t[3] for t in terms))
    return out
