"""Data for the inspection views (node values, confusion matrix, decision boundary and fitted curve,
neurons, gradient check, chain rule): the graph's data set prepared as training sees it, and
predictions from a copy of the current weights. Computed on the GUI thread from small batches; rebuilt when the graph or its
configuration changes."""
import os

import numpy as np

from engine.errors import EngineError
from engine.graph import diagnostics as D
from engine.graph.chain_rule import explain
from engine.graph.neurons import dense_chain, neurons, plane
from engine.graph.plan import Plan
from engine.graph.training import training_config
from engine.graph.training_data import TrainingData
from engine.graph.weights import WeightStore
from engine.random import Generator
from engine.graph import changes as ch


class InspectionSource:
    def __init__(self, document):
        self.document = document
        self._data = None
        self._cfg = None
        self.error = None
        self._unsubscribe = document.graph.subscribe(self._changed)

    def detach(self):
        self._unsubscribe()

    def forget(self):
        """Prepare the data again at the next use (e.g. once the user allowed a file)."""
        self._data = None

    def _changed(self, e):
        if not isinstance(e, ch.COSMETIC):
            self._data = None

    def data(self):
        """The graph's data prepared as training sees it (TrainingData, on the CPU), or None with
        ``error`` set."""
        if self._data is None:
            doc = self.document
            base = os.path.dirname(doc.path) if doc.path else "."
            try:
                self._cfg = training_config({**doc.graph.config.get("training", {}), "device": "cpu"})
                self._data = TrainingData.for_graph(doc.graph, self._cfg, np, base, allow=set(doc.trusted_data))
                self.error = None
            except (EngineError, OSError, ValueError) as exc:
                self.error = str(exc)
                return None
        return self._data

    def applicability(self):
        """{view: None, or why it does not apply to this graph} for 'values', 'confusion' and
        'boundary', read from the graph's analysis (no data is prepared)."""
        g = self.document.graph
        loss = g.loss_node()
        task = loss.type.task if loss is not None else None
        inputs = g.nodes_of_role("input")
        spec = g.analysis.specs.get((inputs[0].id, "x")) if len(inputs) == 1 else None
        sample = tuple(spec.shape[1:]) if spec is not None else None
        data = None if g.config.get("dataset") else "no data set is chosen: pick one in Training setup"
        out = {"values": data}
        if task is None:
            out["confusion"] = "the confusion matrix is for classifiers; this graph has no loss node yet"
        elif task == "regression":
            out["confusion"] = (f"the confusion matrix is for classifiers; {loss.label} is a regression loss "
                                "(see the curves' MAE instead)")
        else:
            out["confusion"] = data
        out["neurons"] = data if dense_chain(g) is not None else (
            "the neuron view draws networks of Dense layers (Input → Dense → activation → …); this graph is built "
            "from other nodes")
        out["boundary_kind"] = "curve" if (sample == (1,) and task == "regression") else "plane"
        if sample == (1,) and task == "regression":
            out["boundary"] = data                       # the fitted curve over the one input
        elif sample != (2,):
            what = "no Input shape yet" if sample is None else f"samples of shape {list(sample)}"
            out["boundary"] = (f"the decision boundary is drawn over a plane of 2 input features (or, for a "
                               f"regression, a curve over 1); this graph has {what}")
        elif task not in ("binary", "multiclass"):
            out["boundary"] = "the decision boundary is for classifiers (a classification loss)"
        else:
            out["boundary"] = data
        return out

    def batch(self):
        tr = self.data()
        if tr is None:
            return None, None
        idx = tr.first_batch(self._cfg)[:64]
        return tr.x_train[idx], tr.y_train[idx]

    def validation(self):
        tr = self.data()
        if tr is None:
            return None, None
        return tr.host("validation")

    @property
    def task(self):
        tr = self.data()
        return tr.task if tr is not None else None

    def probe(self, node_id):
        x, y = self.batch()
        if x is None:
            return None
        return D.probe(self.document.graph, self.document.store, node_id, x, y)

    def gradcheck(self, node_id):
        x, y = self.batch()
        if x is None:
            return None
        return D.gradcheck_node(self.document.graph, self.document.store, node_id, x, y)

    def predictor(self):
        """predict(x) with a copy of the current weights, in evaluation mode."""
        plan = Plan(self.document.graph, self.document.store.copy(), "cpu", "float32", Generator(0))

        def predict(x):
            out = []
            for i in range(0, len(x), 1024):
                out.append(np.asarray(plan.predict(x[i:i + 1024])))
            return np.concatenate(out)
        return predict

    def confusion(self):
        """(matrix, class names) on the validation set, or None for a non-classifier."""
        if self.task not in ("binary", "multiclass"):
            return None
        x, y = self.validation()
        pred = self.predictor()(x)
        tr = self.data()
        truth, guess = tr.rule.true_labels(y), tr.rule.predicted_labels(pred)
        width = pred.reshape(len(pred), -1).shape[1]
        n = max(int(truth.max()) + 1, int(guess.max()) + 1, width if width > 1 else 2)
        return D.confusion_matrix(truth, guess, n), list(tr.class_names)

    def decision_boundary(self, resolution=128):
        """For a classifier of 2 input features: (xs, ys, probabilities (res × res × classes),
        training points, training labels, validation points, validation labels); else None."""
        tr = self.data()
        if tr is None or tr.sample_shape != (2,) or self.task == "regression":
            return None
        x, y = tr.host("train")
        xv, yv = tr.host("validation") if tr.x_val is not None else (x[:0], y[:0])
        both = np.concatenate([x, xv]) if len(xv) else x
        xs, ys, probs = D.probability_grid(self.predictor(), tr.rule, both, resolution)
        return xs, ys, probs, x, tr.rule.true_labels(y), xv, tr.rule.true_labels(yv) if len(yv) else np.zeros(0, np.int64)

    def fitted_curve(self):
        """For a regression of 1 input feature: (xs, prediction, train x, train y, val x, val y)."""
        tr = self.data()
        if tr is None or tr.sample_shape != (1,) or self.task != "regression":
            return None
        x, y = tr.host("train")
        x, y = x[:, 0], y.reshape(len(y), -1)[:, 0]
        if tr.x_val is not None:
            xv, yv = tr.host("validation")
            xv, yv = xv[:, 0], yv.reshape(len(yv), -1)[:, 0]
        else:
            xv, yv = x[:0], y[:0]
        xs, pred = D.fitted_curve(self.predictor(), np.concatenate([x, xv]))
        return xs, pred, x, y, xv, yv

    def feature_names(self):
        """Names of the input features (the data set's, or x₁, x₂, … as the Input sees them)."""
        tr = self.data()
        if tr is None:
            return []
        names = list(tr.feature_names)
        n = int(np.prod(tr.sample_shape))
        normalize = (self.document.graph.config.get("dataset") or {}).get("normalize", "none")
        suffix = {"standardize": " (standardized)", "minmax": " (scaled to 0…1)"}.get(normalize, "")
        if len(names) != n:
            names = [f"x{''.join('₀₁₂₃₄₅₆₇₈₉'[int(d)] for d in str(i + 1))}" for i in range(n)]
        return [nm + suffix for nm in names]


