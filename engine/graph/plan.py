"""Compiled execution of a valid graph.

Compiling fixes, once, the order of the nodes that feed the loss or an output, where each value
lives (a slot per output port), which inputs carry gradients, and each node's weights. A step
then calls each node's forward in order and, for backward, each node's own small tape in reverse
order, passing gradients between slots. Running node by node is what lets the editor show each
node's value and gradient; with no listener the per-node reporting costs one branch per step.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable

import copy
import time

import numpy as np

from .. import functional as F
from ..autograd import backward_many
from ..backend import Device, get_array_module, to_host
from ..dtypes import as_dtype
from ..errors import EngineError
from ..grad_mode import enable_grad, no_grad
from ..random import default_generator
from ..tensor import Tensor
from . import events as ev
from .issues import GraphInvalid  # noqa: F401  (re-exported)
from .shapes import N
from ..typing import ArrayLike, DTypeLike, DeviceLike, TensorLike

if TYPE_CHECKING:
    from .model import Graph, Node
    from .weights import WeightStore
    from ..random import Generator


class Context:
    """What a node's forward may ask of the run: mode, randomness, the batch, the device."""

    def __init__(self, plan):
        self.plan = plan
        self.training = True
        self.generator = plan.generator
        self.batch = {}
        self.float_dtype = plan.dtype
        self.specs = {}

    def constant(self, values):
        return Tensor.wrap(self.plan.device.asarray(np.asarray(values, dtype=self.float_dtype)))

    def batched(self, t):
        """Whether the current node's input x carries the batch dimension first."""
        spec = self.specs.get("x")
        return bool(spec and spec.shape and spec.shape[0] == N)


class _Step:
    __slots__ = ("node", "nt", "params", "inputs", "outputs", "weights", "needs_grad", "in_grad",
                 "in_specs", "tensors_in", "tensors_out", "in_grads")

    def __init__(self, node):
        self.node, self.nt, self.params = node, node.type, node.params
        self.tensors_in = self.tensors_out = None
        self.in_grads = None          # with keep_grads: {input port: this node's ∂L/∂input}


