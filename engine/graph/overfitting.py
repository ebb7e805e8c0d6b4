"""When did overfitting begin? A detector a teacher can trust, after L. Prechelt, "Early stopping —
but when?" (1998).

Prechelt measures the generalization loss GL(t) = 100 · (E_va(t) / E_opt(t) − 1), the relative rise of
the validation error over the best seen so far, and judges at the ends of *strips* of k epochs so
that one noisy epoch decides nothing; his UP_s criterion asks the validation error to have risen
over s successive strips. Here the validation error of a strip is its mean (small validation sets
are noisy epoch to epoch), and a divergence is established at the end of a strip when

- GL of the strip's mean validation loss is at least ``gl`` percent (the rise is real, not noise),
- the rise undoes at least ``undone`` of what was learned: of the way from the *chance level* (the
  loss of the best constant prediction: log 2 for two balanced classes, the variance of the
  targets for MSE) down to the best validation loss. A validation loss going from 0.002 to 0.02
  while the accuracy stays at 99 % is a large GL and no overfitting a class should be shown;
  measured against how far the model got from chance, it is 3 %,
- UP_s: the strip means rose over the last ``s`` strips (the rise is a trend), and
- the training loss of the strip is below its value at the validation minimum (training kept
  improving: the curves part; a model that got worse on both is diverging, not overfitting).

Once established it stays established until the validation loss comes back near its minimum
(GL below ``gl_clear`` percent) or below it (a detour, not a divergence), so a late noisy epoch
never clears the verdict. The onset is the
epoch of the validation minimum the divergence started from: where the curves part, and the
weights worth keeping.

The thresholds were chosen on a table of real runs (benchmarks/overfitting_table.py; kept as a test
in tests/test_overfitting.py): on 30 healthy runs the share undone never passed 0.025 while GL
and UP held; on 20 overfitting runs it reached at least 0.18. No alarm on the healthy runs, every
overfitting run flagged and still flagged at its end.
"""
from dataclasses import dataclass, field

import numpy as np

GL = 25.0            # percent rise of the strip's validation loss over the best one
GL_CLEAR = 8.0       # percent: back this close to the best, the verdict is lifted
UP_STRIPS = 1        # the strip means rose this many strips in a row
UNDONE = 0.08        # the rise is at least this share of the way from the chance level to the best


