"""Data entering the graph (the dataset's features and labels), hand-made tensors, and outputs."""
import numpy as np

from ...nn.init import INITIALIZERS
from ..params import P
from ..registry import TensorSpec, WeightSpec, register
from ...errors import ShapeError
from ..shapes import N, numel

register(
    type_id="Input", category="Data", role="input", title="Input",
    description="The dataset's features, one row per sample; the leading N is the batch size.",
    outputs=["x"],
    params=[P("shape", "ints", (2,), "shape of one sample (without the batch dimension)", min=1, length=(0, 4)),
            P("dtype", "choice", "float32", "integer ids feed Embedding layers", choices=("float32", "int64"))],
    infer=lambda ins, p: {"x": TensorSpec((N,) + tuple(p["shape"]), "int" if p["dtype"] == "int64" else "float")},
    forward=lambda F, ins, w, p, ctx: {"x": ctx.batch["x"]},
    keywords=("features", "data", "placeholder"),
)

register(
    type_id="Target", category="Data", role="target", title="Target",
    description="The dataset's labels or target values, one per sample, for the loss to compare with.",
    outputs=["y"],
    params=[P("shape", "ints", (), "shape of one target (empty for one class label or number)", min=1, length=(0, 4)),
            P("dtype", "choice", "int64", "int64 for class labels, float32 for values or one-hot rows",
              choices=("int64", "float32"))],
    infer=lambda ins, p: {"y": TensorSpec((N,) + tuple(p["shape"]), "int" if p["dtype"] == "int64" else "float")},
    forward=lambda F, ins, w, p, ctx: {"y": ctx.batch["y"]},
    keywords=("labels", "y", "ground truth"),
)


def _param_weights(ins, p):
    shape = tuple(p["shape"])
    return {"value": WeightSpec(shape, p["init"], shape[0] if shape else 1, p["trainable"])}


register(
    type_id="Parameter", category="Data", role="parameter", title="Parameter",
    description="A trainable tensor built by hand, such as the weight matrix W or bias b of a "
                "model written with low-level ops.",
    outputs=["value"],
    params=[P("shape", "ints", (1,), "shape of the tensor (no batch dimension)", min=1, length=(0, 4)),
            P("init", "choice", "default", "how it starts: 'default' is U(±1/√shape[0])", choices=INITIALIZERS),
            P("trainable", "bool", True, "whether the optimizer updates it")],
    infer=lambda ins, p: {"value": TensorSpec(tuple(p["shape"]))},
    weights=_param_weights,
    forward=lambda F, ins, w, p, ctx: {"value": w["value"]},
    keywords=("weight", "bias", "variable", "tensor"),
)


def _constant_shape(p):
    """The Constant's shape, worked out from the parameters without building the array (a
    shape of millions of elements costs nothing until the graph runs)."""
    n = len(p["values"])
    shape = tuple(p["shape"]) if p["shape"] else (() if n == 1 else (n,))
    if n != 1 and numel(shape) != n:
        raise ShapeError(f"{n} values do not fill shape {shape}")
    return shape


def _constant_value(p):
    shape = _constant_shape(p)
    values = np.asarray(p["values"], dtype=np.float64)
    return np.full(shape, values.item()) if values.size == 1 else values.reshape(shape)


register(
    type_id="Constant", category="Data", title="Constant",
    description="A fixed tensor: one number repeated over a shape, or the listed values.",
    outputs=["value"], role="constant",
    params=[P("values", "floats", (1.0,), "one number, or all values in row-major order", length=(1, 1024)),
            P("shape", "ints", (), "empty: a scalar (or a vector of the values)", min=1, length=(0, 4))],
    infer=lambda ins, p: {"value": TensorSpec(_constant_shape(p))},
    forward=lambda F, ins, w, p, ctx: {"value": ctx.constant(_constant_value(p))},
    keywords=("number", "scalar", "fixed"),
)

register(
    type_id="Output", category="Outputs", role="output", title="Output",
    description="Marks the model's prediction: what inference returns and what metrics such as "
                "accuracy are computed on.",
    inputs=["x"],
    params=[P("name", "str", "prediction", "a label for this output")],
    infer=lambda ins, p: {},
    forward=lambda F, ins, w, p, ctx: {},
    keywords=("prediction", "result", "model output"),
)
