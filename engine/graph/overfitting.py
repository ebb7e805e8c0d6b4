"""When did overfitting begin? A detector a teacher can trust, after L. Prechelt, "Early stopping —
but when?" (1998).

Prechelt measures the generalization loss GL(t) = 100 · (E_va(t) / E_opt(t) − 1), the relative rise of
the validation error over the best seen so far, and judges at the ends of *strips* of k epochs so
that one noisy epoch decides nothing; his UP_s criterion asks the validation error to have risen
over s successive strips. Here the validation error of a strip is its mean (small validation sets
are noisy epoch to epoch), and a divergence is established at the end of a strip when

- GL of the strip's mean validation loss is at least ``gl`` percent (the rise is real, not noise:
  a flat accuracy with a validation loss 10 % above its best is not what a class should be shown),
- UP_s: the strip means rose over the last ``s`` strips (the rise is a trend), and
- the training loss of the strip is below its value at the validation minimum (training kept
  improving: the curves part; a model that got worse on both is diverging, not overfitting).

Once established it stays established until the validation loss comes back near its minimum
(GL below ``gl_clear`` percent), so a late noisy epoch never clears the verdict. The onset is the
epoch of the validation minimum the divergence started from: where the curves part, and the
weights worth keeping.

The thresholds were chosen on a table of real runs (benchmarks/overfitting_table.py; kept as a test
in tests/test_overfitting.py): no alarm on 30 healthy runs, every overfitting run flagged.
"""
from dataclasses import dataclass, field

import numpy as np

GL = 25.0            # percent rise of the strip's validation loss over the best one
GL_CLEAR = 8.0       # percent: back this close to the best, the verdict is lifted
UP_STRIPS = 2        # the strip means rose this many strips in a row


def strip_length(epochs):
    """Prechelt's k: 5 epochs for a long run, fewer for a short one (at least 1)."""
    return max(1, min(5, int(epochs) // 20))


@dataclass
class Verdict:
    onset: int = None               # epoch where overfitting began (the validation minimum), or None
    flagged_at: int = None          # epoch at whose strip end it was established
    spans: list = field(default_factory=list)    # [(from epoch, to epoch)] while it held
    gl: float = 0.0                 # the last strip's generalization loss, percent
    strip: int = 1

    @property
    def overfitting(self):
        """Does the verdict hold at the end of the history?"""
        return bool(self.spans) and self.spans[-1][1] is None


class OverfittingDetector:
    """Fed one epoch at a time (live), or all at once through ``judge``."""

    def __init__(self, epochs=None, gl=GL, gl_clear=GL_CLEAR, up=UP_STRIPS):
        self.k = strip_length(epochs) if epochs else None
        self.gl, self.gl_clear, self.up = gl, gl_clear, up
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
        v.gl, v.strip = gl, self.k
        if self._open is None:
            recent = [s[1] for s in self.strips[-(self.up + 1):]]
            rising = len(recent) == self.up + 1 and all(b > a for a, b in zip(recent, recent[1:]))
            if gl >= self.gl and rising and train < best_train:
                self._open = (best_epoch, epoch)
                v.onset, v.flagged_at = best_epoch, epoch
                v.spans.append((best_epoch, None))
        elif gl < self.gl_clear:
            # back near the best: the divergence is over (shading stops here)
            v.spans[-1] = (v.spans[-1][0], epoch)
            self._open = None
            v.onset = v.flagged_at = None


def judge(rows, epochs=None, **kw):
    """The verdict on a whole history (rows of per-epoch metrics); ``epochs``: the run's planned
    length, which sets the strip length (default: the history's length)."""
    det = OverfittingDetector(epochs or len(rows), **kw)
    for row in rows:
        det.update(row)
    return det.verdict


def overfitting_onset(rows, epochs=None):
    """The epoch where overfitting began, if it holds at the end of ``rows``; else None."""
    v = judge(rows, epochs)
    return v.onset if v.overfitting else None
