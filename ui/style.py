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
TEXT_DIM = QColor("#b3bcc7")
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
TITLE_PT = 10             # node titles: 13 px at zoom 1, so ≥ 10 px on screen down to zoom 0.77
BODY_PT = 9               # port names, footers, badges, wire labels
READABLE_TITLE_PX = 10    # a title smaller than this on screen is not readable on a laptop
INCOMPLETE = QColor("#6cb6d9")   # "connect x": a node not wired yet (neutral, not an error)

# Presentation mode (a projector): the canvas is zoomed 1.5× (view.py) and the plots' fonts and
# lines are drawn 1.5× larger; plots read ``scale`` through plot_font() when they restyle.
PRESENTATION_SCALE = 1.5
scale = 1.0


def set_presentation(on):
    global scale
    scale = PRESENTATION_SCALE if on else 1.0


def font(size=BODY_PT, bold=False):
    f = QFont("DejaVu Sans")
    f.setPointSizeF(size)
    f.setBold(bold)
    return f


def plot_font(size, bold=False):
    """A font for the plots, at the presentation scale."""
    return font(size * scale, bold)


def title_font():
    return font(TITLE_PT, True)


# The three phases of a training step, in three colour families that never meet:
# forward values flow in amber, gradients flow back in blues (brighter = larger, on a log scale,
# never darker than a blue that still shows on the dark canvas), the update is green.
FORWARD = QColor("#f2c14e")
UPDATE = QColor("#5ec962")
_RAMP = [(0.0, (70, 100, 190)), (0.5, (54, 170, 240)), (1.0, (225, 246, 255))]


def ramp(t):
    """The gradient colour for a position 0…1 on the (log) magnitude scale."""
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
