"""Bad input gets an engine error naming the op and the shapes/dtypes, not a numpy traceback."""
import numpy as np
import pytest

import engine
from engine import functional as F, nn


@pytest.mark.parametrize("call,pattern", [
    (lambda: engine.ones(2, 3) @ engine.ones(4, 5), r"matmul: cannot multiply \(2, 3\) by \(4, 5\)"),
    (lambda: engine.ones(2, 3) + engine.ones(4, 5), r"add: .*\(inputs: float32 \(2, 3\), float32 \(4, 5\)\)"),
    (lambda: F.linear(engine.ones(2, 3), engine.ones(4, 5)), r"linear: input \(2, 3\) does not fit weight \(4, 5\)"),
    (lambda: F.conv2d(engine.ones(1, 3, 8, 8), engine.ones(4, 2, 3, 3)), r"conv2d: input has 3 channels"),
    (lambda: F.conv2d(engine.ones(1, 1, 2, 2), engine.ones(1, 1, 3, 3)), r"conv2d: a 3×3 kernel .* does not fit"),
    (lambda: F.conv2d(engine.ones(3, 8, 8), engine.ones(1, 3, 3, 3)), r"conv2d: expects input N×C×H×W"),
    (lambda: F.max_pool2d(engine.ones(1, 1, 1, 1), 2), r"max_pool2d: a 2×2 window does not fit"),
    (lambda: F.mse_loss(engine.ones(4, 1), engine.ones(4)), r"mse_loss: input \(4, 1\) and target \(4,\) must have the same shape"),
    (lambda: F.cross_entropy(engine.ones(4, 3), engine.tensor([0, 1, 2, 3])), r"cross_entropy: target label 3 is out of range for 3 classes"),
    (lambda: F.cross_entropy(engine.ones(4, 3), engine.ones(4)), r"cross_entropy: target must hold integer class labels"),
    (lambda: F.cross_entropy(engine.ones(4, 3), engine.tensor([0, 1])), r"cross_entropy: input \(4, 3\) needs a target of shape \(4,\)"),
    (lambda: F.binary_cross_entropy(engine.tensor([2.0, -1.0]), engine.tensor([1.0, 0.0])), r"binary_cross_entropy: input must hold probabilities .* use binary_cross_entropy_with_logits"),
    (lambda: F.embedding(engine.tensor([0, 9]), engine.ones(5, 2)), r"embedding: index 9 is out of range for 5 embeddings"),
    (lambda: F.embedding(engine.tensor([0.0]), engine.ones(5, 2)), r"embedding: indices must be integers"),
    (lambda: F.softmax(engine.ones(2, 3), dim=2), r"softmax: dim 2 is out of range"),
    (lambda: F.cat([engine.ones(2, 3), engine.ones(3, 3)], dim=1), r"cat: shapes .* differ outside dim 1"),
    (lambda: F.split(engine.ones(5), [2, 2]), r"split: sections \[2, 2\] add up to 4, not 5"),
    (lambda: engine.ones(2, 3).reshape(4, 2), r"reshape: cannot reshape array of size 6"),
    (lambda: F.dropout(engine.ones(2), p=1.5), r"dropout: p must be in \[0, 1\]"),
    (lambda: F.mse_loss(engine.ones(2), engine.ones(2), reduction="avg"), r"mse_loss: reduction must be one of mean, sum, none"),
    (lambda: nn.Linear(3, 2)(engine.ones(4, 5)), r"linear: input \(4, 5\) does not fit weight \(2, 3\)"),
    (lambda: nn.LSTM(3, 4)(engine.ones(2, 5)), r"LSTM: expects a sequence T×N×features with 3 features"),
    (lambda: F.batch_norm(engine.ones(1, 3), None, None, training=True), r"batch_norm: training needs more than one value per channel"),
    (lambda: F.layer_norm(engine.ones(2, 3), (4,)), r"layer_norm: input \(2, 3\) does not end with the normalized shape \(4,\)"),
    (lambda: engine.device("tpu"), r"device must be 'cpu', 'gpu' or 'cuda:N'"),
])
def test_clear_error(call, pattern):
    with pytest.raises(engine.EngineError, match=pattern):
        call()


def test_errors_are_also_standard_python_exceptions():
    with pytest.raises(ValueError):
        engine.ones(2, 3) @ engine.ones(4, 5)
    assert issubclass(engine.DTypeError, TypeError)
