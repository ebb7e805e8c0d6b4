"""Optimizers against their published update rules and PyTorch; schedules' learning-rate
sequences; gradient clipping."""
import math

import numpy as np
import pytest

import engine
from engine import optim

CONFIGS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.3, weight_decay=0.01)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.9), weight_decay=0.1)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("AdamW", dict(lr=0.01, weight_decay=0.1)),
    ("Adamax", dict(lr=0.01)),
    ("Adamax", dict(lr=0.01, weight_decay=0.05)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, momentum=0.9, centered=True, weight_decay=0.01)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1, weight_decay=0.01)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, weight_decay=0.01)),
]


def quadratic_grads(step, shape):
    """A fixed, step-dependent sequence of gradients (same for both frameworks)."""
    rng = np.random.default_rng(100 + step)
    return rng.standard_normal(shape)


@pytest.mark.parametrize("name,hyper", CONFIGS, ids=lambda v: v if isinstance(v, str) else ",".join(f"{k}={w}" for k, w in v.items()))
def test_matches_pytorch_for_ten_steps(name, hyper):
    torch = pytest.importorskip("torch")
    p0 = np.random.default_rng(0).standard_normal((3, 4))
    ep = engine.nn.Parameter(engine.tensor(p0, dtype="float64"))
    tp = torch.nn.Parameter(torch.from_numpy(p0.copy()))
    eo, to = getattr(optim, name)([ep], **hyper), getattr(torch.optim, name)([tp], **hyper)
    for step in range(10):
        g = quadratic_grads(step, p0.shape) + 0.5 * p0   # also depends on p through p0's scale
        ep.grad = engine.tensor(g + ep.numpy())
        tp.grad = torch.from_numpy(g + tp.detach().numpy())
        eo.step()
        to.step()
        np.testing.assert_allclose(ep.numpy(), tp.detach().numpy(), rtol=1e-10, atol=1e-12,
                                   err_msg=f"{name} step {step + 1}")


def test_sgd_momentum_follows_the_published_rule():
    p = engine.nn.Parameter(engine.tensor([1.0, -2.0], dtype="float64"))
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    v = np.zeros(2)
    x = np.array([1.0, -2.0])
    for step in range(5):
        g = 2 * x                                      # gradient of ‖x‖²
        p.grad = engine.tensor(g)
        opt.step()
        v = g if step == 0 else 0.9 * v + g
        x = x - 0.1 * v
        np.testing.assert_allclose(p.numpy(), x, rtol=1e-12)


def test_adam_follows_the_published_rule():
    """Kingma & Ba, Algorithm 1 (with PyTorch's placement of epsilon)."""
    b1, b2, lr, eps = 0.9, 0.999, 0.01, 1e-8
    p = engine.nn.Parameter(engine.tensor([0.5, -1.5, 3.0], dtype="float64"))
    opt = optim.Adam([p], lr=lr, betas=(b1, b2), eps=eps)
    x, m, v = np.array([0.5, -1.5, 3.0]), np.zeros(3), np.zeros(3)
    for t in range(1, 8):
        g = np.sin(x) + x
        p.grad = engine.tensor(g)
        opt.step()
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        mhat, vhat = m / (1 - b1 ** t), v / (1 - b2 ** t)
        x = x - lr * mhat / (np.sqrt(vhat) + eps)
        np.testing.assert_allclose(p.numpy(), x, rtol=1e-9)


def test_updates_are_in_place_and_keep_float32():
    p = engine.nn.Parameter(engine.randn(4, 3))
    data = p.array
    for name, hyper in CONFIGS:
        opt = getattr(optim, name)([p], **hyper)
        for _ in range(2):
            p.grad = engine.randn(4, 3)
            opt.step()
        assert p.array is data and p.array.dtype == np.float32, name
        for st in opt.state.values():
            for k, v in st.items():
                if hasattr(v, "dtype"):
                    assert v.dtype == np.float32, (name, k)


def test_parameters_without_gradient_are_skipped_and_zero_grad_clears():
    a, b = engine.nn.Parameter(engine.ones(2)), engine.nn.Parameter(engine.ones(2))
    opt = optim.Adam([a, b], lr=0.1)
    a.grad = engine.ones(2)
    opt.step()
    assert (b.numpy() == 1).all() and (a.numpy() < 1).all()
    opt.zero_grad()
    assert a.grad is None


