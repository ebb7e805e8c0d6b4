"""Data for the inspection views (node values, confusion matrix, decision boundary, gradient
check): the graph's data set prepared as training sees it, and predictions from a copy of the
current weights. Computed on the GUI thread from small batches; rebuilt when the graph or its
configuration changes."""
import os

import numpy as np

from engine.errors import EngineError
from engine.graph import diagnostics as D
from engine.graph.plan import Plan
from engine.graph.training import Trainer
from engine.random import Generator


class InspectionSource:
    def __init__(self, document):
        self.document = document
        self._trainer = None
        self.error = None
        self._unsubscribe = document.graph.subscribe(self._changed)

    def detach(self):
        self._unsubscribe()

    def _changed(self, e):
        if e.kind not in ("node_moved", "node_renamed"):
            self._trainer = None

    def data(self):
        """A Trainer set up on the CPU (for its prepared arrays), or None with ``error`` set."""
        if self._trainer is None:
            doc = self.document
            base = os.path.dirname(doc.path) if doc.path else "."
            try:
                self._trainer = Trainer(doc.graph, D.copy_store(doc.store), base_dir=base).setup({"device": "cpu"})
                self.error = None
            except (EngineError, OSError, ValueError) as exc:
                self.error = str(exc)
                return None
        return self._trainer

    def batch(self):
        tr = self.data()
        if tr is None:
            return None, None
        idx = tr.first_batch()[:64]
        return np.asarray(tr._xtr[idx]), np.asarray(tr._ytr[idx])

    def validation(self):
        tr = self.data()
        if tr is None:
            return None, None
        if tr._xva is not None:
            return np.asarray(tr._xva), np.asarray(tr._yva)
        return np.asarray(tr._xtr), np.asarray(tr._ytr)

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
        plan = Plan(self.document.graph, D.copy_store(self.document.store), "cpu", "float32", Generator(0))

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
        threshold = 0.5 if tr.loss_type == "BinaryCrossEntropy" else 0.0
        truth, guess = D.class_labels(y), D.predicted_labels(pred, threshold)
        width = pred.reshape(len(pred), -1).shape[1]
        n = max(int(truth.max()) + 1, int(guess.max()) + 1, width if width > 1 else 2)
        return D.confusion_matrix(truth, guess, n), list(tr.train_set.class_names or [])

    def decision_boundary(self, resolution=64):
        """(xs, ys, z, points, labels) for a graph whose samples are 2 numbers, else None."""
        tr = self.data()
        if tr is None or tuple(tr.train_set.sample_shape) != (2,) or self.task == "regression":
            return None
        x, y = np.asarray(tr._xtr), np.asarray(tr._ytr)
        xs, ys, z = D.decision_grid(self.predictor(), x, resolution)
        return xs, ys, z, x, D.class_labels(y)
