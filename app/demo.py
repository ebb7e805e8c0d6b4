"""The built-in example: a small network learns XOR, the classic problem a single layer cannot
solve. Written with the engine's high-level API so it reads like the lesson."""
import numpy as np

import engine
from engine import functional as F, nn

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
XOR_Y = np.array([[0], [1], [1], [0]], dtype=np.float32)


def build_model(hidden=8):
    return nn.Sequential(nn.Linear(2, hidden), nn.Tanh(), nn.Linear(hidden, 1))


def train_xor(epochs=500, lr=0.05, seed=0, report_every=100, out=print):
    """Full-batch training with Adam; returns (model, history of losses)."""
    engine.manual_seed(seed)
    model = build_model()
    opt = engine.optim.Adam(model.parameters(), lr=lr)
    x, y = engine.tensor(XOR_X), engine.tensor(XOR_Y)
    history = []
    for epoch in range(1, epochs + 1):
        logits = model(x)
        loss = F.binary_cross_entropy_with_logits(logits, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        history.append(loss.item())
        if report_every and (epoch % report_every == 0 or epoch == 1):
            acc = float(((logits.numpy() > 0) == (XOR_Y > 0.5)).mean())
            out(f"epoch {epoch:4d}   loss {loss.item():.4f}   accuracy {acc:.0%}")
    return model, history


def run(out=print):
    out("Tensorweave — built-in example: a 2-8-1 network learns XOR (Adam, full batch)")
    out(f"parameters: {build_model().num_parameters()}")
    model, _ = train_xor(out=out)
    with engine.no_grad():
        p = F.sigmoid(model(engine.tensor(XOR_X))).numpy()[:, 0]
    out("\n  x1 x2 | target | predicted")
    for (a, b), t, q in zip(XOR_X, XOR_Y[:, 0], p):
        out(f"   {a:.0f}  {b:.0f} |   {t:.0f}    |   {q:.3f}")
    return 0
