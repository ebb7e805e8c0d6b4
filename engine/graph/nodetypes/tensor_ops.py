"""Low-level tensor ops: what a model is made of when written by hand (x·W + b, …)."""
import numpy as np

from ..params import P, PortSpec
from ..registry import TensorSpec, register
from ..shapes import N, fmt, numel
from ._rules import broadcast_rule, fail, matmul_shape, need_float, norm_dim, same

OPT = PortSpec


def _binary(type_id, title, fn, cover, description, keywords=()):
    register(type_id=type_id, category="Tensor ops", title=title, description=description,
             inputs=["a", "b"], outputs=["y"], infer=broadcast_rule,
             forward=lambda F, ins, w, p, ctx: {"y": fn(F, ins["a"], ins["b"])},
             covers=cover, keywords=keywords)


_binary("Add", "Add", lambda F, a, b: a + b, ("functional.add",),
        "Elementwise a + b, with broadcasting (adding a bias vector to every row).", ("plus", "sum", "bias"))
_binary("Subtract", "Subtract", lambda F, a, b: a - b, ("functional.sub",), "Elementwise a − b, with broadcasting (e.g. prediction minus target).", ("minus",))
_binary("Multiply", "Multiply", lambda F, a, b: a * b, ("functional.mul",),
        "Elementwise a · b (Hadamard product), with broadcasting.", ("times", "hadamard"))
_binary("Divide", "Divide", lambda F, a, b: a / b, ("functional.div",), "Elementwise a / b, with broadcasting; b must not be zero.")
_binary("Maximum", "Maximum", lambda F, a, b: F.maximum(a, b), ("functional.maximum",),
        "Elementwise larger of a and b; ties share the gradient.")
_binary("Minimum", "Minimum", lambda F, a, b: F.minimum(a, b), ("functional.minimum",),
        "Elementwise smaller of a and b; ties share the gradient.")
_binary("PowerOf", "Power (a^b)", lambda F, a, b: F.pow(a, b), (), "Elementwise a raised to the power b (a > 0).")


def _matmul_rule(ins, p):
    need_float(ins, "a", "b")
    return {"y": TensorSpec(matmul_shape(ins["a"].shape, ins["b"].shape))}


register(type_id="MatMul", category="Tensor ops", title="MatMul",
         description="Matrix product a @ b: (N×k) @ (k×m) gives N×m; leading dimensions broadcast.",
         inputs=["a", "b"], outputs=["y"], infer=_matmul_rule,
         forward=lambda F, ins, w, p, ctx: {"y": F.matmul(ins["a"], ins["b"])},
         covers=("functional.matmul",), keywords=("dot", "matrix multiply", "product", "weights"))


def _unary(type_id, title, fn, cover, description, params=(), keywords=()):
    register(type_id=type_id, category="Tensor ops", title=title, description=description,
             inputs=["x"], outputs=["y"], params=params, infer=same(),
             forward=lambda F, ins, w, p, ctx: {"y": fn(F, ins["x"], p)},
             covers=cover, keywords=keywords)


_unary("Exp", "Exp", lambda F, x, p: F.exp(x), ("functional.exp",), "Elementwise eˣ: always positive, grows fast; the heart of softmax.")
_unary("Log", "Log", lambda F, x, p: F.log(x), ("functional.log",), "Elementwise natural logarithm; x must be positive (log 0 is −∞).", keywords=("ln",))
_unary("Sqrt", "Sqrt", lambda F, x, p: F.sqrt(x), ("functional.sqrt",), "Elementwise square root; x must not be negative.")
_unary("Abs", "Abs", lambda F, x, p: F.abs(x), ("functional.abs",), "Elementwise absolute value |x|; the gradient is the sign of x.")
_unary("Negate", "Negate", lambda F, x, p: -x, ("functional.neg",), "Elementwise −x: flips the sign of every value.")
_unary("Sin", "Sin", lambda F, x, p: F.sin(x), ("functional.sin",), "Elementwise sine (radians); its derivative is cos x.", keywords=("trigonometry", "periodic"))
_unary("Cos", "Cos", lambda F, x, p: F.cos(x), ("functional.cos",), "Elementwise cosine (radians); its derivative is −sin x.", keywords=("trigonometry", "periodic"))
_unary("Power", "Power (xᵖ)", lambda F, x, p: F.pow(x, p["exponent"]), ("functional.pow", "functional.square"),
       "Elementwise x raised to a fixed exponent (x² by default).",
       params=[P("exponent", "float", 2.0, "the exponent p")], keywords=("square",))
