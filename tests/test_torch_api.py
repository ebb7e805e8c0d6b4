"""PyTorch parity where users reach first: top-level functions, in-place methods with the
version-counter check, ``.data``, positional ``lr``, ``inplace=``, numpy inputs, dtype rules,
``engine.utils.data`` and ``engine.save``/``load``. Compared with PyTorch where it is installed."""
import numpy as np
import pytest

import engine
import engine.nn.functional as F
from engine import nn, optim
from engine.errors import ArgumentError, DTypeError, GraphError, ShapeError
from engine.serialization import SaveError
from engine.utils.data import DataLoader, TensorDataset, random_split

TOP_LEVEL = ["abs", "add", "allclose", "arange", "argmax", "argmin", "cat", "clamp", "clip", "clone",
             "concat", "cos", "div", "empty", "equal", "exp", "eye", "flatten", "from_numpy", "full",
             "full_like", "is_tensor", "isclose", "linspace", "load", "log", "log_softmax", "manual_seed",
             "matmul", "max", "maximum", "mean", "min", "minimum", "mm", "mul", "neg", "no_grad",
             "numel", "ones", "ones_like", "permute", "pow", "rand", "rand_like", "randint", "randn",
             "randn_like", "randperm", "relu", "reshape", "save", "sigmoid", "sin", "softmax", "split",
             "sqrt", "square", "squeeze", "stack", "std", "sub", "sum", "t", "tanh", "tensor",
             "transpose", "unsqueeze", "var", "where", "zeros", "zeros_like", "float32", "float64",
             "int64", "long", "float", "double", "bool", "Generator", "set_grad_enabled", "enable_grad"]


def test_the_top_level_names_of_torch_are_there():
    missing = [n for n in TOP_LEVEL if not hasattr(engine, n)]
    assert not missing
    assert engine.nn.functional is engine.functional


def test_top_level_functions_agree_with_pytorch():
    torch = pytest.importorskip("torch")
    a = np.arange(12, dtype=np.float32).reshape(3, 4) / 7 - 0.5
    for name, call in [("square", lambda m, x: m.square(x)), ("mean", lambda m, x: m.mean(x, 1)),
                       ("sqrt", lambda m, x: m.sqrt(m.abs(x))), ("max2", lambda m, x: m.max(x, x * 2)),
                       ("where", lambda m, x: m.where(x > 0, x, -x)), ("t", lambda m, x: m.t(x)),
                       ("eye", lambda m, x: m.eye(3) @ x), ("sin", lambda m, x: m.sin(x) + m.cos(x)),
                       ("argmax", lambda m, x: m.argmax(x, dim=1)), ("linspace", lambda m, x: m.linspace(0, 1, 5))]:
        ours = call(engine, engine.tensor(a)).numpy()
        theirs = call(torch, torch.tensor(a)).numpy()
        np.testing.assert_allclose(ours, theirs, rtol=1e-6, err_msg=name)
        assert ours.dtype == theirs.dtype, name


# ------------------------------------------------------------------ in place and versions
def test_in_place_methods_change_the_tensor_and_return_it():
    x = engine.tensor([1.0, 2.0, 3.0])
    assert x.add_(1) is x and x.tolist() == [2.0, 3.0, 4.0]
    x.mul_(2).sub_(engine.ones(3), alpha=2).div_(2)
    assert x.tolist() == [1.0, 2.0, 3.0]
    x.copy_(np.array([5.0, 6.0, 7.0]))
    assert x.tolist() == [5.0, 6.0, 7.0]
    x.fill_(0.5)
    assert x.tolist() == [0.5] * 3
    x.zero_()
    assert x.tolist() == [0.0] * 3
    same = x
    x += 2
    assert x is same and x.tolist() == [2.0] * 3


