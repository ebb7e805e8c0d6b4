"""Layers: forward and gradients against torch.nn with the same weights (state dicts move both
ways), parameters and state dicts, train/eval behaviour, initializers, seeded reproducibility."""
import numpy as np
import pytest

import engine
from engine import functional as F, nn


def torch_or_skip():
    return pytest.importorskip("torch")


def compare_module(emod, tmod, x, *, rtol=1e-9, atol=1e-10, extra=None):
    """Load the engine module's weights into the torch module, run both in float64 on ``x``
    with a random upstream gradient, and compare outputs, input gradient and weight gradients."""
    torch = torch_or_skip()
    tmod.double()
    tmod.load_state_dict({k: torch.from_numpy(v.numpy().astype(np.float64)) for k, v in emod.state_dict().items()})
    for p in emod.parameters():
        p.array = p.array.astype(np.float64)
    for _, b in emod.named_buffers():
        b.array = b.array.astype(np.float64)
    ex = engine.tensor(x, requires_grad=True, dtype="float64")
    tx = torch.from_numpy(x.copy()).requires_grad_(True)
    eo, to = emod(ex), tmod(tx)
    e_flat, t_flat = _flatten(eo), _flatten(to)
    rng = np.random.default_rng(5)
    e_obj = t_obj = 0
    for e, t in zip(e_flat, t_flat):
        np.testing.assert_allclose(e.numpy(), t.detach().numpy(), rtol=rtol, atol=atol)
        g = rng.standard_normal(e.shape)
        e_obj = e_obj + (e * engine.Tensor(g)).sum()
        t_obj = t_obj + (t * torch.from_numpy(g)).sum()
    e_obj.backward()
    t_obj.backward()
    np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), rtol=rtol, atol=atol)
    tgrads = {k: p.grad for k, p in tmod.named_parameters()}
    for name, p in emod.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), tgrads[name].numpy(), rtol=rtol, atol=atol, err_msg=name)
    return eo, to


def _flatten(o):
    if isinstance(o, (tuple, list)):
        return [t for item in o for t in _flatten(item)]
    return [o]


def test_linear_and_sequential_match_torch():
    torch = torch_or_skip()
    emod = nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 3))
    tmod = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.Tanh(), torch.nn.Linear(6, 3))
    compare_module(emod, tmod, np.random.default_rng(0).standard_normal((5, 4)))