_unary("Clamp", "Clamp", lambda F, x, p: F.clamp(x, p["min"], p["max"]), ("functional.clamp", "functional.clip"),
       "Limits every element to [min, max]; the gradient is zero where it was clipped.",
       params=[P("min", "float", -1.0, "lower bound (empty: none)", optional=True),
               P("max", "float", 1.0, "upper bound (empty: none)", optional=True)], keywords=("clip",))


def _reduce_rule(ins, p):
    need_float(ins, "x")
    s = ins["x"].shape
    dims = p["dims"]
    if dims is None:
        return {"y": TensorSpec(tuple(1 for _ in s) if p["keepdim"] else ())}
    ds = {norm_dim(d, len(s)) for d in dims}
    if len(ds) != len(dims):
        fail(f"dims {tuple(dims)} name an axis twice")
    return {"y": TensorSpec(tuple((1 if i in ds else d) for i, d in enumerate(s) if p["keepdim"] or i not in ds))}


def _reduction(type_id, fn, cover, description):
    register(type_id=type_id, category="Tensor ops", title=type_id, description=description,
             inputs=["x"], outputs=["y"],
             params=[P("dims", "ints", None, "axes to reduce (empty: all of them)", optional=True, length=(1, 4)),
                     P("keepdim", "bool", False, "keep reduced axes with size 1")],
             infer=_reduce_rule,
             forward=lambda F, ins, w, p, ctx: {"y": fn(F, ins["x"], p)},
             covers=cover, keywords=("reduce",))


_reduction("Sum", lambda F, x, p: F.sum(x, None if p["dims"] is None else tuple(p["dims"]), p["keepdim"]),
           ("functional.sum",), "Adds up elements over the chosen axes (all by default).")
_reduction("Mean", lambda F, x, p: F.mean(x, None if p["dims"] is None else tuple(p["dims"]), p["keepdim"]),
           ("functional.mean",), "Averages elements over the chosen axes (all by default).")


def _extreme_rule(ins, p):
    need_float(ins, "x")
    s = ins["x"].shape
    if p["dim"] is None:
        return {"y": TensorSpec(())}
    d = norm_dim(p["dim"], len(s))
    return {"y": TensorSpec(tuple((1 if i == d else x) for i, x in enumerate(s) if p["keepdim"] or i != d))}


def _extreme(type_id, fn, cover):
    register(type_id=type_id, category="Tensor ops", title=type_id,
             description=f"The {'largest' if type_id == 'Max' else 'smallest'} element overall, or along one axis.",
             inputs=["x"], outputs=["y"],
             params=[P("dim", "int", None, "axis (empty: over everything)", optional=True),
                     P("keepdim", "bool", False, "keep the axis with size 1")],
             infer=_extreme_rule,
             forward=lambda F, ins, w, p, ctx: {"y": fn(F, ins["x"]) if p["dim"] is None
                                                else fn(F, ins["x"], p["dim"], p["keepdim"]).values},
             covers=cover)


_extreme("Max", lambda F, x, *a: F.max(x, *a), ("functional.max",))
_extreme("Min", lambda F, x, *a: F.min(x, *a), ("functional.min",))

_reduction("Var", lambda F, x, p: F.var(x, None if p["dims"] is None else tuple(p["dims"]), p["keepdim"]),
           ("functional.var",), "Variance over the chosen axes (unbiased, as PyTorch).")
_reduction("Std", lambda F, x, p: F.std(x, None if p["dims"] is None else tuple(p["dims"]), p["keepdim"]),
           ("functional.std",), "Standard deviation over the chosen axes (unbiased, as PyTorch).")


def _reshape_rule(ins, p):
    s = ins["x"].shape
    target = list(p["shape"])
    if target.count(-1) > 1:
        fail(f"shape {tuple(target)} has more than one -1")
    body = s[1:] if (s and s[0] == N) else s
    total = numel(body)
    if total is None:
        fail(f"cannot reshape {fmt(s)}: N may only be the first dimension")
    known = int(np.prod([d for d in target if d != -1])) if target else 1
    if -1 in target:
        if known == 0 or total % known:
            fail(f"cannot reshape {fmt(s)} into (N, {', '.join(map(str, target))}): {total} values per sample")
        target[target.index(-1)] = total // known
    elif known != total:
        fail(f"cannot reshape {fmt(s)} into N×{fmt(tuple(target))}: {total} values per sample, not {known}")
    lead = (N,) if (s and s[0] == N) else ()
    return {"y": TensorSpec(lead + tuple(target), ins["x"].dtype)}


