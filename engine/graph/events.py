"""Events a running plan or trainer reports to a listener (the UI's animation and plots).
Plain data; the listener decides what to do with them and on which thread."""
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ValueSummary:
    shape: tuple
    mean: float
    std: float
    min: float
    max: float
    counts: tuple = None   # integer tensors (class labels): ((value, count), …) instead of zeros


@dataclass(frozen=True)
class ForwardStart:
    step: int
    node: str


@dataclass(frozen=True)
class ForwardEnd:
    step: int
    node: str
    value: ValueSummary


@dataclass(frozen=True)
class BackwardEnd:
    """The gradient reaching a node's output (its norm) and its weights' gradient norms."""
    step: int
    node: str
    grad_norm: float
    weight_grad_norms: dict = field(default_factory=dict)
    input_grad_norms: dict = field(default_factory=dict)   # {input port: ‖what this node sends back along it‖}


@dataclass(frozen=True)
class BatchEnd:
    epoch: int
    batch: int
    batches: int
    step: int
    loss: float
    samples: int


@dataclass(frozen=True)
class EpochEnd:
    epoch: int
    epochs: int
    metrics: dict          # train_loss, val_loss, train_accuracy, …
    best_epoch: int
    seconds: float
    paused: bool = False   # the trainer paused itself after this epoch (pace: one epoch at a time)
    chance_loss: float = None   # the loss of the best constant prediction (the overfitting detector's scale)


@dataclass(frozen=True)
class WeightsPublished:
    """A consistent copy of the run's weights ('node/name' → host array), taken between two
    batches: before every EpochEnd, when asked (Trainer.request_weights) and at the end of the run
    (``final``). A window shows these; it never reads the store the training thread updates."""
    epoch: int
    step: int
    state: dict
    final: bool = False


@dataclass(frozen=True)
class TrainingEnd:
    reason: str            # 'finished', 'stopped', 'early_stopping', 'non_finite', 'error'
    message: str = ""
    epoch: int = 0
