"""The issue's finish line: a PyTorch introduction runs with ``import engine as torch`` and no other
change. The workflow below is written once against a module named ``torch``; it runs on the engine
and, when PyTorch is installed, on PyTorch too, and the numbers that do not depend on random
initialization must agree."""
import importlib

import numpy as np
import pytest


def intro(torch, tmp_path):
    """What a first PyTorch tutorial does, step by step. Returns the numbers to compare."""
    nn = torch.nn
    F = importlib.import_module(torch.__name__ + ".nn.functional")
    from_data = importlib.import_module(torch.__name__ + ".utils.data")
    DataLoader, TensorDataset = from_data.DataLoader, from_data.TensorDataset
    out = {}

    # 1. tensors and autograd on a scalar function; grad accumulates, zero_() resets it
    x = torch.tensor(3.0, requires_grad=True)
    y = x ** 2 + 2 * x + torch.square(x) / torch.sqrt(torch.tensor(4.0))
    y.backward()
    out["dy_dx"] = x.grad.item()
    y = x ** 2 + 2 * x + torch.square(x) / torch.sqrt(torch.tensor(4.0))
    y.backward()
    out["dy_dx_twice"] = x.grad.item()
    x.grad.zero_()
    out["after_zero"] = x.grad.item()
    out["mean_eye"] = torch.mean(torch.eye(3)).item()

    # 2. linear regression by hand: w.data updated in place under no_grad
    gen = np.random.default_rng(0)
    X = torch.tensor(gen.uniform(-1, 1, (64, 1)), dtype=torch.float32)
    Y = 3.0 * X - 0.5 + torch.tensor(gen.normal(0, 0.05, (64, 1)), dtype=torch.float32)
    w = torch.zeros(1, 1, requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    lr = 0.1
    for _ in range(200):
        loss = ((X @ w + b - Y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            w.data.sub_(lr * w.grad)
            b -= lr * b.grad
            w.grad.zero_()
            b.grad.zero_()
    out["w"], out["b"], out["regression_loss"] = w.item(), b.item(), loss.item()
    assert w.is_leaf and w.requires_grad

    # 3. nn.Sequential + Adam with a positional lr + a DataLoader over a TensorDataset
    torch.manual_seed(0)
    centres = gen.normal(0, 3, (3, 4))
    labels = gen.integers(0, 3, 300)
    feats = centres[labels] + gen.normal(0, 1, (300, 4))
    data = TensorDataset(torch.tensor(feats, dtype=torch.float32), torch.tensor(labels))
    loader = DataLoader(data, batch_size=32, shuffle=True, generator=torch.Generator().manual_seed(1))
    model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(inplace=True), nn.Dropout(0.1), nn.Linear(16, 3))
    opt = torch.optim.Adam(model.parameters(), 0.01)
    loss_fn = nn.CrossEntropyLoss()
    for epoch in range(15):
        model.train()
        for xb, yb in loader:
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
    model.eval()
    with torch.no_grad():
        logits = model(data.tensors[0])
        out["accuracy"] = (logits.argmax(dim=1) == data.tensors[1]).float().mean().item()
        out["ce"] = F.cross_entropy(logits, data.tensors[1]).item()

    # 4. a binary head with BCEWithLogitsLoss
    head = nn.Linear(4, 1)
    opt2 = torch.optim.SGD(head.parameters(), lr=0.5)
    target = (data.tensors[1] == 0).float().unsqueeze(1)
    for _ in range(100):
        opt2.zero_grad()
        bce = nn.BCEWithLogitsLoss()(head(data.tensors[0]), target)
        bce.backward()
        opt2.step()
    out["bce"] = bce.item()

    # 5. state_dict saved and loaded into a fresh model gives the same outputs
    path = str(tmp_path / f"model_{torch.__name__}.pt")
    torch.save(model.state_dict(), path)
    clone = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Dropout(0.1), nn.Linear(16, 3))
    clone.load_state_dict(torch.load(path))
    clone.eval()
    with torch.no_grad():
        assert torch.allclose(clone(data.tensors[0]), logits)
    return out


def test_the_pytorch_intro_runs_on_the_engine(tmp_path):
    import engine
    out = intro(engine, tmp_path)
    assert out["dy_dx"] == pytest.approx(2 * 3 + 2 + 2 * 3 / 2)
    assert out["dy_dx_twice"] == pytest.approx(2 * out["dy_dx"])
    assert out["after_zero"] == 0.0
    assert out["w"] == pytest.approx(3.0, abs=0.05) and out["b"] == pytest.approx(-0.5, abs=0.05)
    assert out["accuracy"] > 0.9
    assert out["bce"] < 0.3


def test_the_same_intro_gives_pytorchs_numbers(tmp_path):
    torch = pytest.importorskip("torch")
    import engine
    ours, theirs = intro(engine, tmp_path), intro(torch, tmp_path)
    for key in ("dy_dx", "dy_dx_twice", "after_zero", "mean_eye", "w", "b", "regression_loss"):
        assert ours[key] == pytest.approx(theirs[key], rel=1e-4, abs=1e-6), key
    # trained from different random weights: the same quality, not the same numbers
    assert abs(ours["accuracy"] - theirs["accuracy"]) < 0.05
