"""The ``train.py`` an exported package carries: the graph's training configuration in plain
PyTorch — the same prepared data (split and scaling as the engine made them), batches in the same
order (numpy's generator with the graph's seed), the optimizer and schedule with PyTorch's own
classes, clipping, early stopping and restore-best — printing one line per epoch as
``tensorweave train`` does. Under ``torchrun`` it trains with DistributedDataParallel and a
DistributedSampler (each rank a share of the data, the configured batch split across the ranks),
gradients averaged, metrics reduced, and only rank 0 writes the checkpoint; one process gives the
engine's batches exactly (same seed, same order), so its losses match ``tensorweave train``."""

LOSSES = {
    "MSE": "F.mse_loss(pred, y, reduction={r!r})",
    "MAE": "F.l1_loss(pred, y, reduction={r!r})",
    "MSLE": "F.mse_loss(torch.log1p(pred), torch.log1p(y), reduction={r!r})",
    "Huber": "F.huber_loss(pred, y, reduction={r!r}, delta={delta})",
    "BinaryCrossEntropy": "F.binary_cross_entropy(pred, y, reduction={r!r})",
    "BCEWithLogits": "F.binary_cross_entropy_with_logits(pred, y, reduction={r!r})",
    "Hinge": "_reduce(torch.clamp(1 - _signed(y) * pred, min=0), {r!r})",
    "SquaredHinge": "_reduce(torch.clamp(1 - _signed(y) * pred, min=0) ** 2, {r!r})",
    "CrossEntropy": "F.cross_entropy(pred, y, reduction={r!r})",
    "CategoricalCrossEntropy": "_reduce(-(y * torch.log(pred.clamp(1e-7, 1 - 1e-7))).sum(-1), {r!r})",
    "NLL": "F.nll_loss(pred, y, reduction={r!r})",
    "KLDivergence": "F.kl_div(pred, y, reduction={kl!r})",
}