def test_training_actually_reduces_loss_with_every_optimizer():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.3
    lrs = {"SGD": 0.05, "Adam": 0.05, "AdamW": 0.05, "Adamax": 0.05, "RMSprop": 0.01, "Adagrad": 0.3, "Adadelta": 1.0}
    for name, lr in lrs.items():
        engine.manual_seed(0)
        model = engine.nn.Linear(3, 1)
        opt = getattr(optim, name)(model.parameters(), lr=lr)
        xs, ys = engine.tensor(X, dtype="float32"), engine.tensor(y[:, None], dtype="float32")
        first = None
        for _ in range(200):
            loss = engine.functional.mse_loss(model(xs), ys)
            opt.zero_grad()
            loss.backward()
            opt.step()
            first = first if first is not None else loss.item()
        assert loss.item() < 0.5 * first, name


def test_bad_hyperparameters_are_refused():
    p = [engine.nn.Parameter(engine.ones(2))]
    with pytest.raises(ValueError, match="lr must be a non-negative"):
        optim.SGD(p, lr=-1)
    with pytest.raises(ValueError, match="Nesterov"):
        optim.SGD(p, lr=0.1, nesterov=True)
    with pytest.raises(TypeError, match="unexpected arguments"):
        optim.Adam(p, learning_rate=0.1)
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.Adam([])
    with pytest.raises(ValueError, match="requires_grad"):
        optim.Adam([engine.ones(2)])


def test_optimizer_state_dict_round_trip_resumes_identically():
    def make():
        engine.manual_seed(1)
        m = engine.nn.Linear(3, 2)
        return m, optim.Adam(m.parameters(), lr=0.1)
    x = engine.randn(5, 3)
    m1, o1 = make()
    for _ in range(3):
        o1.zero_grad()
        m1(x).sum().backward()
        o1.step()
    m2, o2 = make()
    m2.load_state_dict(m1.state_dict())
    o2.load_state_dict(o1.state_dict())
    for m, o in ((m1, o1), (m2, o2)):
        o.zero_grad()
        m(x).sum().backward()
        o.step()
    np.testing.assert_array_equal(m1.weight.numpy(), m2.weight.numpy())


# ---------------------------------------------------------------- schedules
def lrs_of(make_sched, steps=12, lr=0.1):
    p = engine.nn.Parameter(engine.ones(1))
    opt = optim.SGD([p], lr=lr)
    sched = make_sched(opt)
    out = []
    for _ in range(steps):
        out.append(opt.param_groups[0]["lr"])
        sched.step()
    return out


