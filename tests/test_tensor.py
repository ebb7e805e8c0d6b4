"""Tensor and tape semantics: dtypes, accumulation, no_grad, detach, graph freeing, operators."""
import numpy as np
import pytest

import engine
from engine import functional as F


def test_default_dtypes_follow_pytorch():
    assert engine.tensor([1.0, 2.0]).dtype == np.float32
    assert engine.tensor([1, 2]).dtype == np.int64
    assert engine.tensor(np.zeros(2)).dtype == np.float64          # arrays keep their dtype
    assert engine.tensor([1.0], dtype="float64").dtype == np.float64
    assert engine.zeros(2, 3).dtype == np.float32 and engine.zeros(2, 3).shape == (2, 3)
    assert (engine.tensor([1.0]) * 2.5).dtype == np.float32        # Python scalars keep float32
    assert (engine.tensor([1.0]) + np.float64(2.0)).dtype == np.float32


def test_tensor_copies_and_from_numpy_shares():
    a = np.zeros(3, dtype=np.float32)
    t = engine.tensor(a)
    a[0] = 5
    assert t.numpy()[0] == 0
    s = engine.from_numpy(a)
    a[1] = 7
    assert s.numpy()[1] == 7


def test_gradients_accumulate_across_backward_calls():
    x = engine.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    (x * 3.0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2 + 3, 4 + 3])


def test_a_tensor_used_twice_gets_both_contributions():
    x = engine.tensor([3.0], requires_grad=True)
    y = x * x + x * 2.0          # x feeds three uses
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [2 * 3 + 2])


def test_diamond_graph():
    x = engine.tensor(2.0, requires_grad=True)
    a = x * 3.0
    b = F.exp(a)
    c = a * b
    c.backward()
    # dc/dx = 3·e^{3x} + 3x·3·e^{3x}
    assert x.grad.item() == pytest.approx(3 * np.exp(6) + 18 * np.exp(6), rel=1e-6)


def test_deep_chain_does_not_hit_recursion_limits():
    x = engine.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(5000):
        y = y * 1.0001
    y.sum().backward()
    assert x.grad.item() == pytest.approx(1.0001 ** 5000, rel=1e-3)


def test_no_grad_records_nothing():
    x = engine.tensor([1.0], requires_grad=True)
    with engine.no_grad():
        y = x * 2.0
    assert not y.requires_grad and y.is_leaf

    @engine.no_grad()
    def f(t):
        return t * 2.0
    assert not f(x).requires_grad
    assert engine.is_grad_enabled()


def test_detach_cuts_the_graph():
    x = engine.tensor([1.0, 2.0], requires_grad=True)
    y = (x * 2.0).detach()
    assert not y.requires_grad
    z = (x * y).sum()
    z.backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0])


def test_second_backward_through_freed_graph_is_refused_with_a_hint():
    x = engine.tensor([1.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(engine.GraphError, match="retain_graph=True"):
        y.backward()
    x.grad = None
    z = (x * x).sum()
    z.backward(retain_graph=True)
    z.backward()
    assert x.grad.item() == pytest.approx(4.0)


def test_backward_needs_a_gradient_for_non_scalars():
    x = engine.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(engine.GraphError, match="grad= of shape"):
        (x * 2.0).backward()
    (x * 2.0).backward(engine.tensor([1.0, 0.5]))
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 1.0])
    with pytest.raises(engine.GraphError, match="does not require grad"):
        engine.tensor([1.0]).sum().backward()


def test_integer_tensors_cannot_require_grad():
    with pytest.raises(engine.DTypeError, match="floating-point"):
        engine.tensor([1, 2], requires_grad=True)


def test_operators_item_and_conversions():
    a = engine.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert (a @ a).tolist() == [[7.0, 10.0], [15.0, 22.0]]
    assert (1.0 - a).tolist() == [[0.0, -1.0], [-2.0, -3.0]]
    assert (2.0 / a)[0, 1].item() == 1.0
    assert (a ** 2).sum().item() == 30.0
    assert float(a.max()) == 4.0 and int(a.argmax()) == 3
    assert (a > 2.0).tolist() == [[False, False], [True, True]]
    assert a.mean(dim=0).tolist() == [2.0, 3.0]
    vals, idx = a.max(dim=1)
    assert vals.tolist() == [2.0, 4.0] and idx.tolist() == [1, 1]
    assert a.T.tolist() == [[1.0, 3.0], [2.0, 4.0]]
    assert len(a) == 2 and a.numel() == 4 and a.size(1) == 2
    assert np.ones(2) + engine.tensor([1.0, 1.0]) is not NotImplemented
    assert isinstance(np.ones(2) + engine.tensor([1.0, 1.0]), engine.Tensor)
    assert "tensor(" in repr(a) and "requires_grad" in repr(engine.tensor([1.0], requires_grad=True))


