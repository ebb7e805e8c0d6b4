"""One real training step, recorded node by node for "Animate one step": the forward pass (each
node's value), the backward pass (each node's gradient, each wire's share of it, each weight's
gradient), and the update (how far each weight moved). It also keeps what the chain-rule panel
needs to recompute any node's gradient exactly: the batch, the weights before the update and the
random state (dropout masks). Runs on the worker thread; no Qt here."""
import copy
from dataclasses import dataclass, field

import numpy as np

from engine.backend import to_host
from engine.graph import events as ev


@dataclass
class StepRecording:
    forward: list = field(default_factory=list)    # [(node id, ValueSummary)] in execution order
    backward: list = field(default_factory=list)   # [(node id, grad norm, {weight: grad norm})], reverse order
    wires: dict = field(default_factory=dict)      # {(node id, input port): ‖gradient sent back along it‖}
    updates: list = field(default_factory=list)    # [(node id, {weight: (‖Δw‖, ‖∂L/∂w‖)})], in order
    loss: float = None
    optimizer: str = ""
    lr: float = 0.0
    plain_sgd: bool = False          # Δw = −lr·∂L/∂w exactly (SGD without momentum or decay)
    graph: object = None             # the graph the step ran on (a snapshot)
    x: object = None                 # the batch
    y: object = None
    weights_before: dict = None      # weight store state before the update
    generator_before: object = None  # random state before the forward pass


def record_step(tr):
    """Set the trainer up, train its first batch with every node reporting; the recording."""
    rec = StepRecording()

    def listen(e):
        if isinstance(e, ev.ForwardEnd):
            rec.forward.append((e.node, e.value))
        elif isinstance(e, ev.BackwardEnd):
            rec.backward.append((e.node, e.grad_norm, dict(e.weight_grad_norms)))
            for port, norm in e.input_grad_norms.items():
                rec.wires[(e.node, port)] = norm
    tr.setup()
    plan = tr.plan
    plan.listener, plan.sample_every, plan.sample_interval = listen, 1, 0.0
    idx = tr.first_batch()
    rec.graph = tr.graph
    rec.x, rec.y = np.array(to_host(tr.data.x_train[idx])), np.array(to_host(tr.data.y_train[idx]))
    rec.weights_before = tr.store.state()
    rec.generator_before = copy.deepcopy(plan.generator)
    before = {(st.node.id, name): np.array(to_host(w.array)) for st in plan.steps for name, w in st.weights.items()
              if w.requires_grad}
    rec.loss, _ = tr.train_batch(idx)
    group = tr.optimizer.param_groups[0]
    rec.optimizer, rec.lr = tr.cfg["optimizer"], float(group["lr"])
    rec.plain_sgd = (rec.optimizer == "sgd" and not tr.cfg["momentum"] and not tr.cfg["weight_decay"]
                     and tr.cfg["clip_grad_norm"] is None)
    grads = {nid: wn for nid, _, wn in rec.backward}
    for st in plan.steps:
        moved = {}
        for name, w in st.weights.items():
            key = (st.node.id, name)
            if key in before:
                delta = np.array(to_host(w.array)) - before[key]
                moved[name] = (float(np.sqrt((delta.astype(np.float64) ** 2).sum())),
                               grads.get(st.node.id, {}).get(name, 0.0))
        if moved:
            rec.updates.append((st.node.id, moved))
    return rec
