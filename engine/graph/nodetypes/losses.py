"""Losses, by task: what training minimizes. Each compares the model's output ('input') with the
dataset's 'target' and produces one number."""
from ..params import P
from ..registry import TensorSpec, register
from ..shapes import fmt
from ._rules import fail, need_float

REDUCTION = P("reduction", "choice", "mean", "average or add up over the samples", choices=("mean", "sum"))


def _same_shape(ins, p):
    need_float(ins, "input")
    a, b = ins["input"].shape, ins["target"].shape
    if a != b:
        fail(f"prediction {fmt(a)} and target {fmt(b)} must have the same shape", "target")
    return {"loss": TensorSpec(())}


def _class_rule(ins, p):
    need_float(ins, "input")
    x, t = ins["input"], ins["target"]
    if len(x.shape) < 2:
        fail(f"prediction must be N×classes, got {fmt(x.shape)}", "input")
    if t.dtype == "int":
        want = (x.shape[0],) + x.shape[2:]
        if t.shape != want:
            fail(f"integer labels for prediction {fmt(x.shape)} must have shape {fmt(want)}, got {fmt(t.shape)}", "target")
    elif t.shape != x.shape:
        fail(f"class probabilities must have the prediction's shape {fmt(x.shape)}, got {fmt(t.shape)}", "target")
    return {"loss": TensorSpec(())}


def _loss(type_id, title, task, rule, fn, cover, description, params=(), keywords=(), expects=None):
    """A loss node type. ``expects`` says what the prediction holds, so the window and the metrics
    read it right: 'values' (regression), 'logits', 'probabilities', 'log_probabilities', 'scores'."""
    register(type_id=type_id, category="Losses", role="loss", task=task, expects=expects or "values", title=title,
             description=description, inputs=["input", "target"], outputs=["loss"],
             params=(REDUCTION,) + tuple(params), infer=rule,
             forward=lambda F, ins, w, p, ctx: {"loss": fn(F, ins["input"], ins["target"], p)},
             covers=cover, keywords=("loss", "objective", task) + tuple(keywords))


# regression
_loss("MSE", "Mean squared error", "regression", _same_shape,
      lambda F, x, t, p: F.mse_loss(x, t, p["reduction"]), ("functional.mse_loss", "nn.MSELoss"),
      "Average of (prediction − target)²: the standard regression loss; punishes big misses hard.",
      keywords=("l2", "squared error"))
_loss("MSLE", "Mean squared log error", "regression", _same_shape,
      lambda F, x, t, p: F.msle_loss(x, t, p["reduction"]), ("functional.msle_loss", "nn.MSLELoss"),
      "Average of (log(1+prediction) − log(1+target))²: cares about relative error; values must be > −1.")
_loss("MAE", "Mean absolute error", "regression", _same_shape,
      lambda F, x, t, p: F.l1_loss(x, t, p["reduction"]), ("functional.l1_loss", "nn.L1Loss"),
      "Average of |prediction − target|: robust to outliers.", keywords=("l1",))
_loss("Huber", "Huber", "regression", _same_shape,
      lambda F, x, t, p: F.huber_loss(x, t, p["reduction"], p["delta"]), ("functional.huber_loss", "nn.HuberLoss"),
      "Squared error for small misses, absolute error beyond delta.",
      params=[P("delta", "float", 1.0, "where it turns from squared to linear", min=1e-9)], keywords=("smooth l1",))
# binary classification
_loss("BinaryCrossEntropy", "Binary cross-entropy", "binary", _same_shape,
      lambda F, x, t, p: F.binary_cross_entropy(x, t, p["reduction"]),
      ("functional.binary_cross_entropy", "nn.BCELoss"),
      "−[t·log p + (1−t)·log(1−p)] on probabilities p (after a Sigmoid), targets 0 or 1.", keywords=("bce", "log loss"),
      expects="probabilities")
_loss("BCEWithLogits", "Binary cross-entropy (logits)", "binary", _same_shape,
      lambda F, x, t, p: F.binary_cross_entropy_with_logits(x, t, p["reduction"]),
      ("functional.binary_cross_entropy_with_logits", "nn.BCEWithLogitsLoss"),
      "Sigmoid and binary cross-entropy in one numerically stable step, on raw scores.", keywords=("bce",),
      expects="logits")
_loss("Hinge", "Hinge", "binary", _same_shape,
      lambda F, x, t, p: F.hinge_loss(x, t, p["reduction"]), ("functional.hinge_loss", "nn.HingeLoss"),
      "max(0, 1 − t·score) with targets −1/1 (0/1 are mapped): the SVM loss.", keywords=("svm",), expects="scores")
_loss("SquaredHinge", "Squared hinge", "binary", _same_shape,
      lambda F, x, t, p: F.squared_hinge_loss(x, t, p["reduction"]),
      ("functional.squared_hinge_loss", "nn.SquaredHingeLoss"), "max(0, 1 − t·score)²: a smoother hinge that punishes large violations more.",
      expects="scores")
# multi-class classification
_loss("CrossEntropy", "Cross-entropy (sparse)", "multiclass", _class_rule,
      lambda F, x, t, p: F.cross_entropy(x, t, reduction=p["reduction"]),
      ("functional.cross_entropy", "nn.CrossEntropyLoss"),
      "Softmax and negative log-likelihood in one step, on raw class scores and integer labels "
      "(sparse categorical cross-entropy).", keywords=("sparse categorical", "softmax", "classification"),
      expects="logits")
_loss("CategoricalCrossEntropy", "Categorical cross-entropy", "multiclass", _class_rule,
      lambda F, x, t, p: F.categorical_cross_entropy(x, t, reduction=p["reduction"]),
      ("functional.categorical_cross_entropy", "nn.CategoricalCrossEntropy"),
      "−Σ t·log p on probabilities (after a Softmax) and one-hot target rows.", keywords=("one-hot", "classification"),
      expects="probabilities")
_loss("NLL", "Negative log-likelihood", "multiclass", _class_rule,
      lambda F, x, t, p: F.nll_loss(x, t, reduction=p["reduction"]), ("functional.nll_loss", "nn.NLLLoss"),
      "−log p of the true class, on log-probabilities (after a LogSoftmax) and integer labels.",
      expects="log_probabilities")
_loss("KLDivergence", "KL divergence", "multiclass", _same_shape,
      lambda F, x, t, p: F.kl_div(x, t, "batchmean" if p["reduction"] == "mean" else "sum"),
      ("functional.kl_div", "nn.KLDivLoss"),
      "How far the predicted distribution (log-probabilities) is from the target distribution.",
      keywords=("kullback", "distribution"), expects="log_probabilities")
