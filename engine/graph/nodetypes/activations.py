"""Activation functions: elementwise non-linearities and the softmax family."""
from ..params import P
from ..registry import register
from ._rules import same


def _act(type_id, title, fn, cover, description, params=(), keywords=()):
    register(type_id=type_id, category="Activations", title=title, description=description,
             inputs=["x"], outputs=["y"], params=params, infer=same(),
             forward=lambda F, ins, w, p, ctx: {"y": fn(F, ins["x"], p)},
             covers=cover, keywords=keywords)


_act("ReLU", "ReLU", lambda F, x, p: F.relu(x), ("functional.relu", "nn.ReLU"),
     "max(0, x): passes positives, zeroes negatives. The default hidden-layer activation.",
     keywords=("rectifier",))
_act("LeakyReLU", "Leaky ReLU", lambda F, x, p: F.leaky_relu(x, p["negative_slope"]),
     ("functional.leaky_relu", "nn.LeakyReLU"), "Like ReLU, but negatives keep a small slope so they still learn.",
     params=[P("negative_slope", "float", 0.01, "slope for x < 0", min=0.0)])
_act("ELU", "ELU", lambda F, x, p: F.elu(x, p["alpha"]), ("functional.elu", "nn.ELU"),
     "x for x > 0, α(eˣ − 1) below: a smooth ReLU.", params=[P("alpha", "float", 1.0, "α", min=0.0)])
_act("GELU", "GELU", lambda F, x, p: F.gelu(x, p["approximate"]), ("functional.gelu", "nn.GELU"),
     "x·Φ(x), the Gaussian error linear unit used by transformers.",
     params=[P("approximate", "choice", "none", "'tanh' uses the faster approximation", choices=("none", "tanh"))])
_act("Sigmoid", "Sigmoid", lambda F, x, p: F.sigmoid(x), ("functional.sigmoid", "nn.Sigmoid"),
     "1 / (1 + e⁻ˣ): squashes to (0, 1), a probability for binary classification.", keywords=("logistic",))
_act("Tanh", "Tanh", lambda F, x, p: F.tanh(x), ("functional.tanh", "nn.Tanh"),
     "Hyperbolic tangent: squashes to (−1, 1), centred on 0.")
_act("Softplus", "Softplus", lambda F, x, p: F.softplus(x, p["beta"], p["threshold"]),
     ("functional.softplus", "nn.Softplus"), "log(1 + eˣ): a smooth ReLU that is always positive.",
     params=[P("beta", "float", 1.0, "sharpness", min=1e-6), P("threshold", "float", 20.0, "linear above β·x > threshold")])
_act("Softmax", "Softmax", lambda F, x, p: F.softmax(x, p["dim"]), ("functional.softmax", "nn.Softmax"),
     "Turns scores into probabilities that sum to 1 along an axis (the classes).",
     params=[P("dim", "int", -1, "the class axis")], keywords=("probabilities",))
_act("LogSoftmax", "Log-softmax", lambda F, x, p: F.log_softmax(x, p["dim"]),
     ("functional.log_softmax", "nn.LogSoftmax"), "log(softmax(x)), computed stably; feeds the NLL loss.",
     params=[P("dim", "int", -1, "the class axis")])