def test_setitem_on_a_tensor_that_requires_grad_is_refused():
    x = engine.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(engine.GraphError, match="no_grad"):
        x[0] = 5.0
    with engine.no_grad():
        x[0] = 5.0
    assert x.tolist() == [5.0, 2.0]


def test_casting_is_differentiable():
    x = engine.tensor([1.0, 2.0], requires_grad=True)
    y = x.double()
    assert y.dtype == np.float64
    (y * y).sum().backward()
    assert x.grad.dtype == np.float32 and x.grad.tolist() == [2.0, 4.0]


def test_mixed_precision_gradient_is_cast_back_to_the_leaf_dtype():
    a = engine.tensor([1.0, 2.0], requires_grad=True)
    b = engine.tensor(np.array([3.0, 4.0]), requires_grad=True)   # float64
    (a * b).sum().backward()
    assert a.grad.dtype == np.float32 and b.grad.dtype == np.float64


def test_nan_is_not_swallowed_and_anomaly_detection_names_the_op():
    x = engine.tensor([-1.0, 4.0], requires_grad=True)
    with np.errstate(invalid="ignore"):
        y = F.sqrt(x)
    assert np.isnan(y.numpy()[0])
    with engine.detect_anomaly():
        with pytest.raises(engine.NonFiniteError, match="sqrt: the output of its forward contains NaN"):
            with np.errstate(invalid="ignore"):
                F.sqrt(x)
        z = engine.tensor([0.0], requires_grad=True)
        y = F.sqrt(z)
        with pytest.raises(engine.NonFiniteError, match="sqrt: the gradient computed by its backward contains Inf"):
            with np.errstate(divide="ignore"):
                y.sum().backward()


def test_softmax_and_cross_entropy_are_stable_for_huge_logits():
    x = engine.tensor([[1000.0, 0.0, -1000.0]], requires_grad=True)
    loss = F.cross_entropy(x, engine.tensor([2]))
    loss.backward()
    assert np.isfinite(loss.item()) and loss.item() == pytest.approx(2000.0)
    assert np.isfinite(x.grad.numpy()).all()
    assert np.isfinite(F.softmax(x, dim=1).numpy()).all()
    assert np.isfinite(F.sigmoid(engine.tensor([-1e4, 1e4])).numpy()).all()


def test_split_with_only_one_used_output():
    x = engine.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    a, b = F.split(x, [1, 2], dim=1)
    (b * 2.0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[0, 2, 2], [0, 2, 2]])


def test_functional_creation_helpers():
    engine.manual_seed(0)
    a = engine.randn(3, 4)
    engine.manual_seed(0)
    b = engine.randn(3, 4)
    assert np.array_equal(a.numpy(), b.numpy())
    assert engine.arange(5).tolist() == [0, 1, 2, 3, 4]
    assert engine.arange(0.0, 1.0, 0.5).dtype == np.float32
    assert engine.full((2,), 3.0).tolist() == [3.0, 3.0]
    assert engine.ones_like(a).shape == (3, 4)
    assert engine.rand(100).numpy().min() >= 0


def test_backward_from_several_roots_one_upstream_of_the_other():
    from engine.autograd import backward_many
    x = engine.tensor([2.0], requires_grad=True)
    a = x * x            # root 1, also feeds root 2
    b = a * 3.0          # root 2
    backward_many([a, b], [np.array([1.0], dtype=np.float32), np.array([1.0], dtype=np.float32)])
    # d(a + b)/dx = 2x + 6x = 16
    assert x.grad.item() == pytest.approx(16.0)


def test_grad_mode_is_per_thread_so_a_training_thread_cannot_switch_the_tape_off_elsewhere():
    import threading
    from engine.grad_mode import enable_grad, mode, no_grad
    stop = threading.Event()

    def churn():
        while not stop.is_set():
            with no_grad():
                assert not mode.grad_enabled
    t = threading.Thread(target=churn)
    t.start()
    try:
        for _ in range(20000):
            with enable_grad():
                assert mode.grad_enabled
            assert mode.grad_enabled
    finally:
        stop.set()
        t.join()
    assert mode.grad_enabled
    x = engine.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    assert x.grad is not None