# ----------------------------------------------------------------------------- chain rule
def chain_rule_of(recording, node_id, sample=0):
    """The chain rule at ``node_id`` with the numbers of a recorded step (see engine/graph/chain_rule.py);
    raises ValueError when the node has nothing to explain (a data node, no gradient)."""
    store = WeightStore()
    store.load_state(recording.weights_before)
    return explain(recording.graph, store, node_id, recording.x, recording.y, sample=sample,
                   generator=recording.generator_before)


# ----------------------------------------------------------------------------- neurons
def neurons_of(source, sample=0, resolution=40, max_units=16):
    """The units of the source's graph (engine/graph/neurons.py): over the plane of its 2 inputs,
    or on validation sample ``sample``; None with ``source.error`` set when it has no Dense chain."""
    tr = source.data()
    if tr is None:
        return None
    graph = source.document.graph
    if dense_chain(graph) is None:
        source.error = "the neuron view draws networks of Dense layers (Input → Dense → activation → …)"
        return None
    if tr.sample_shape == (2,):
        pts, grid = plane(tr.host("train")[0], resolution)
        out = neurons(graph, source.document.store, pts, max_units, grid)
    else:
        x, _ = source.validation()
        x = x.reshape(len(x), -1)
        out = neurons(graph, source.document.store, x[sample % len(x)][None], max_units)
    if out is not None:
        out.input_names = source.feature_names()
    return out