def test_data_shares_storage_outside_autograd():
    w = engine.tensor([1.0, 2.0], requires_grad=True)
    d = w.data
    assert isinstance(d, engine.Tensor) and not d.requires_grad
    d.sub_(engine.tensor([1.0, 1.0]))
    assert w.tolist() == [0.0, 1.0] and w.requires_grad and w.is_leaf
    w.data = engine.tensor([7.0, 8.0])
    assert w.tolist() == [7.0, 8.0] and w.requires_grad
    with pytest.raises(TypeError, match="assign a Tensor"):
        w.data = np.zeros(2)


def test_in_place_on_a_leaf_that_requires_grad_is_refused_outside_no_grad():
    w = engine.tensor([1.0], requires_grad=True)
    with pytest.raises(GraphError, match="leaf tensor that requires grad"):
        w.add_(1)
    with pytest.raises(GraphError, match="leaf tensor"):
        w += 1
    with engine.no_grad():
        w -= 0.5
    assert w.tolist() == [0.5] and w.is_leaf and w.requires_grad


def test_the_version_check_refuses_a_corrupted_saved_value():
    x = engine.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    z = y * y                  # mul saves y
    y.add_(1)
    with pytest.raises(GraphError, match="changed by an in-place operation"):
        z.sum().backward()
    e = x.exp()
    e.mul_(2)                  # exp saved its output
    with pytest.raises(GraphError, match="output of exp"):
        e.sum().backward()
    w = engine.tensor([1.0, 2.0], requires_grad=True)
    a = w * engine.tensor([3.0, 4.0])
    with engine.no_grad():
        w.detach().add_(1)     # detach shares the version counter
    with pytest.raises(GraphError, match="in-place"):
        a.sum().backward()


def test_an_optimizer_step_counts_as_an_in_place_change():
    lin = nn.Linear(2, 1)
    out = lin(engine.ones(1, 2)).sum()
    opt = optim.SGD(lin.parameters(), 0.1)
    out.backward(retain_graph=True)
    opt.step()
    with pytest.raises(GraphError, match="in-place"):
        out.backward()


def test_in_place_chains_give_pytorchs_gradients():
    torch = pytest.importorskip("torch")

    def run(m, x, w):
        y = x * 2
        y.add_(w)                  # a non-leaf changed in place with a grad-requiring operand
        y.mul_(3)
        y = m.relu(y)
        y = y * w
        return y.sum()

    xv, wv = np.array([0.5, -1.0, 2.0]), np.array([1.0, 0.3, -0.2])
    ex, ew = engine.tensor(xv, requires_grad=True), engine.tensor(wv, requires_grad=True)
    tx, tw = torch.tensor(xv, requires_grad=True), torch.tensor(wv, requires_grad=True)
    run(engine, ex, ew).backward()
    run(torch, tx, tw).backward()
    np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy())
    np.testing.assert_allclose(ew.grad.numpy(), tw.grad.numpy())


def test_in_place_cannot_change_shape_or_narrow_dtype():
    with pytest.raises(ShapeError, match="cannot change a tensor's shape"):
        engine.zeros(3).add_(engine.ones(2, 3))
    with pytest.raises(DTypeError, match="int64"):
        engine.tensor([1, 2]).add_(0.5)


def test_inplace_activations_and_modules():
    x = engine.tensor([-1.0, 2.0])
    assert F.relu(x, inplace=True) is x and x.tolist() == [0.0, 2.0]
    y = engine.tensor([-1.0, 2.0])
    assert nn.ReLU(inplace=True)(y) is y and y.tolist() == [0.0, 2.0]
    assert nn.LeakyReLU(0.1, inplace=True)(engine.tensor([-1.0])).tolist() == pytest.approx([-0.1])
    nn.Dropout(0.2, inplace=True)