def strip_length(epochs):
    """Prechelt's k: 5 epochs for a long run, fewer for a short one (at least 1)."""
    return max(1, min(5, int(epochs) // 20))


@dataclass
class Verdict:
    onset: int = None               # epoch where overfitting began (the validation minimum), or None
    flagged_at: int = None          # epoch at whose strip end it was established
    spans: list = field(default_factory=list)    # [(from epoch, to epoch)] while it held
    gl: float = 0.0                 # the last strip's generalization loss, percent

    @property
    def overfitting(self):
        """Does the verdict hold at the end of the history?"""
        return bool(self.spans) and self.spans[-1][1] is None


class OverfittingDetector:
    """Fed one epoch at a time (live), or all at once through ``judge``."""

    def __init__(self, epochs=None, chance=None, gl=GL, gl_clear=GL_CLEAR, up=UP_STRIPS, undone=UNDONE):
        self.k = strip_length(epochs) if epochs else None
        self.gl, self.gl_clear, self.up, self.undone = gl, gl_clear, up, undone
        self.chance = chance
        self.rows = []
        self.strips = []            # (last epoch, mean val loss, mean train loss)
        self.best = None            # (val loss, epoch, train loss) at the best epoch so far
        self.verdict = Verdict()
        self._open = None           # (onset, flagged at) of the divergence holding now

    def update(self, row):
        val, train, epoch = row.get("val_loss"), row.get("train_loss"), row["epoch"]
        if val is None or train is None or not np.isfinite(val):
            return self.verdict
        if self.k is None:
            self.k = strip_length(100)
        self.rows.append((epoch, val, train))
        if self.best is None or val < self.best[0]:
            self.best = (val, epoch, train)
            if self._open is not None:           # a new best: the rise was a detour, not a divergence
                self._lift(epoch, detour=True)
        if len(self.rows) % self.k == 0:
            self._strip_end()
        return self.verdict

    def _strip_end(self):
        strip = self.rows[-self.k:]
        val = float(np.mean([v for _, v, _ in strip]))
        train = float(np.mean([t for _, _, t in strip]))
        epoch = strip[-1][0]
        self.strips.append((epoch, val, train))
        best_val, best_epoch, best_train = self.best
        gl = 100.0 * (val / best_val - 1.0) if best_val > 0 else (np.inf if val > best_val else 0.0)
        v = self.verdict
        v.gl = gl
        if self._open is None:
            recent = [s[1] for s in self.strips[-(self.up + 1):]]
            rising = len(recent) == self.up + 1 and all(b > a for a, b in zip(recent, recent[1:]))
            # the share of what was learned (from the chance level down to the best) undone again
            undone = ((val - best_val) / (self.chance - best_val)
                      if self.chance is not None and self.chance > best_val else np.inf)
            if gl >= self.gl and undone >= self.undone and rising and train < best_train:
                self._open = (best_epoch, epoch)
                v.onset, v.flagged_at = best_epoch, epoch
                # shaded from the onset, or from where an earlier stretch with the same onset ended
                start = max([best_epoch] + [end for _, end in v.spans if end is not None])
                v.spans.append((start, None))
        elif gl < self.gl_clear:
            self._lift(epoch)                    # back near the best: the divergence is over

    def _lift(self, epoch, detour=False):
        v = self.verdict
        if detour:
            v.spans.pop()                        # it was not overfitting after all: no shading
        else:
            v.spans[-1] = (v.spans[-1][0], epoch)    # the divergence ended here: the shading too
        self._open = None
        v.onset = v.flagged_at = None


def judge(rows, epochs=None, chance=None, **kw):
    """The verdict on a whole history (rows of per-epoch metrics); ``epochs``: the run's planned
    length, which sets the strip length (default: the history's length); ``chance``: the loss of
    the best constant prediction (the run's history knows it), None when unknown."""
    det = OverfittingDetector(epochs or len(rows), chance, **kw)
    for row in rows:
        det.update(row)
    return det.verdict


def overfitting_onset(rows, epochs=None, chance=None):
    """The epoch where overfitting began, if it holds at the end of ``rows``; else None."""
    v = judge(rows, epochs, chance)
    return v.onset if v.overfitting else None


# ----------------------------------------------------------------------------- the chance level
CLASSIFICATION_LOSSES = ("CrossEntropy", "CategoricalCrossEntropy", "NLL", "BinaryCrossEntropy", "BCEWithLogits")


def chance_loss(loss_type, task, y_train, y_val, params=None):
    """The loss of the best constant prediction (learnt from the training targets, measured on
    the validation targets): the level a model that learnt nothing reaches. None for losses
    without a simple constant optimum (KL divergence, custom ones)."""
    yt = np.asarray(y_train)
    yv = np.asarray(y_val if y_val is not None else y_train)
    if not len(yt) or not len(yv):
        return None
    eps = 1e-7
    if loss_type in CLASSIFICATION_LOSSES:
        if task == "multiclass":
            def labels(y):
                return y.reshape(len(y)) if y.dtype.kind in "iu" else y.reshape(len(y), -1).argmax(axis=1)
            lt, lv = labels(yt).astype(np.int64), labels(yv).astype(np.int64)
            n = int(max(lt.max(), lv.max())) + 1
            p = np.clip(np.bincount(lt, minlength=n) / len(lt), eps, 1.0)
            return float(-np.log(p[lv]).mean())
        t, v = yt.reshape(len(yt), -1).astype(np.float64), yv.reshape(len(yv), -1).astype(np.float64)
        if v.min() < 0:                                   # ±1 labels
            t, v = (t > 0).astype(np.float64), (v > 0).astype(np.float64)
        p = np.clip(t.mean(axis=0), eps, 1 - eps)
        return float(-(v * np.log(p) + (1 - v) * np.log(1 - p)).mean())
    if loss_type in ("Hinge", "SquaredHinge"):
        return 1.0                                        # predicting 0 costs max(0, 1 - y·0) = 1
    if task != "regression":
        return None
    t, v = yt.reshape(len(yt), -1).astype(np.float64), yv.reshape(len(yv), -1).astype(np.float64)
    if loss_type == "MSE":
        return float(((v - t.mean(axis=0)) ** 2).mean())
    if loss_type == "MAE":
        return float(np.abs(v - np.median(t, axis=0)).mean())
    if loss_type == "MSLE":
        lt, lv = np.log1p(np.clip(t, 0, None)), np.log1p(np.clip(v, 0, None))
        return float(((lv - lt.mean(axis=0)) ** 2).mean())
    if loss_type == "Huber":
        delta = float((params or {}).get("delta", 1.0))
        r = np.abs(v - np.median(t, axis=0))
        return float(np.where(r <= delta, 0.5 * r ** 2, delta * (r - 0.5 * delta)).mean())
    return None
