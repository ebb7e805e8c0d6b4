"""Peak memory while training (b), MLP 784-512-512-10 at batch 256 with Adam: engine vs PyTorch.

Each framework runs in its own process. After imports, data and one step of a throwaway
model (so one-time runtime set-up is not counted) the kernel's high-water mark is reset (/proc/self/clear_refs), the model is built and trained for 30 steps,
and the peak resident memory above that baseline is reported (Linux only).

    python benchmarks/memory.py
"""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def _status_kib(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def child(framework, steps=30, batch=256):
    sys.path.insert(0, HERE)
    from _common import set_threads
    set_threads(2)
    import numpy as np
    rng = np.random.default_rng(0)
    xs, ys = rng.standard_normal((batch, 784)).astype(np.float32), rng.integers(0, 10, batch)
    if framework == "engine":
        import engine
        F = engine.functional
        x, y = engine.tensor(xs), engine.tensor(ys)
    else:
        import torch
        torch.set_num_threads(2)
        F = torch.nn.functional
        x, y = torch.from_numpy(xs), torch.from_numpy(ys)
    # One step of a throwaway model first, so neither framework's one-time runtime set-up
    # (thread pools, kernel caches) counts as training memory.
    tiny = (engine.nn.Linear(4, 2) if framework == "engine" else torch.nn.Linear(4, 2))
    tiny_opt = (engine.optim.Adam if framework == "engine" else torch.optim.Adam)(tiny.parameters())
    tiny_in = engine.tensor(xs[:2, :4]) if framework == "engine" else torch.from_numpy(xs[:2, :4])
    tiny_y = engine.tensor(ys[:2] % 2) if framework == "engine" else torch.from_numpy(ys[:2] % 2)
    F.cross_entropy(tiny(tiny_in), tiny_y).backward()
    tiny_opt.step()
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    base = _status_kib("VmRSS")
    if framework == "engine":
        nn = engine.nn
        model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))
        opt = engine.optim.Adam(model.parameters(), lr=1e-3)
    else:
        nn = torch.nn
        model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for _ in range(steps):
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    peak = _status_kib("VmHWM")
    print(json.dumps({"framework": framework, "peak_above_baseline_mib": (peak - base) / 1024}))


def measure(framework):
    r = subprocess.run([sys.executable, __file__, "--child", framework], capture_output=True, text=True,
                       cwd=os.path.dirname(HERE))
    if r.returncode:
        raise RuntimeError(r.stderr.strip().splitlines()[-1] if r.stderr.strip() else f"{framework} failed")
    return json.loads(r.stdout.strip().splitlines()[-1])["peak_above_baseline_mib"]


def main():
    if not os.path.exists("/proc/self/clear_refs"):
        print("needs Linux /proc to measure peak memory")
        return 1
    e = measure("engine")
    try:
        t = measure("torch")
    except RuntimeError as exc:
        print(f"engine: {e:.1f} MiB above baseline; no PyTorch reference ({exc})")
        return 1
    params_mib = (784 * 512 + 512 + 512 * 512 + 512 + 512 * 10 + 10) * 4 / 2 ** 20
    print("(b) MLP 784-512-512-10, batch 256, Adam — peak memory above baseline while training")
    print(f"    engine {e:6.1f} MiB   PyTorch {t:6.1f} MiB   ratio {e / t:4.2f}x  (target ≤ 1 (issue 13): "
          f"{'met' if e / t <= 1 else 'MISSED'}); parameters alone are {params_mib:.1f} MiB")
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(sys.argv[2])
    else:
        sys.exit(main())
