"""Small synthetic data sets that show one idea each: non-linear boundaries (XOR, moons,
circles, spiral), clusters, label noise, polynomial regression and overfitting on few points,
and sequences. Every generator is seeded."""
import numpy as np

from ..params import P, ParamError
from .dataset import Dataset, DataError


def _rng(seed):
    return np.random.default_rng(seed)


def xor(n=200, noise=0.1, seed=0):
    rng = _rng(seed)
    x = rng.uniform(-1, 1, (n, 2))
    y = ((x[:, 0] > 0) ^ (x[:, 1] > 0)).astype(np.int64)
    x += rng.normal(0, noise, x.shape)
    return Dataset(x.astype(np.float32), y, "binary", "xor", "Two classes in opposite quadrants: no straight line separates them.",
                   ["x1", "x2"], ["0", "1"])


def moons(n=300, noise=0.15, seed=0):
    rng = _rng(seed)
    a = rng.uniform(0, np.pi, n // 2)
    b = rng.uniform(0, np.pi, n - n // 2)
    x = np.concatenate([np.c_[np.cos(a), np.sin(a)], np.c_[1 - np.cos(b), 0.5 - np.sin(b)]])
    y = np.r_[np.zeros(n // 2), np.ones(n - n // 2)].astype(np.int64)
    x += rng.normal(0, noise, x.shape)
    return Dataset(x.astype(np.float32), y, "binary", "moons", "Two interleaved half circles.", ["x1", "x2"], ["0", "1"])


def circles(n=300, noise=0.08, factor=0.5, seed=0):
    rng = _rng(seed)
    t = rng.uniform(0, 2 * np.pi, n)
    y = (np.arange(n) % 2).astype(np.int64)
    r = np.where(y == 0, 1.0, factor)
    x = np.c_[r * np.cos(t), r * np.sin(t)] + rng.normal(0, noise, (n, 2))
    return Dataset(x.astype(np.float32), y, "binary", "circles", "A ring around a disc.", ["x1", "x2"], ["outer", "inner"])


def spiral(n=300, classes=3, noise=0.2, seed=0):
    rng = _rng(seed)
    per = n // classes
    xs, ys = [], []
    for c in range(classes):
        r = np.linspace(0.05, 1.0, per)
        t = np.linspace(c * 2 * np.pi / classes, c * 2 * np.pi / classes + 4.0, per) + rng.normal(0, noise, per)
        xs.append(np.c_[r * np.sin(t), r * np.cos(t)])
        ys.append(np.full(per, c))
    return Dataset(np.concatenate(xs).astype(np.float32), np.concatenate(ys).astype(np.int64), "multiclass", "spiral",
                   "Interleaved spiral arms, one class each: needs a deeper network.",
                   ["x1", "x2"], [str(c) for c in range(classes)])


def blobs(n=300, centers=3, std=0.6, seed=0):
    rng = _rng(seed)
    c = rng.uniform(-4, 4, (centers, 2))
    y = rng.integers(0, centers, n)
    x = c[y] + rng.normal(0, std, (n, 2))
    return Dataset(x.astype(np.float32), y.astype(np.int64), "multiclass", "blobs", "Gaussian clusters.",
                   ["x1", "x2"], [str(i) for i in range(centers)])


def linear(n=200, label_noise=0.05, seed=0):
    rng = _rng(seed)
    x = rng.uniform(-1, 1, (n, 2))
    y = (x @ np.array([1.5, -1.0]) + 0.2 > 0).astype(np.int64)
    flip = rng.random(n) < label_noise
    y[flip] = 1 - y[flip]
    return Dataset(x.astype(np.float32), y, "binary", "linear", "Separable by a line, with some labels flipped.",
                   ["x1", "x2"], ["0", "1"])


def polynomial(n=100, degree=3, noise=0.1, seed=0, coefficients=None):
    rng = _rng(seed)
    coef = np.asarray(coefficients if coefficients is not None else rng.normal(0, 1, degree + 1))
    x = rng.uniform(-1, 1, n)
    y = np.polyval(coef, x) + rng.normal(0, noise, n)
    return Dataset(x[:, None].astype(np.float32), y[:, None].astype(np.float32), "regression", "polynomial",
                   f"A noisy polynomial of degree {len(coef) - 1}.", ["x"])


def few_points(n_train=8, n_validation=200, noise=0.25, seed=0):
    """The overfitting lesson: a few noisy points from a gentle curve for training and many fresh
    points from the same curve for validation. A rich model fits the few points exactly while
    its validation error grows."""
    rng = _rng(seed)

    def sample(n):
        x = rng.uniform(-1, 1, n)
        return x, 0.8 * x + 0.3 * np.sin(3 * x) + rng.normal(0, noise, n)
    xt, yt = sample(n_train)
    xv, yv = sample(n_validation)
    x = np.r_[xt, xv][:, None].astype(np.float32)
    y = np.r_[yt, yv][:, None].astype(np.float32)
    return Dataset(x, y, "regression", "few_points",
                   f"{n_train} training points and {n_validation} validation points from the same noisy curve "
                   "(validation = the last rows).", ["x"], validation_rows=n_validation)


def sine_sequences(n=400, length=20, noise=0.05, seed=0):
    """Windows of sine waves with random frequency and phase; target: the next value."""
    rng = _rng(seed)
    freq = rng.uniform(0.5, 1.5, (n, 1))
    phase = rng.uniform(0, 2 * np.pi, (n, 1))
    t = np.arange(length + 1)[None, :] * 0.3
    s = np.sin(freq * t + phase) + rng.normal(0, noise, (n, length + 1))
    return Dataset(s[:, :length, None].astype(np.float32), s[:, length:].astype(np.float32), "regression",
                   "sine", f"{length} steps of a sine wave; predict the next value.", ["value"])


def sequence_classification(n=400, length=15, seed=0):
    """Is the sequence's second half, on average, above its first half? (needs memory)"""
    rng = _rng(seed)
    s = rng.normal(0, 1, (n, length))
    trend = rng.choice([-1.0, 1.0], n)
    s += trend[:, None] * np.linspace(-0.5, 0.5, length)[None, :]
    y = (s[:, length // 2:].mean(axis=1) > s[:, :length // 2].mean(axis=1)).astype(np.int64)
    return Dataset(s[:, :, None].astype(np.float32), y, "binary", "rising",
                   "Noisy sequences: does the second half rise above the first?", ["value"], ["falling", "rising"])


GENERATORS = {
    "xor": xor, "moons": moons, "circles": circles, "spiral": spiral, "blobs": blobs, "linear": linear,
    "polynomial": polynomial, "few_points": few_points, "sine": sine_sequences, "rising": sequence_classification,
}


def _n(default, what="points"):
    return P("n", "int", default, f"how many {what}", min=4, max=200_000)


def _noise(default):
    return P("noise", "float", default, "how far the points scatter from the pattern", min=0.0, max=5.0)


# What each generator lets a user change (the training panel's editors, and what make() accepts).
OPTIONS = {
    "xor": (_n(200), _noise(0.1)),
    "moons": (_n(300), _noise(0.15)),
    "circles": (_n(300), _noise(0.08), P("factor", "float", 0.5, "the inner ring's radius, relative", min=0.05, max=0.95)),
    "spiral": (_n(300), P("classes", "int", 3, "arms, one class each", min=2, max=8), _noise(0.2)),
    "blobs": (_n(300), P("centers", "int", 3, "clusters, one class each", min=2, max=12),
              P("std", "float", 0.6, "how wide each cluster is", min=0.01, max=5.0)),
    "linear": (_n(200), P("label_noise", "float", 0.05, "share of labels flipped at random", min=0.0, max=0.5)),
    "polynomial": (_n(100), P("degree", "int", 3, "degree of the hidden polynomial", min=1, max=12), _noise(0.1)),
    "few_points": (P("n_train", "int", 8, "training points", min=2, max=10_000),
                   P("n_validation", "int", 200, "validation points", min=4, max=100_000), _noise(0.25)),
    "sine": (_n(400, "sequences"), P("length", "int", 20, "time steps per sequence", min=2, max=500), _noise(0.05)),
    "rising": (_n(400, "sequences"), P("length", "int", 15, "time steps per sequence", min=4, max=500)),
}


def make(name, **options):
    try:
        gen = GENERATORS[name]
    except KeyError:
        raise DataError(f"unknown synthetic data set {name!r}; choose one of {', '.join(GENERATORS)}") from None
    specs = {p.name: p for p in OPTIONS.get(name, ())}
    checked = {}
    for key, value in options.items():
        if key not in specs and key not in ("seed", "coefficients"):
            raise DataError(f"{name}: unknown option {key!r} (it takes {', '.join(specs) or 'none'})")
        try:
            if key == "seed":
                checked[key] = P("seed", "int", 0, min=0).validate(value, name)
            else:
                checked[key] = specs[key].validate(value, name) if key in specs else value
        except ParamError as exc:
            raise DataError(str(exc)) from None
    try:
        return gen(**checked)
    except TypeError as exc:
        raise DataError(f"{name}: {exc}") from None