def test_cnn_stack_matches_torch():
    torch = torch_or_skip()
    tn = torch.nn
    emod = nn.Sequential(nn.Conv2d(2, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(4, 3, 3, stride=2), nn.AvgPool2d(1), nn.Flatten(), nn.Linear(3, 2))
    tmod = tn.Sequential(tn.Conv2d(2, 4, 3, padding=1), tn.BatchNorm2d(4), tn.ReLU(), tn.MaxPool2d(2),
                         tn.Conv2d(4, 3, 3, stride=2), tn.AvgPool2d(1), tn.Flatten(), tn.Linear(3, 2))
    compare_module(emod, tmod, np.random.default_rng(1).standard_normal((3, 2, 8, 8)))
    np.testing.assert_allclose(emod[1].running_mean.numpy(), tmod[1].running_mean.numpy(), rtol=1e-9)
    np.testing.assert_allclose(emod[1].running_var.numpy(), tmod[1].running_var.numpy(), rtol=1e-9)


def test_layer_norm_embedding_match_torch():
    torch = torch_or_skip()
    compare_module(nn.LayerNorm(5), torch.nn.LayerNorm(5), np.random.default_rng(2).standard_normal((2, 3, 5)))
    emb, temb = nn.Embedding(7, 3, padding_idx=0), torch.nn.Embedding(7, 3, padding_idx=0)
    temb.double().load_state_dict({"weight": torch.from_numpy(emb.weight.numpy().astype(np.float64))})
    emb.weight.array = emb.weight.array.astype(np.float64)
    idx = np.array([[0, 3, 6], [2, 2, 0]])
    eo, to = emb(engine.tensor(idx)), temb(torch.from_numpy(idx))
    np.testing.assert_allclose(eo.numpy(), to.detach().numpy())
    g = np.random.default_rng(0).standard_normal(eo.shape)
    eo.backward(g)
    to.backward(torch.from_numpy(g))
    np.testing.assert_allclose(emb.weight.grad.numpy(), temb.weight.grad.numpy())
    assert np.all(emb.weight.grad.numpy()[0] == 0)


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("num_layers,bidirectional,batch_first", [(1, False, True), (2, True, False), (2, False, True)])
def test_recurrent_layers_match_torch(kind, num_layers, bidirectional, batch_first):
    torch = torch_or_skip()
    emod = getattr(nn, kind)(3, 4, num_layers=num_layers, bidirectional=bidirectional, batch_first=batch_first)
    tmod = getattr(torch.nn, kind)(3, 4, num_layers=num_layers, bidirectional=bidirectional, batch_first=batch_first)
    shape = (2, 5, 3) if batch_first else (5, 2, 3)
    compare_module(emod, tmod, np.random.default_rng(3).standard_normal(shape))


def test_lstm_with_initial_state_matches_torch():
    torch = torch_or_skip()
    emod, tmod = nn.LSTM(3, 4, batch_first=True), torch.nn.LSTM(3, 4, batch_first=True).double()
    tmod.load_state_dict({k: torch.from_numpy(v.numpy().astype(np.float64)) for k, v in emod.state_dict().items()})
    for p in emod.parameters():
        p.array = p.array.astype(np.float64)
    rng = np.random.default_rng(4)
    x, h0, c0 = rng.standard_normal((2, 6, 3)), rng.standard_normal((1, 2, 4)), rng.standard_normal((1, 2, 4))
    eo, (eh, ec) = emod(engine.tensor(x, dtype="float64"), (engine.tensor(h0, dtype="float64"), engine.tensor(c0, dtype="float64")))
    to, (th, tc) = tmod(torch.from_numpy(x), (torch.from_numpy(h0), torch.from_numpy(c0)))
    for e, t in ((eo, to), (eh, th), (ec, tc)):
        np.testing.assert_allclose(e.numpy(), t.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_bidirectional_wrapper_concatenates_a_reversed_twin():
    layer = nn.GRU(3, 4, batch_first=True)
    bi = nn.Bidirectional(layer)
    x = engine.randn(2, 5, 3)
    out, (hf, hb) = bi(x)
    assert out.shape == (2, 5, 8)
    fwd, _ = layer(x)
    np.testing.assert_allclose(out.numpy()[..., :4], fwd.numpy(), rtol=1e-6)
    back, _ = bi.backward_layer(x[:, ::-1])
    np.testing.assert_allclose(out.numpy()[..., 4:], back.numpy()[:, ::-1], rtol=1e-6)
    names = [n for n, _ in bi.named_parameters()]
    assert "forward_layer.weight_ih_l0" in names and "backward_layer.weight_ih_l0" in names
    out.sum().backward()
    assert all(p.grad is not None for p in bi.parameters())
    with pytest.raises(ValueError, match="merge_mode"):
        nn.Bidirectional(nn.GRU(3, 4), merge_mode="max")


def test_last_step_of_a_sequence():
    out, h = nn.RNN(3, 4, batch_first=True)(engine.randn(2, 5, 3))
    np.testing.assert_allclose(nn.last_step(out).numpy(), h.numpy()[0], rtol=1e-6)


def test_dropout_train_eval_and_scaling():
    engine.manual_seed(0)
    d = nn.Dropout(0.5)
    x = engine.ones(1000, 100)
    y = d(x).numpy()
    zero_frac = (y == 0).mean()
    assert 0.47 < zero_frac < 0.53
    assert set(np.unique(y)) <= {0.0, 2.0}           # kept values scaled by 1/(1-p)
    assert abs(y.mean() - 1.0) < 0.02                  # expectation preserved
    d.eval()
    assert d(x) is x


def test_batchnorm_eval_uses_running_statistics():
    bn = nn.BatchNorm1d(3)
    x = engine.randn(50, 3) * 3.0 + 2.0
    for _ in range(30):
        bn(x)
    bn.eval()
    y = bn(x).numpy()
    assert abs(y.mean()) < 0.1 and abs(y.std() - 1) < 0.1
    with pytest.raises(engine.ShapeError, match="BatchNorm1d"):
        bn(engine.randn(4, 5))


def test_named_parameters_state_dict_round_trip():
    m = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Flatten(), nn.Linear(2 * 4 * 4, 3))
    names = [n for n, _ in m.named_parameters()]
    assert names == ["0.weight", "0.bias", "1.weight", "1.bias", "3.weight", "3.bias"]
    assert m.num_parameters() == 2 * 9 + 2 + 2 + 2 + 32 * 3 + 3
    sd = m.state_dict()
    assert "1.running_mean" in sd and "1.running_var" in sd
    m2 = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Flatten(), nn.Linear(2 * 4 * 4, 3))
    m2.load_state_dict(sd)
    x = engine.randn(2, 1, 6, 6)
    m.eval(), m2.eval()
    np.testing.assert_array_equal(m(x).numpy(), m2(x).numpy())
    # as in PyTorch the state dict shares the model's memory; a clone is a snapshot
    snapshot = {k: v.clone() for k, v in sd.items()}
    with engine.no_grad():
        m[0].weight += 1
    assert np.array_equal(sd["0.weight"].numpy(), m[0].weight.numpy())
    assert not np.array_equal(snapshot["0.weight"].numpy(), m[0].weight.numpy())


