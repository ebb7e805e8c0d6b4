"""Datasets and batching with PyTorch's names: ``TensorDataset``, ``DataLoader`` and
``random_split``, for training loops written by hand on arrays in memory.

``DataLoader`` gathers a batch by indexing the dataset's tensors once per batch when the dataset
is a ``TensorDataset`` (fast path), else sample by sample with ``collate``; there are no worker
processes (``num_workers`` must be 0). Shuffling draws from ``generator`` (an
``engine.Generator``), or from the default generator, so a seeded run repeats exactly.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import math

import numpy as np

from ..errors import ArgumentError, ShapeError
from ..random import Generator, default_generator
from ..tensor import Tensor


class Dataset:
    """Anything with ``__getitem__(i)`` and ``__len__``."""

    def __getitem__(self, index):
        raise NotImplementedError

    def __len__(self):
        raise NotImplementedError


class TensorDataset(Dataset):
    """Samples are rows of the given tensors (all with the same first dimension)."""

    def __init__(self, *tensors) -> None:
        if not tensors:
            raise ArgumentError("TensorDataset: give at least one tensor")
        tensors = tuple(t if isinstance(t, Tensor) else Tensor(np.asarray(t)) for t in tensors)
        n = {t.shape[0] if t.ndim else None for t in tensors}
        if len(n) != 1 or None in n:
            raise ShapeError(f"TensorDataset: the tensors must share their first dimension, got "
                             f"shapes {[t.shape for t in tensors]}")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self):
        return self.tensors[0].shape[0]


class Subset(Dataset):
    def __init__(self, dataset: Dataset, indices: Sequence[int]) -> None:
        self.dataset, self.indices = dataset, list(indices)

    def __getitem__(self, index):
        if isinstance(index, (list, np.ndarray)):
            return self.dataset[[self.indices[i] for i in index]]
        return self.dataset[self.indices[index]]

    def __len__(self):
        return len(self.indices)


def _tensor_rows(dataset):
    """(tensors, row indices) when batches can be cut by fancy indexing, else None."""
    rows = None
    while isinstance(dataset, Subset):
        idx = np.asarray(dataset.indices, dtype=np.int64)
        rows = idx if rows is None else idx[rows]
        dataset = dataset.dataset
    if isinstance(dataset, TensorDataset):
        return dataset.tensors, rows
    return None


def collate(samples: list) -> Any:
    """Stack a list of samples (tensors, numbers, or tuples/dicts of them) into batch tensors."""
    first = samples[0]
    if isinstance(first, (tuple, list)):
        return type(first)(collate([s[i] for s in samples]) for i in range(len(first))) \
            if isinstance(first, tuple) else [collate([s[i] for s in samples]) for i in range(len(first))]
    if isinstance(first, dict):
        return {k: collate([s[k] for s in samples]) for k in first}
    if isinstance(first, Tensor):
        from ..functional import stack
        return stack(samples)
    return Tensor(np.asarray(samples))


class DataLoader:
    """Batches of a dataset: ``for xb, yb in DataLoader(ds, batch_size=32, shuffle=True)``."""

    def __init__(self, dataset: Dataset, batch_size: int = 1, shuffle: bool = False, drop_last: bool = False,
                 generator: Generator | None = None, collate_fn: Callable[[list], Any] | None = None,
                 num_workers: int = 0, sampler: None = None, pin_memory: bool = False) -> None:
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ArgumentError(f"DataLoader: batch_size must be a positive integer, got {batch_size!r}")
        if num_workers:
            raise ArgumentError("DataLoader: worker processes are not supported; use num_workers=0")
        if sampler is not None:
            raise ArgumentError("DataLoader: samplers are not supported; use shuffle and generator")
        if generator is not None and not isinstance(generator, Generator):
            raise ArgumentError("DataLoader: generator must be an engine.Generator")
        self.dataset, self.batch_size, self.shuffle, self.drop_last = dataset, batch_size, shuffle, drop_last
        self.generator, self.collate_fn = generator, collate_fn

    def __len__(self):
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self):
        n = len(self.dataset)
        order = (self.generator or default_generator()).permutation(n) if self.shuffle else np.arange(n)
        fast = None if self.collate_fn is not None else _tensor_rows(self.dataset)
        for start in range(0, n, self.batch_size):
            idx = order[start:start + self.batch_size]
            if self.drop_last and len(idx) < self.batch_size:
                return
            if fast is not None:
                tensors, rows = fast
                sel = idx if rows is None else rows[idx]
                batch = tuple(Tensor(t.array[sel]) for t in tensors)
                yield batch
            else:
                yield (self.collate_fn or collate)([self.dataset[int(i)] for i in idx])


def random_split(dataset: Dataset, lengths: Sequence[int | float],
                 generator: Generator | None = None) -> list[Subset]:
    """Disjoint random subsets of the given lengths (or fractions adding up to 1)."""
    n = len(dataset)
    lengths = list(lengths)
    if lengths and all(isinstance(x, float) for x in lengths) and math.isclose(sum(lengths), 1.0) :
        counts = [int(math.floor(n * f)) for f in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        lengths = counts
    if any(not isinstance(x, (int, np.integer)) or x < 0 for x in lengths) or sum(lengths) != n:
        raise ArgumentError(f"random_split: lengths {lengths} must be non-negative integers adding up "
                            f"to the dataset's {n} samples (or fractions adding up to 1)")
    perm = (generator or default_generator()).permutation(n)
    out, start = [], 0
    for k in lengths:
        out.append(Subset(dataset, perm[start:start + int(k)].tolist()))
        start += int(k)
    return out