register(type_id="Reshape", category="Tensor ops", title="Reshape",
         description="Rearranges each sample's values into a new shape (the batch dimension stays); "
                     "one entry may be -1 to be inferred.",
         inputs=["x"], outputs=["y"],
         params=[P("shape", "ints", (-1,), "shape of one sample", min=-1, length=(1, 4))],
         infer=_reshape_rule,
         forward=lambda F, ins, w, p, ctx: {"y": F.reshape(ins["x"], (ins["x"].shape[0],) + tuple(p["shape"]))
                                            if ctx.batched(ins["x"]) else F.reshape(ins["x"], tuple(p["shape"]))},
         covers=("functional.reshape", "functional.squeeze", "functional.unsqueeze"),
         keywords=("view", "squeeze", "unsqueeze"))


def _transpose_rule(ins, p):
    s = list(ins["x"].shape)
    a, b = norm_dim(p["dim0"], len(s)), norm_dim(p["dim1"], len(s))
    s[a], s[b] = s[b], s[a]
    return {"y": TensorSpec(tuple(s), ins["x"].dtype)}


register(type_id="Transpose", category="Tensor ops", title="Transpose",
         description="Swaps two axes (the last two by default: a matrix transpose).",
         inputs=["x"], outputs=["y"],
         params=[P("dim0", "int", -2, "first axis"), P("dim1", "int", -1, "second axis")],
         infer=_transpose_rule,
         forward=lambda F, ins, w, p, ctx: {"y": F.transpose(ins["x"], p["dim0"], p["dim1"])},
         covers=("functional.transpose", "functional.permute"), keywords=("swap axes", "permute"))


def _concat_rule(ins, p):
    ports = [k for k in ("a", "b", "c", "d") if k in ins]
    first = ins[ports[0]].shape
    d = norm_dim(p["dim"], len(first), ports[0])
    total = 0
    for k in ports:
        s = ins[k].shape
        if len(s) != len(first) or s[:d] + s[d + 1:] != first[:d] + first[d + 1:]:
            fail(f"'{k}' {fmt(s)} does not match '{ports[0]}' {fmt(first)} outside axis {p['dim']}", k)
        if s[d] == N:
            fail("cannot concatenate along the batch dimension", k)
        total += s[d]
    return {"y": TensorSpec(first[:d] + (total,) + first[d + 1:])}


register(type_id="Concat", category="Tensor ops", title="Concat",
         description="Joins two to four tensors along an axis (the feature axis by default).",
         inputs=["a", "b", OPT("c", optional=True), OPT("d", optional=True)], outputs=["y"],
         params=[P("dim", "int", -1, "axis to join along")],
         infer=_concat_rule,
         forward=lambda F, ins, w, p, ctx: {"y": F.cat([ins[k] for k in ("a", "b", "c", "d") if k in ins], p["dim"])},
         covers=("functional.cat",), keywords=("join", "cat", "merge"))


def _stack_rule(ins, p):
    ports = [k for k in ("a", "b", "c", "d") if k in ins]
    first = ins[ports[0]].shape
    for k in ports[1:]:
        if ins[k].shape != first:
            fail(f"'{k}' {fmt(ins[k].shape)} differs from '{ports[0]}' {fmt(first)}: stacked tensors need one shape", k)
    d = norm_dim(p["dim"], len(first) + 1, ports[0])
    if d == 0 and first and first[0] == N:
        fail("cannot stack in front of the batch dimension")
    return {"y": TensorSpec(first[:d] + (len(ports),) + first[d:])}


register(type_id="Stack", category="Tensor ops", title="Stack",
         description="Puts two to four tensors of the same shape side by side along a new axis.",
         inputs=["a", "b", OPT("c", optional=True), OPT("d", optional=True)], outputs=["y"],
         params=[P("dim", "int", 1, "position of the new axis")],
         infer=_stack_rule,
         forward=lambda F, ins, w, p, ctx: {"y": F.stack([ins[k] for k in ("a", "b", "c", "d") if k in ins], p["dim"])},
         covers=("functional.stack",), keywords=("join", "new axis"))


def _split_rule(ins, p):
    s = ins["x"].shape
    d = norm_dim(p["dim"], len(s))
    if s[d] == N:
        fail("cannot split along the batch dimension")
    if not 0 < p["size"] < s[d]:
        fail(f"first part size {p['size']} must be between 1 and {s[d] - 1} for axis {p['dim']} of {fmt(s)}")
    return {"first": TensorSpec(s[:d] + (p["size"],) + s[d + 1:]),
            "rest": TensorSpec(s[:d] + (s[d] - p["size"],) + s[d + 1:])}