def test_schedules_closed_forms():
    S = optim.lr_scheduler
    assert lrs_of(lambda o: S.StepLR(o, 3, 0.5)) == pytest.approx([0.1 * 0.5 ** (e // 3) for e in range(12)])
    assert lrs_of(lambda o: S.ExponentialLR(o, 0.9)) == pytest.approx([0.1 * 0.9 ** e for e in range(12)])
    assert lrs_of(lambda o: S.CosineAnnealingLR(o, 10, 0.01)) == pytest.approx(
        [0.01 + 0.09 * (1 + math.cos(math.pi * e / 10)) / 2 for e in range(12)])
    assert lrs_of(lambda o: S.MultiStepLR(o, [2, 5], 0.1)) == pytest.approx(
        [0.1, 0.1, 0.01, 0.01, 0.01, 0.001] + [0.001] * 6)


@pytest.mark.parametrize("name,kwargs", [("StepLR", dict(step_size=3, gamma=0.5)),
                                         ("ExponentialLR", dict(gamma=0.9)),
                                         ("CosineAnnealingLR", dict(T_max=10, eta_min=0.01)),
                                         ("MultiStepLR", dict(milestones=[2, 5], gamma=0.1))])
def test_schedules_match_pytorch(name, kwargs):
    torch = pytest.importorskip("torch")
    tp = torch.nn.Parameter(torch.ones(1))
    topt = torch.optim.SGD([tp], lr=0.1)
    tsched = getattr(torch.optim.lr_scheduler, name)(topt, **kwargs)
    expected = []
    for _ in range(12):
        expected.append(topt.param_groups[0]["lr"])
        topt.step()
        tsched.step()
    assert lrs_of(lambda o: getattr(optim.lr_scheduler, name)(o, **kwargs)) == pytest.approx(expected, rel=1e-9)


def test_reduce_on_plateau_matches_pytorch():
    torch = pytest.importorskip("torch")
    metrics = [1.0, 0.9, 0.91, 0.92, 0.93, 0.95, 0.85, 0.86, 0.87, 0.88, 0.89, 0.9, 0.91]
    p = engine.nn.Parameter(engine.ones(1))
    opt = optim.SGD([p], lr=0.1)
    sched = optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=2, cooldown=1)
    tp = torch.nn.Parameter(torch.ones(1))
    topt = torch.optim.SGD([tp], lr=0.1)
    tsched = torch.optim.lr_scheduler.ReduceLROnPlateau(topt, factor=0.5, patience=2, cooldown=1)
    for m in metrics:
        sched.step(m)
        tsched.step(m)
        assert opt.param_groups[0]["lr"] == pytest.approx(topt.param_groups[0]["lr"])
    assert opt.param_groups[0]["lr"] < 0.1


# ---------------------------------------------------------------- clipping
def test_clip_grad_norm_scales_all_gradients_together():
    a, b = engine.nn.Parameter(engine.ones(3)), engine.nn.Parameter(engine.ones(4))
    a.grad, b.grad = engine.tensor([3.0, 0.0, 0.0]), engine.tensor([0.0, 4.0, 0.0, 0.0])
    total = optim.clip_grad_norm_([a, b], 1.0)
    assert total == pytest.approx(5.0)
    assert np.linalg.norm(np.concatenate([a.grad.numpy(), b.grad.numpy()])) == pytest.approx(1.0, rel=1e-5)
    assert optim.clip_grad_norm_([a, b], 10.0) == pytest.approx(1.0, rel=1e-5)   # no change under the limit
    assert optim.clip_grad_norm_([a, b], 0.5, norm_type=math.inf) == pytest.approx(0.8, rel=1e-5)


def test_clip_grad_value():
    a = engine.nn.Parameter(engine.ones(3))
    a.grad = engine.tensor([-3.0, 0.5, 2.0])
    optim.clip_grad_value_([a], 1.0)
    assert a.grad.tolist() == [-1.0, 0.5, 1.0]


def test_shared_gradient_arrays_are_never_clipped_twice():
    """x + y hands the same upstream gradient to both leaves; clipping one must not touch the other."""
    x, y = engine.nn.Parameter(engine.ones(2)), engine.nn.Parameter(engine.ones(2))
    ((x + y) * 3.0).sum().backward()
    assert x.grad.array is not y.grad.array
    optim.clip_grad_value_([x], 1.0)
    assert y.grad.tolist() == [3.0, 3.0]


def test_adam_fast_paths_keep_the_rule_for_strided_parameters_and_loaded_states():
    """What a review of the fast paths found: a Fortran-ordered (strided) parameter is updated,
    large or small; the cache of packed small parameters stays bounded when gradients come and
    go; a state dict whose step is a numpy number loads and steps."""
    rng = np.random.default_rng(0)
    for shape in ((400, 300), (6, 5)):
        w = np.asfortranarray(rng.standard_normal(shape))
        p = engine.from_numpy(w.copy())
        p.requires_grad = True
        opt = engine.optim.Adam([p], lr=0.1)
        p.grad = engine.tensor(np.ones(shape))
        opt.step()
        np.testing.assert_allclose(p.array, w - 0.1, atol=1e-7)     # Adam's first step: lr·sign(g)
    params = [engine.tensor(rng.standard_normal(1000), requires_grad=True) for _ in range(12)]
    opt = engine.optim.Adam(params, lr=0.01)
    for _ in range(200):
        for p in params:
            p.grad = engine.tensor(rng.standard_normal(1000)) if rng.random() < 0.8 else None
        opt.step()
    assert len(opt.__dict__.get("_packs", {})) <= 12
    sd = opt.state_dict()
    for s in sd["state"].values():
        s["step"] = np.int64(s["step"])
    opt.load_state_dict(sd)
    for p in params:
        p.grad = engine.tensor(np.ones(1000))
    opt.step()