class Plan:
    def __init__(self, graph: Graph, store: WeightStore | None, device: DeviceLike = "cpu",
                 dtype: DTypeLike = "float32", generator: Generator | None = None,
                 targets: Iterable[str] | None = None) -> None:
        a = graph.analysis
        if a.errors:
            raise GraphInvalid(a.errors)
        self.graph = graph
        self.device = Device(device)
        self.dtype = as_dtype(dtype)
        self.generator = generator or default_generator()
        self.loss_node = graph.loss_node()
        self.output_nodes = graph.nodes_of_role("output")
        wanted = set(targets) if targets else {n.id for n in ([self.loss_node] if self.loss_node else []) + self.output_nodes}
        keep = graph.upstream(wanted)
        self.slot_of = {}            # (node, port) -> slot index
        self.steps = []
        carries = {}                 # slot -> whether a gradient flows through it
        used_weights = set()
        for nid in a.order:
            if nid not in keep:
                continue
            node = graph.nodes[nid]
            st = _Step(node)
            edges = graph.incoming(nid)
            st.inputs = [(port, self.slot_of[(e.src, e.src_port)]) for port, e in edges.items()]
            st.in_specs = {port: a.specs[(e.src, e.src_port)] for port, e in edges.items()}
            st.weights = {}
            for name, spec in a.weights.get(nid, {}).items():
                st.weights[name] = store.get(nid, name, spec, self.device, self.dtype, self.generator)
                used_weights.add((nid, name))
            st.in_grad = [carries[s] for _, s in st.inputs]
            st.needs_grad = any(st.in_grad) or any(w.requires_grad for w in st.weights.values())
            st.outputs = []
            for p in node.type.outputs:
                slot = len(self.slot_of)
                self.slot_of[(nid, p.name)] = slot
                st.outputs.append((p.name, slot))
                carries[slot] = st.needs_grad
            self.steps.append(st)
        self.store = store
        self.n_slots = len(self.slot_of)
        self.parameters = [store.tensors[k] for k in sorted(used_weights) if store.tensors[k].requires_grad]
        self.loss_slot = self.slot_of.get((self.loss_node.id, "loss")) if self.loss_node else None
        self.prediction_slot = self.target_slot = None
        if self.loss_node:
            into_loss = graph.incoming(self.loss_node.id)
            e, t = into_loss.get("input"), into_loss.get("target")
            self.prediction_slot = self.slot_of.get((e.src, e.src_port)) if e else None
            self.target_slot = self.slot_of.get((t.src, t.src_port)) if t else None
        self._loss_step = next((st for st in self.steps if st.node is self.loss_node), None)
        self.ctx = Context(self)
        self.values = [None] * self.n_slots
        self.step_count = 0
        self.listener = None
        self.sample_every = 1          # report every k-th step …
        self.sample_interval = 0.0     # … and at most once per this many seconds (0: no limit)
        self._last_report = -1e9
        self._single_tape = False
        self._report_this_step = False
        self.keep_grads = False        # keep every slot's gradient after backward (inspection)
        self.grads = None
        self.capture_before = None     # a node id: keep the generator's state as that node starts
        self.captured_generator = None

    # ------------------------------------------------------------- running
    def forward(self, x: TensorLike, y: ArrayLike | Tensor | None = None, training: bool = True,
                grad: bool | None = None) -> Tensor | None:
        """Run every node on a batch (arrays or tensors on the plan's device). Returns the loss
        tensor (None without a loss node or target). ``grad`` (default: ``training``) records
        the tape, so evaluation-mode values can still be differentiated."""
        grad = training if grad is None else grad
        ctx = self.ctx
        ctx.training = training
        ctx.batch = {"x": _as_tensor(x), "y": None if y is None else _as_tensor(y)}
        values = self.values
        report = self._report_this_step = self._should_report()
        summaries = [] if report else None
        # without per-node reports or kept gradients, nodes pass their output tensors on, so the
        # whole step is one tape and backward one walk; otherwise each node's inputs are fresh
        # leaves and backward goes node by node, which is what the reports read
        single = self._single_tape = bool(grad and not report and not self.keep_grads)
        tensors = [None] * self.n_slots if single else None
        grad_mode = enable_grad() if grad else no_grad()
        with grad_mode:
            for st in self.steps:
                if (st.nt.role == "target" and y is None) or any(values[s] is None for _, s in st.inputs):
                    for _, slot in st.outputs:       # no targets: skip what depends on them
                        values[slot] = None
                    st.tensors_in = st.tensors_out = None
                    continue
                ins = {}
                for (port, slot), g in zip(st.inputs, st.in_grad):
                    t = tensors[slot] if single else None
                    ins[port] = t if t is not None else Tensor.wrap(values[slot], grad and g)
                ctx.specs = st.in_specs
                if st.node.id == self.capture_before:
                    self.captured_generator = copy.deepcopy(ctx.generator)
                try:
                    outs = st.nt.forward(F, ins, st.weights, st.params, ctx)
                except EngineError as exc:
                    raise type(exc)(f"{st.node.label}: {exc}") from None
                st.tensors_in, st.tensors_out = ins, outs
                for port, slot in st.outputs:
                    t = outs.get(port)
                    values[slot] = t.array if t is not None else None
                    if single:
                        tensors[slot] = t
                if report:
                    summaries.append((st, [outs[p] for p, _ in st.outputs if p in outs]))
        if report:
            self._report_forward(summaries)
        if self.loss_slot is None or values[self.loss_slot] is None:
            return None
        return self.loss_tensor()

    def loss_tensor(self) -> Tensor | None:
        if self._loss_step is None:
            raise EngineError("the graph has no loss")
        return self._loss_step.tensors_out["loss"]

    def backward(self) -> None:
        """Gradients of the loss for every trainable weight (in ``.grad``, accumulated)."""
        if self.loss_slot is None:
            raise EngineError("backward: the graph has no loss node to differentiate")
        loss = self.values[self.loss_slot]
        xp = get_array_module(loss)
        if self._single_tape:
            if self._loss_step.tensors_out is None:      # this step's tape was used already
                return
            backward_many([self.loss_tensor()], [xp.ones_like(loss)])
            for st in self.steps:
                st.tensors_in = st.tensors_out = None
            self.step_count += 1
            return
        grads = [None] * self.n_slots
        grads[self.loss_slot] = xp.ones_like(loss)
        report = self.listener is not None and self._report_this_step
        norms = [] if report else None
        for st in reversed(self.steps):
            if not st.needs_grad or st.tensors_out is None:
                continue
            roots, gouts = [], []
            for port, slot in st.outputs:
                g = grads[slot]
                t = st.tensors_out.get(port)
                if g is not None and t is not None and t.requires_grad:
                    roots.append(t)
                    gouts.append(g)
            entry = [st, gouts, {}]
            if report:
                norms.append(entry)
            if not roots:
                continue
            backward_many(roots, gouts)
            if report:                 # what this node sends back along each of its input wires
                entry[2] = {port: t.grad.array for port, t in st.tensors_in.items() if t.grad is not None}
            for (port, slot), carries in zip(st.inputs, st.in_grad):
                t = st.tensors_in[port]
                if carries and t.grad is not None:
                    grads[slot] = t.grad.array if grads[slot] is None else grads[slot] + t.grad.array
            if self.keep_grads:
                st.in_grads = {port: t.grad.array for port, t in st.tensors_in.items() if t.grad is not None}
            st.tensors_in = st.tensors_out = None
        if report:
            self._report_backward(norms)
        if self.keep_grads:
            self.grads = grads
        self.step_count += 1

    def predict(self, x: ArrayLike | Tensor, slot: int | None = None) -> Any:
        """The prediction (the loss's input, or the first Output) for ``x`` in evaluation mode."""
        self.forward(x, None, training=False)
        slot = slot if slot is not None else self.prediction_slot
        if slot is None and self.output_nodes:
            e = self.graph.incoming(self.output_nodes[0].id).get("x")
            slot = self.slot_of[(e.src, e.src_port)]
        return self.values[slot]

    def step_of(self, node_id: str) -> _Step | None:
        """The compiled step of a node (None when the plan does not run it)."""
        return next((s for s in self.steps if s.node.id == node_id), None)

    def run_node(self, step: _Step, inputs: dict[str, Tensor], weights: dict[str, Tensor] | None = None,
                 training: bool = False, generator: Generator | None = None) -> dict[str, Tensor]:
        """One step's node forward again, outside the plan's order (the gradient check, the chain
        rule): on ``inputs`` ({port: Tensor}), with ``weights`` (default: the step's own) and
        ``generator`` for its randomness (default: the plan's). Returns {output port: Tensor}."""
        ctx = self.ctx
        saved = ctx.training, ctx.specs, ctx.generator
        ctx.training, ctx.specs = training, step.in_specs
        ctx.generator = generator if generator is not None else self.generator
        try:
            return step.nt.forward(F, inputs, step.weights if weights is None else weights, step.params, ctx)
        finally:
            ctx.training, ctx.specs, ctx.generator = saved

    def value_of(self, node_id: str, port: str) -> Any:
        return self.values[self.slot_of[(node_id, port)]]

    # ------------------------------------------------------------- diagnostics
    def first_non_finite(self, x: ArrayLike | Tensor, y: ArrayLike | Tensor | None,
                         training: bool = True) -> tuple[Node, str] | None:
        """Re-run a batch and return (node label, what) for the first node whose weights or output
        hold NaN/Inf, or None."""
        for st in self.steps:
            for name, w in st.weights.items():
                if not bool(get_array_module(w.array).isfinite(w.array).all()):
                    return st.node, f"its weight '{name}' contains NaN or Inf"
        saved = self.listener
        self.listener = None
        try:
            with np.errstate(all="ignore"):
                self.forward(x, y, training)
        finally:
            self.listener = saved
        for st in self.steps:
            for port, slot in st.outputs:
                v = self.values[slot]
                if v is not None and v.dtype.kind == "f" and not bool(get_array_module(v).isfinite(v).all()):
                    return st.node, f"its output '{port}' contains NaN or Inf"
        return None

    # ------------------------------------------------------------- reporting
    def _should_report(self):
        if self.listener is None or self.step_count % self.sample_every:
            return False
        if self.sample_interval:
            now = time.perf_counter()
            if now - self._last_report < self.sample_interval:
                return False
            self._last_report = now
        return True

    def _report_forward(self, summaries):
        rows, shapes = [], []
        on_host = self.device.type == "cpu"
        xp = self.device.xp
        counts = {}
        for st, outs in summaries:
            t = outs[0].array if outs else None
            shapes.append(None if t is None else tuple(t.shape))
            if t is None or t.size == 0 or t.dtype.kind != "f":
                if t is not None and t.dtype.kind in "iu" and 0 < t.size <= 1_000_000:
                    counts[st] = _label_counts(to_host(t))       # class labels: say which, not "0 ± 0"
                rows.append((0.0, 0.0, 0.0, 0.0) if on_host else xp.zeros(4))
                continue
            flat = t.reshape(-1)
            if on_host:
                # min, max, sum and one BLAS dot give all four statistics
                n = flat.size
                mean = float(flat.sum()) / n
                var = max(float(np.dot(flat, flat)) / n - mean * mean, 0.0)
                rows.append((mean, var ** 0.5, float(flat.min()), float(flat.max())))
            else:
                rows.append(xp.stack([flat.mean(), flat.std(), flat.min(), flat.max()]).astype(np.float64))
        if not on_host and rows:
            rows = to_host(xp.stack(rows))      # one copy from the device per pass
        step = self.step_count
        for (st, _), shape, row in zip(summaries, shapes, rows):
            self.listener(ev.ForwardStart(step, st.node.id))
            c = counts.get(st)
            if c is not None:
                values = [v for v, _ in c]
                n = sum(k for _, k in c)
                mean = sum(v * k for v, k in c) / n
                summary = ev.ValueSummary(shape, mean, 0.0, float(min(values)), float(max(values)), c)
            else:
                summary = ev.ValueSummary(shape, *map(float, row))
            self.listener(ev.ForwardEnd(step, st.node.id, summary))

    def _report_backward(self, norms):
        xp = self.device.xp
        vals, index = [], []
        sq = (lambda a: float(np.dot(a.reshape(-1), a.reshape(-1)))) if xp is np else \
             (lambda a: (a * a).sum().astype(np.float64))
        for st, gouts, ins in norms:
            vals.append(sum(sq(gg) for gg in gouts) if gouts else 0.0)
            names = []
            for name, w in st.weights.items():
                if w.grad is not None:
                    vals.append(sq(w.grad.array))
                    names.append(name)
            for port, g in ins.items():
                vals.append(sq(g))
            index.append((st, names, list(ins)))
        if xp is np:
            host = np.sqrt(np.asarray(vals, dtype=np.float64))
        else:
            host = np.sqrt(to_host(xp.stack([xp.asarray(v, dtype=np.float64) for v in vals]))) if vals else np.zeros(0)
        i = 0
        step = self.step_count
        for st, names, ports in index:
            gn = float(host[i])
            i += 1
            wn, pn = {}, {}
            for name in names:
                wn[name] = float(host[i])
                i += 1
            for port in ports:
                pn[port] = float(host[i])
                i += 1
            self.listener(ev.BackwardEnd(step, st.node.id, gn, wn, pn))


def _label_counts(a):
    """((value, count), …) of an integer array, the 20 most frequent values at most."""
    values, n = np.unique(np.asarray(a).reshape(-1), return_counts=True)
    top = np.argsort(-n, kind="stable")[:20]
    return tuple((int(values[i]), int(n[i])) for i in sorted(top))


def _as_tensor(v):
    return v if isinstance(v, Tensor) else Tensor.wrap(v)