register(type_id="Split", category="Tensor ops", title="Split",
         description="Cuts a tensor in two along an axis: the first `size` entries, and the rest.",
         inputs=["x"], outputs=["first", "rest"],
         params=[P("size", "int", 1, "size of the first part", min=1), P("dim", "int", -1, "axis to cut")],
         infer=_split_rule,
         forward=lambda F, ins, w, p, ctx: dict(zip(("first", "rest"), F.split(
             ins["x"], [p["size"], ins["x"].shape[p["dim"]] - p["size"]], p["dim"]))),
         covers=("functional.split",), keywords=("slice", "chunk"))


def _pad_rule(ins, p):
    s = list(ins["x"].shape)
    pad = p["pad"]
    if len(pad) % 2 or len(pad) // 2 > len(s):
        fail(f"pad needs (before, after) pairs for at most {len(s)} axes, got {tuple(pad)}")
    for i in range(len(pad) // 2):
        axis = len(s) - 1 - i
        if s[axis] == N:
            fail("cannot pad the batch dimension")
        s[axis] += pad[2 * i] + pad[2 * i + 1]
    return {"y": TensorSpec(tuple(s))}


register(type_id="Pad", category="Tensor ops", title="Pad",
         description="Adds a border of a constant value: (before, after) pairs starting from the last axis.",
         inputs=["x"], outputs=["y"],
         params=[P("pad", "ints", (1, 1), "(before, after) per axis, last axis first", min=0, length=(2, 8)),
                 P("value", "float", 0.0, "fill value")],
         infer=_pad_rule,
         forward=lambda F, ins, w, p, ctx: {"y": F.pad(ins["x"], p["pad"], p["value"])},
         covers=("functional.pad",), keywords=("border", "zero padding"))



def _permute_rule(ins, p):
    s = ins["x"].shape
    dims = [norm_dim(d, len(s)) for d in p["dims"]]
    if sorted(dims) != list(range(len(s))):
        fail(f"dims {tuple(p['dims'])} are not an ordering of the {len(s)} axes of {fmt(s)}")
    return {"y": TensorSpec(tuple(s[d] for d in dims), ins["x"].dtype)}


register(type_id="Permute", category="Tensor ops", title="Permute",
         description="Reorders all axes, e.g. (0, 2, 1) swaps the last two of a 3-D tensor.",
         inputs=["x"], outputs=["y"],
         params=[P("dims", "ints", (0, 2, 1), "the new order of the axes", length=(1, 6))],
         infer=_permute_rule,
         forward=lambda F, ins, w, p, ctx: {"y": F.permute(ins["x"], *p["dims"])},
         covers=("functional.permute",), keywords=("reorder axes",))


def _slice_rule(ins, p):
    s = list(ins["x"].shape)
    d = norm_dim(p["dim"], len(s))
    if s[d] == N:
        fail("cannot slice the batch dimension")
    n = len(range(*slice(p["start"], p["stop"], p["step"]).indices(s[d])))
    if n == 0:
        fail(f"slice {p['start']}:{p['stop']}:{p['step']} of axis {p['dim']} ({s[d]} entries) is empty")
    s[d] = n
    return {"y": TensorSpec(tuple(s), ins["x"].dtype)}


def _slice_forward(F, ins, w, p, ctx):
    x = ins["x"]
    d = p["dim"] % x.ndim
    return {"y": x[(slice(None),) * d + (slice(p["start"], p["stop"], p["step"]),)]}


register(type_id="Slice", category="Tensor ops", title="Slice",
         description="Keeps entries start:stop:step along one axis (negative positions count from the end).",
         inputs=["x"], outputs=["y"],
         params=[P("dim", "int", -1, "axis to slice"), P("start", "int", 0, "first entry", optional=True),
                 P("stop", "int", None, "one past the last entry (empty: to the end)", optional=True),
                 P("step", "int", 1, "stride", min=1)],
         infer=_slice_rule, forward=_slice_forward,
         covers=("functional.getitem",), keywords=("index", "select", "crop", "getitem"))


def _cast_rule(ins, p):
    return {"y": TensorSpec(ins["x"].shape, "int" if p["dtype"] == "int64" else "float")}


register(type_id="Cast", category="Tensor ops", title="Cast",
         description="Converts to another dtype, e.g. integer labels to floats for a regression loss.",
         inputs=["x"], outputs=["y"],
         params=[P("dtype", "choice", "float32", "target dtype", choices=("float32", "int64"))],
         infer=_cast_rule,
         forward=lambda F, ins, w, p, ctx: {"y": F.cast(ins["x"], ctx.float_dtype if p["dtype"] == "float32" else "int64")},
         covers=("functional.cast",), keywords=("dtype", "convert", "float", "int"))
