"""Module forms of the losses (nn.MSELoss() and so on), for code written the PyTorch way."""
from .. import functional as F
from .module import Module


def _loss_module(name, fn, **defaults):
    def __init__(self, **kwargs):
        Module.__init__(self)
        unknown = set(kwargs) - set(defaults)
        if unknown:
            raise TypeError(f"{name}: unexpected arguments {sorted(unknown)}")
        self.options = {**defaults, **kwargs}

    def forward(self, input, target):
        return fn(input, target, **self.options)

    return type(name, (Module,), {"__init__": __init__, "forward": forward,
                                  "__doc__": f"Module form of functional.{fn.__name__}."})


MSELoss = _loss_module("MSELoss", F.mse_loss, reduction="mean")
MSLELoss = _loss_module("MSLELoss", F.msle_loss, reduction="mean")
L1Loss = _loss_module("L1Loss", F.l1_loss, reduction="mean")
HuberLoss = _loss_module("HuberLoss", F.huber_loss, reduction="mean", delta=1.0)
SmoothL1Loss = _loss_module("SmoothL1Loss", F.smooth_l1_loss, reduction="mean", beta=1.0)
BCELoss = _loss_module("BCELoss", F.binary_cross_entropy, reduction="mean")
BCEWithLogitsLoss = _loss_module("BCEWithLogitsLoss", F.binary_cross_entropy_with_logits,
                                 reduction="mean", pos_weight=None)
HingeLoss = _loss_module("HingeLoss", F.hinge_loss, reduction="mean")
SquaredHingeLoss = _loss_module("SquaredHingeLoss", F.squared_hinge_loss, reduction="mean")
CrossEntropyLoss = _loss_module("CrossEntropyLoss", F.cross_entropy, weight=None,
                                ignore_index=-100, reduction="mean")
NLLLoss = _loss_module("NLLLoss", F.nll_loss, weight=None, ignore_index=-100, reduction="mean")
CategoricalCrossEntropy = _loss_module("CategoricalCrossEntropy", F.categorical_cross_entropy,
                                       from_logits=False, reduction="mean")
KLDivLoss = _loss_module("KLDivLoss", F.kl_div, reduction="mean", log_target=False)