# ------------------------------------------------------------------ arguments
def test_optimizers_take_hyperparameters_by_position_in_pytorchs_order():
    p = [nn.Parameter(engine.zeros(2))]
    assert optim.Adam(p, 0.01).param_groups[0]["lr"] == 0.01
    assert optim.SGD(p, 0.1, 0.9).param_groups[0]["momentum"] == 0.9
    assert optim.Adam(p, 0.01, (0.8, 0.9)).param_groups[0]["betas"] == (0.8, 0.9)
    assert optim.Adam(p, lr=0.01, foreach=None).param_groups[0]["lr"] == 0.01
    with pytest.raises(TypeError, match="both by position and by keyword"):
        optim.SGD(p, 0.1, lr=0.2)
    with pytest.raises(ArgumentError, match="fused=True"):
        optim.Adam(p, fused=True)


def test_numpy_arrays_are_accepted_where_pytorch_takes_tensors():
    a = np.array([[-1.0, 2.0]], dtype=np.float32)
    assert F.relu(a).tolist() == [[0.0, 2.0]]
    assert F.softmax(a, dim=1).shape == (1, 2)
    lin = nn.Linear(2, 3)
    assert lin(a).shape == (1, 3)
    assert engine.sum(a).item() == 1.0
    with pytest.raises(ArgumentError, match="relu: expected a Tensor or an array, got str"):
        F.relu("x")


def test_floating_dtypes_must_match_in_products_and_layers():
    lin = nn.Linear(2, 3)
    with pytest.raises(DTypeError, match="linear: input is float64 but weight is float32"):
        lin(np.zeros((1, 2)))
    with pytest.raises(DTypeError, match="matmul"):
        engine.ones(2, 2, dtype="float64") @ engine.ones(2, 2)
    assert (engine.ones(2, dtype="float64") + engine.ones(2)).dtype == np.float64   # promotion


# ------------------------------------------------------------------ data
def test_dataloader_batches_shuffles_reproducibly_and_drops_last():
    x, y = engine.arange(10).float().unsqueeze(1), engine.arange(10)
    ds = TensorDataset(x, y)
    assert len(ds) == 10 and ds[3][1].item() == 3
    plain = [yb.tolist() for _, yb in DataLoader(ds, batch_size=4)]
    assert plain == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert len(DataLoader(ds, batch_size=4, drop_last=True)) == 2
    assert [len(b) for _, b in DataLoader(ds, batch_size=4, drop_last=True)] == [4, 4]
    runs = [[yb.tolist() for _, yb in DataLoader(ds, 3, shuffle=True, generator=engine.Generator(5))]
            for _ in range(2)]
    assert runs[0] == runs[1] and sorted(sum(runs[0], [])) == list(range(10)) and runs[0][0] != [0, 1, 2]
    for xb, yb in DataLoader(ds, 3, shuffle=True, generator=engine.Generator(1)):
        assert xb[:, 0].long().tolist() == yb.tolist()
    with pytest.raises(ShapeError, match="first dimension"):
        TensorDataset(engine.zeros(3), engine.zeros(4))
    with pytest.raises(ArgumentError, match="batch_size"):
        DataLoader(ds, batch_size=0)


def test_random_split_is_disjoint_and_takes_fractions():
    ds = TensorDataset(engine.arange(10))
    a, b = random_split(ds, [7, 3], generator=engine.Generator(0))
    got = sorted(int(a[i][0].item()) for i in range(7)) + sorted(int(b[i][0].item()) for i in range(3))
    assert sorted(got) == list(range(10)) and len(a) == 7
    c, d = random_split(ds, [0.8, 0.2])
    assert (len(c), len(d)) == (8, 2)
    assert sum(len(xb) for (xb,) in DataLoader(c, 3)) == 8
    with pytest.raises(ArgumentError, match="adding up"):
        random_split(ds, [5, 4])