TEMPLATE = '''"""Train the exported {name!r} model as Tensorweave would: python train.py [--epochs N] [--out DIR]
Several processes: torchrun --nproc_per_node=2 train.py   (gloo on CPU, NCCL with CUDA)."""
import argparse
import copy
import json
import os
import time

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F

from model import {cls}

HERE = os.path.dirname(os.path.abspath(__file__))
CONFIG = {config}
TASK, EXPECTS = {task!r}, {expects!r}


def _signed(y):
    return 2 * y - 1 if bool((y >= 0).all()) else y


def _reduce(v, r):
    return v.mean() if r == "mean" else v.sum() if r == "sum" else v


def loss_fn(pred, y):
    return {loss}


def metric_sum(pred, y):
    """Correct answers (classification) or summed absolute error (regression) over a batch."""
    if TASK == "regression":
        return (pred.reshape(len(pred), -1) - y.reshape(len(y), -1)).abs().mean(dim=1).sum().item()
    if TASK == "multiclass":
        truth = y if y.dtype == torch.int64 else y.argmax(dim=1)
        return (pred.argmax(dim=1) == truth).sum().item()
    threshold = 0.5 if EXPECTS == "probabilities" else 0.0
    p = pred.reshape(len(pred), -1)[:, 0] > threshold
    t = y.reshape(len(y), -1)[:, 0] > (0.0 if bool((y < 0).any()) else 0.5)
    return (p == t).sum().item()


def make_optimizer(params, c):
    name, lr, wd = c["optimizer"], c["lr"], c["weight_decay"]
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=c["momentum"], weight_decay=wd,
                               nesterov=bool(c["nesterov"] and c["momentum"] > 0))
    betas = (c["beta1"], c["beta2"])
    if name in ("adam", "adamw", "adamax"):
        cls = {{"adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "adamax": torch.optim.Adamax}}[name]
        return cls(params, lr=lr, betas=betas, weight_decay=wd)
    if name == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, momentum=c["momentum"], weight_decay=wd)
    if name == "adagrad":
        return torch.optim.Adagrad(params, lr=lr, weight_decay=wd)
    return torch.optim.Adadelta(params, lr=lr, weight_decay=wd)


def make_schedule(opt, c):
    kind = c["schedule"]
    if kind == "step":
        return torch.optim.lr_scheduler.StepLR(opt, c["schedule_step"], c["schedule_gamma"])
    if kind == "exponential":
        return torch.optim.lr_scheduler.ExponentialLR(opt, c["schedule_gamma"])
    if kind == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(opt, c["epochs"])
    if kind == "plateau":
        return torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=c["schedule_gamma"], patience=c["schedule_step"])
    return None


def batches(n, size, shuffle, rng):
    order = rng.permutation(n) if shuffle else np.arange(n)
    if size <= 0 or size >= n:
        return [order]
    return [order[i:i + size] for i in range(0, n, size)]


def rank_batches(sampler, epoch, size, world):
    """This rank's batches under torchrun: its DistributedSampler share, in batches that together
    (over the ranks) make the configured batch size."""
    sampler.set_epoch(epoch)
    mine = np.fromiter(iter(sampler), dtype=np.int64)
    per = max(1, -(-size // world)) if size > 0 else len(mine)
    return [mine[i:i + per] for i in range(0, len(mine), per)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=CONFIG["epochs"])
    ap.add_argument("--out", default=os.path.join(HERE, "checkpoint.npz"))
    args = ap.parse_args()
    c = dict(CONFIG, epochs=args.epochs)
    distributed = "RANK" in os.environ and int(os.environ.get("WORLD_SIZE", "1")) > 1
    device = torch.device("cpu")
    if distributed:
        backend = "nccl" if torch.cuda.is_available() else "gloo"
        dist.init_process_group(backend)
        if backend == "nccl":
            device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", 0)))
    rank, world = (dist.get_rank(), dist.get_world_size()) if distributed else (0, 1)
    data = np.load(os.path.join(HERE, "data.npz"), allow_pickle=False)
    xtr, ytr = torch.from_numpy(data["x_train"]).to(device), torch.from_numpy(data["y_train"]).to(device)
    has_val = "x_val" in data.files
    xva = torch.from_numpy(data["x_val"]).to(device) if has_val else None
    yva = torch.from_numpy(data["y_val"]).to(device) if has_val else None
    model = {cls}().to(device)
    weights = np.load(os.path.join(HERE, "weights.npz"), allow_pickle=False)
    model.load_state_dict({{k: torch.from_numpy(weights[k]) for k in weights.files}}, strict=False)
    net = torch.nn.parallel.DistributedDataParallel(model) if distributed else model
    opt = make_optimizer(model.parameters(), c)
    schedule = make_schedule(opt, c)
    rng = np.random.default_rng(c["seed"])
    n = len(xtr)
    sampler = None
    if distributed:
        from torch.utils.data.distributed import DistributedSampler
        sampler = DistributedSampler(range(n), num_replicas=world, rank=rank, shuffle=c["shuffle"], seed=c["seed"])
    best, best_epoch, since, best_state = float("inf"), 0, 0, None
    metric = "mae" if TASK == "regression" else "accuracy"
    for epoch in range(1, c["epochs"] + 1):
        t0 = time.perf_counter()
        net.train()
        loss_sum = metric_total = 0.0
        seen = 0
        plan = rank_batches(sampler, epoch, c["batch_size"], world) if distributed else \
            batches(n, c["batch_size"], c["shuffle"], rng)
        for idx in plan:
            mine = torch.from_numpy(idx).to(device)
            seen += len(mine)
            xb, yb = xtr[mine], ytr[mine]
            opt.zero_grad()
            pred, target = net(xb, yb, with_target=True)
            loss = loss_fn(pred, target)
            loss.backward()
            if c["clip_grad_norm"] is not None:
                torch.nn.utils.clip_grad_norm_(model.parameters(), c["clip_grad_norm"])
            opt.step()
            loss_sum += loss.item() * len(mine)
            metric_total += metric_sum(pred.detach(), target.detach())
        row = {{"epoch": epoch, "train_loss": loss_sum, f"train_{{metric}}": metric_total}}
        if distributed:
            totals = torch.tensor([loss_sum, metric_total, seen], dtype=torch.float64, device=device)
            dist.all_reduce(totals)
            row["train_loss"], row[f"train_{{metric}}"], seen = totals.tolist()
        row["train_loss"] /= seen
        row[f"train_{{metric}}"] /= seen
        if has_val:
            row["val_loss"], row[f"val_{{metric}}"] = evaluate(model, xva, yva)
        watched = row.get("val_loss", row["train_loss"])
        if watched < best:
            best, best_epoch, since = watched, epoch, 0
            best_state = copy.deepcopy(model.state_dict())
        else:
            since += 1
        if rank == 0:
            parts = [f"epoch {{epoch:4d}}", f"loss {{row['train_loss']:.6f}}"]
            if has_val:
                parts.append(f"val_loss {{row['val_loss']:.6f}}")
                parts.append(f"val_{{metric}} {{row[f'val_{{metric}}']:.4f}}")
            parts.append(f"{{time.perf_counter() - t0:.2f}} s")
            print("  ".join(parts), flush=True)
        if schedule is not None:
            schedule.step(watched) if isinstance(schedule, torch.optim.lr_scheduler.ReduceLROnPlateau) else schedule.step()
        if c["early_stopping"] and since >= c["early_stopping"]:
            break
    if c["restore_best"] and best_state is not None:
        model.load_state_dict(best_state)
    if rank == 0:
        np.savez(args.out, **{{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()}})
        print(f"best epoch {{best_epoch}}; weights written to {{args.out}}")
    if distributed:
        dist.destroy_process_group()


@torch.no_grad()
def evaluate(model, x, y, chunk=512):
    model.eval()
    total = metric_total = 0.0
    for i in range(0, len(x), chunk):
        xb, yb = x[i:i + chunk], y[i:i + chunk]
        pred, target = model(xb, yb, with_target=True)
        total += loss_fn(pred, target).item() * len(xb)
        metric_total += metric_sum(pred, target)
    return total / len(x), metric_total / len(x)


if __name__ == "__main__":
    main()
'''


def train_script(name, class_name, loss_node, rule, cfg):
    p = loss_node.params
    r = p.get("reduction", "mean")
    loss = LOSSES[loss_node.type_id].format(r=r, delta=p.get("delta", 1.0),
                                            kl="batchmean" if r == "mean" else "sum")
    return TEMPLATE.format(name=name, cls=class_name, config=repr(cfg), task=rule.task, expects=rule.expects,
                           loss=loss)