def test_load_state_dict_names_the_problem():
    m = nn.Linear(3, 2)
    sd = m.state_dict()
    with pytest.raises(KeyError, match="missing keys: bias"):
        m.load_state_dict({"weight": sd["weight"]})
    with pytest.raises(KeyError, match="unexpected keys: extra"):
        m.load_state_dict({**sd, "extra": np.zeros(1)})
    with pytest.raises(engine.ShapeError, match=r"weight has shape \(3, 3\)"):
        m.load_state_dict({**sd, "weight": np.zeros((3, 3))})


def test_train_eval_mode_propagates():
    m = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Dropout(0.3)))
    m.eval()
    assert not any(mod.training for mod in m.modules())
    m.train()
    assert all(mod.training for mod in m.modules())


def test_same_seed_same_everything():
    def run(seed):
        engine.manual_seed(seed)
        m = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Dropout(0.3), nn.Linear(8, 2))
        opt = engine.optim.SGD(m.parameters(), lr=0.1)
        x, y = engine.randn(16, 4), engine.tensor(np.arange(16) % 2)
        losses = []
        for _ in range(5):
            loss = F.cross_entropy(m(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        return losses, m.state_dict()
    l1, s1 = run(3)
    l2, s2 = run(3)
    l3, _ = run(4)
    assert l1 == l2
    assert all(np.array_equal(s1[k], s2[k]) for k in s1)
    assert l1 != l3


def test_explicit_generator_is_independent_of_the_global_seed():
    a = nn.Linear(5, 5, generator=engine.Generator(11))
    engine.manual_seed(99)
    b = nn.Linear(5, 5, generator=engine.Generator(11))
    np.testing.assert_array_equal(a.weight.numpy(), b.weight.numpy())


@pytest.mark.parametrize("scheme", ["default", "xavier_uniform", "xavier_normal", "kaiming_uniform", "kaiming_normal"])
def test_initializers_have_the_published_spread(scheme):
    fan_in, fan_out = 400, 300
    w = nn.Linear(fan_in, fan_out, weight_init=scheme, generator=engine.Generator(0)).weight.numpy()
    expected_std = {
        "default": 1 / np.sqrt(fan_in) / np.sqrt(3),        # U(±1/√fan_in)
        "xavier_uniform": np.sqrt(2.0 / (fan_in + fan_out)),
        "xavier_normal": np.sqrt(2.0 / (fan_in + fan_out)),
        "kaiming_uniform": np.sqrt(2.0 / fan_in),
        "kaiming_normal": np.sqrt(2.0 / fan_in),
    }[scheme]
    assert abs(w.std() / expected_std - 1) < 0.03
    assert abs(w.mean()) < 0.05 * expected_std * 10
    if "uniform" in scheme or scheme == "default":
        assert np.abs(w).max() <= expected_std * np.sqrt(3) + 1e-7


def test_zero_and_constant_initializers():
    lin = nn.Linear(3, 2, weight_init="zeros", bias_init="ones")
    assert not lin.weight.numpy().any() and (lin.bias.numpy() == 1).all()
    with pytest.raises(ValueError, match="unknown initializer"):
        nn.Linear(3, 2, weight_init="glorot")
    t = engine.zeros(2, 2)
    nn.init.constant_(t, 0.25)
    assert (t.numpy() == 0.25).all()


def test_module_repr_lists_children():
    text = repr(nn.Sequential(nn.Linear(2, 3), nn.ReLU()))
    assert "Linear(in_features=2, out_features=3" in text and "(1): ReLU()" in text