# ------------------------------------------------------------------ save / load
def test_save_and_load_round_trip_without_pickle(tmp_path):
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    opt = optim.Adam(model.parameters(), 0.01)
    model(engine.randn(5, 3)).sum().backward()
    opt.step()
    obj = {"model": model.state_dict(), "opt": opt.state_dict(), "epoch": 3, "best": float("inf"),
           "tags": ("a", 1), "arr": np.arange(3)}
    engine.save(obj, tmp_path / "ck.pt")
    back = engine.load(tmp_path / "ck.pt")
    assert back["epoch"] == 3 and back["best"] == float("inf") and back["tags"] == ("a", 1)
    assert back["arr"].tolist() == [0, 1, 2]
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(np.asarray(back["model"][k].numpy() if hasattr(back["model"][k], "numpy")
                                                 else back["model"][k]), np.asarray(v.numpy() if hasattr(v, "numpy") else v))
    opt2 = optim.Adam(model.parameters(), 0.01)
    opt2.load_state_dict(back["opt"])
    with pytest.raises(SaveError, match="no pickle"):
        engine.save({"f": lambda: 0}, tmp_path / "bad.pt")
    (tmp_path / "junk.pt").write_bytes(b"not a zip")
    with pytest.raises(SaveError, match="damaged"):
        engine.load(tmp_path / "junk.pt")
    np.savez(tmp_path / "plain.npz", a=np.zeros(2))
    with pytest.raises(SaveError, match="not a file written by engine.save"):
        engine.load(tmp_path / "plain.npz")


def test_dataloader_and_random_split_sizes_match_pytorch():
    torch = pytest.importorskip("torch")
    from torch.utils import data as tdata
    for n, batch, drop_last in [(10, 3, False), (10, 3, True), (12, 4, False), (5, 8, False), (5, 8, True)]:
        ours = DataLoader(TensorDataset(engine.arange(n)), batch_size=batch, drop_last=drop_last)
        theirs = tdata.DataLoader(tdata.TensorDataset(torch.arange(n)), batch_size=batch, drop_last=drop_last)
        assert len(ours) == len(theirs)
        assert [b[0].tolist() for b in ours] == [b[0].tolist() for b in theirs]
    for n, fractions in [(10, [0.8, 0.2]), (11, [0.5, 0.5]), (7, [0.3, 0.3, 0.4])]:
        ours = [len(s) for s in random_split(TensorDataset(engine.arange(n)), fractions)]
        theirs = [len(s) for s in tdata.random_split(tdata.TensorDataset(torch.arange(n)), fractions)]
        assert ours == theirs, (n, fractions)


def test_changes_through_a_view_are_changes_of_the_base():
    w = engine.ones(4, requires_grad=True)
    x = engine.arange(4).float()
    y = (w * x).sum()
    x[1:].mul_(100)                      # a slice shares x's memory and its version
    with pytest.raises(GraphError, match="in-place"):
        y.backward()
    x2 = engine.arange(4).float()
    y2 = (w * x2).sum()
    x2.reshape(2, 2).zero_()
    with pytest.raises(GraphError, match="in-place"):
        y2.backward()
    h = engine.ones(4, requires_grad=True) * 2
    with pytest.raises(GraphError, match="is a view"):
        h[0:2].mul_(3)                   # its history would be wrong: refused, not silently mis-differentiated


def test_an_output_saved_under_another_name_is_protected_too():
    x = engine.randn(2, 5, requires_grad=True)
    z = F.layer_norm(x, (5,))            # saves its normalized output for backward
    z.relu_()
    with pytest.raises(GraphError, match="output of layer_norm"):
        z.sum().backward()


def test_copy_and_fill_never_turn_inf_into_nan():
    best = engine.full((3,), float("inf"))
    best.copy_(engine.ones(3))
    assert best.tolist() == [1.0, 1.0, 1.0]
    t = engine.full((2,), float("nan"))
    t.normal_()
    assert np.isfinite(t.numpy()).all()
    a = engine.tensor([1.0, 2.0], requires_grad=True)
    b = a * 2.0
    b.fill_(float("inf"))
    b.fill_(3.0)                         # recorded: no gradient reaches a, and inf does not become NaN
    (b.sum()).backward()
    assert b.tolist() == [3.0, 3.0] and a.grad.tolist() == [0.0, 0.0]
