"""Training-step speed of the engine against PyTorch, same architecture, batch, initial weights
and thread count, measured in one process with interleaved blocks so machine noise hits both.

    python benchmarks/train_step.py                 # (a), (b), (c), (d) on the CPU
    python benchmarks/train_step.py --device gpu    # (b), (c) at batch 1024 on CuPy vs torch CUDA

Prints, per workload, the median time per step of each and the ratio
speed(engine)/speed(PyTorch) = time(PyTorch)/time(engine): above 1 means the engine is faster.
The ratio shown is the median of the per-round ratios, with their min–max beside it; a target
counts as met only when the min of the rounds meets it.
"""
import argparse
import statistics
import sys

from _common import fmt_time, interleaved, ratio_summary, set_threads, try_import_torch

WORKLOADS = {
    "a": dict(title="(a) MLP 64-100-10, batch 32, Adam", kind="mlp", sizes=(64, 100, 10), batch=32),
    "b": dict(title="(b) MLP 784-512-512-10, batch 256, Adam", kind="mlp", sizes=(784, 512, 512, 10), batch=256),
    "c": dict(title="(c) CNN conv3x3(16)-pool-conv3x3(32)-pool-linear(10) on 1x28x28, batch 64, Adam",
              kind="cnn", batch=64),
    "d": dict(title="(d) LSTM 32->128 over 50 steps, last step -> linear(10), batch 64, Adam", kind="lstm",
              features=32, hidden=128, seq=50, batch=64),
}
TARGETS = {("cpu", "a"): 3.0, ("cpu", "b"): 1.1, ("cpu", "c"): 0.75, ("cpu", "d"): 0.7, ("gpu", "b"): 0.7,
           ("gpu", "c"): 0.7}


def build_model(nn, w):
    """The workload's network from ``nn`` — engine.nn or torch.nn, which share these names."""
    if w["kind"] == "lstm":
        class LastStep(nn.Module):
            def __init__(self):
                super().__init__()
                self.rnn = nn.LSTM(w["features"], w["hidden"], batch_first=True)
                self.head = nn.Linear(w["hidden"], 10)

            def forward(self, x):
                out, _ = self.rnn(x)
                return self.head(out[:, -1])
        return LastStep()
    if w["kind"] == "mlp":
        layers = []
        for a, b in zip(w["sizes"][:-1], w["sizes"][1:]):
            layers += [nn.Linear(a, b), nn.ReLU()]
        return nn.Sequential(*layers[:-1])
    return nn.Sequential(nn.Conv2d(1, 16, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(16, 32, 3), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(32 * 5 * 5, 10))


def make_data(np, w, batch):
    rng = np.random.default_rng(0)
    shape = {"mlp": lambda: (batch, w["sizes"][0]), "cnn": lambda: (batch, 1, 28, 28),
             "lstm": lambda: (batch, w["seq"], w["features"])}[w["kind"]]()
    return rng.standard_normal(shape).astype(np.float32), rng.integers(0, 10, batch)


def engine_step(engine, w, batch, device):
    import numpy as np
    engine.manual_seed(0)
    model = build_model(engine.nn, w).to(device)
    opt = engine.optim.Adam(model.parameters(), lr=1e-3)
    xs, ys = make_data(np, w, batch)
    x, y = engine.tensor(xs, device=device), engine.tensor(ys, device=device)
    F = engine.functional

    def step():
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return step, model.state_dict()


def torch_step(torch, w, batch, device, state):
    import numpy as np
    model = build_model(torch.nn, w)
    model.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in state.items()})
    model.to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    xs, ys = make_data(np, w, batch)
    x, y = torch.from_numpy(xs).to(device), torch.from_numpy(ys).to(device)
    F = torch.nn.functional

    def step():
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return step


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", choices=["cpu", "gpu"], default="cpu")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--batch", type=int, default=None, help="override the batch (GPU default 1024)")
    ap.add_argument("workloads", nargs="*", default=None)
    args = ap.parse_args(argv)
    set_threads(args.threads)
    import engine
    torch = try_import_torch()
    if torch is None:
        print("PyTorch is not installed: no reference to compare with (pip install torch==2.13.0)")
        return 1
    torch.set_num_threads(args.threads)
    names = args.workloads or (["a", "b", "c", "d"] if args.device == "cpu" else ["b", "c"])
    if args.device == "gpu":
        reason = engine.gpu_unavailable_reason()
        if reason or not torch.cuda.is_available():
            print(f"no GPU run: {reason or 'PyTorch sees no CUDA device'}")
            return 1
        import cupy
        esync, tsync, tdev = cupy.cuda.Device().synchronize, torch.cuda.synchronize, "cuda"
    else:
        esync = tsync = None
        tdev = "cpu"
    print(f"device {args.device}, {args.threads} threads, torch {torch.__version__}")
    for name in names:
        w = WORKLOADS[name]
        batch = args.batch or (1024 if args.device == "gpu" else w["batch"])
        estep, state = engine_step(engine, w, batch, args.device)
        tstep = torch_step(torch, w, batch, tdev, state)
        te, tt, ratios = interleaved(estep, tstep, args.rounds, esync, tsync)
        title = w["title"] if batch == w["batch"] else f"{w['title']} [batch {batch}]"
        print(f"{title}\n    engine {fmt_time(statistics.median(te))}/step   PyTorch "
              f"{fmt_time(statistics.median(tt))}/step   ratio "
              f"{ratio_summary(ratios, TARGETS.get((args.device, name)))}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
