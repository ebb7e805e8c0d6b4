"""Colours, sizes and fonts of the editor, in one place."""
from PySide6.QtGui import QColor, QFont

CATEGORY_COLORS = {
    "Data": QColor("#3b82a0"),
    "Tensor ops": QColor("#7a6aa8"),
    "Activations": QColor("#c0843a"),
    "Layers": QColor("#4d8f5b"),
    "Losses": QColor("#b5504b"),
    "Outputs": QColor("#6b7280"),
}
BACKGROUND = QColor("#1f2329")
GRID_MINOR = QColor("#262b32")
GRID_MAJOR = QColor("#2e343c")
NODE_BODY = QColor("#2c3138")
NODE_BORDER = QColor("#4a525d")
SELECTED = QColor("#f2c14e")
TEXT = QColor("#e6e9ee")
TEXT_DIM = QColor("#9aa3ae")
ERROR = QColor("#e5484d")
WARNING = QColor("#e8a33d")
EDGE = QColor("#8a95a3")
PORT = QColor("#c8d0da")
PORT_HOVER = QColor("#f2c14e")

NODE_WIDTH = 176
HEADER = 26
ROW = 20
FOOTER = 20
PORT_RADIUS = 5
GRID = 20
LOD_DETAIL = 0.4          # below this zoom, nodes are drawn as plain boxes


def font(size=9, bold=False):
    f = QFont("DejaVu Sans", size)
    f.setBold(bold)
    return f


# magnitude colours (log scale): dark blue → teal → yellow, like viridis
_RAMP = [(0.0, (68, 1, 84)), (0.25, (59, 82, 139)), (0.5, (33, 145, 140)), (0.75, (94, 201, 98)), (1.0, (253, 231, 37))]
FORWARD = QColor("#f2c14e")


def ramp(t):
    """The colour for a position 0…1 on the magnitude scale."""
    t = min(max(float(t), 0.0), 1.0)
    for (t0, c0), (t1, c1) in zip(_RAMP, _RAMP[1:]):
        if t <= t1:
            f = (t - t0) / (t1 - t0)
            return QColor(*[round(a + (b - a) * f) for a, b in zip(c0, c1)])
    return QColor(*_RAMP[-1][1])


def log_position(value, lo, hi):
    """Where ``value`` lies between ``lo`` and ``hi`` on a log scale (0…1)."""
    import math
    if value <= 0 or lo <= 0 or hi <= lo:
        return 0.0 if value <= lo else 1.0
    return (math.log10(value) - math.log10(lo)) / (math.log10(hi) - math.log10(lo))
