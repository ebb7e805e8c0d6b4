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
INCOMPLETE = QColor("#6cb6d9")   # "connect x": a node not wired yet (neutral, not an error); also links
CARD = NODE_BODY                 # start page cards
CARD_BORDER = QColor("#3a414a")
MUTED = QColor("#9aa3ae")        # secondary text on the start page
FAINT = QColor("#5b6470")        # counts beside a field
SECTION = QColor("#3b4450")      # section labels in forms
ALERT_TEXT = QColor("#ff8a8e")   # a message that needs attention (bold)
PLOT_TEXT = QColor("#c9d1d9")    # plot titles and legends
AXIS_TEXT = QColor("#aeb6c0")
TRAIN = QColor("#4ea1ff")        # the training curve and histogram bars
VAL = QColor("#ff9f43")          # the validation curve
BATCH = QColor("#9fb4c8")        # per-batch losses
LAST_RUN = QColor("#a0a0a0")     # the previous run, dashed
FITTED = QColor("#f0f0f0")       # a regression's fitted curve
RUN_COLORS = [QColor(c) for c in ("#b07cff", "#5ec962", "#f2c14e", "#e5484d", "#36c5f0", "#ff7eb6")]
LEGEND_FRAME = QColor(255, 255, 255, 40)     # the canvas legend's box
LEGEND_FILL = QColor(20, 23, 28, 225)
MORE_SHADE = QColor(242, 193, 78, 60)        # the strip at a view edge past which the graph goes on
FAINT_LINE = QColor(160, 160, 160, 90)       # per-batch losses under the epoch curves
OVERFIT_AREA = QColor(229, 72, 77, 45)       # the epochs marked as overfitting
POSITIVE, NEGATIVE = QColor(220, 80, 60), QColor(80, 110, 230)   # signs of weights (neuron view)
UNIT_OUTLINE = QColor(255, 255, 255, 70)
LEVEL_COLORS = {"first steps": QColor("#4d8f5b"), "core": QColor("#3b82a0"), "advanced": QColor("#7a6aa8")}

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
BACKWARD = QColor("#36aaf0")     # the middle of the gradient ramp (legends, text)
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


def log_range(values):
    """(lo, hi) of the positive ``values`` for a log colour scale (the live tint, the step
    animation): a decade when they are all equal, (1e-8, 1) when there are none."""
    pos = [v for v in values if v > 0]
    if not pos:
        return 1e-8, 1.0
    lo, hi = min(pos), max(pos)
    return (lo, lo * 10) if hi <= lo else (lo, hi)


def log_position(value, lo, hi):
    """Where ``value`` lies between ``lo`` and ``hi`` on a log scale (0…1)."""
    import math
    if value <= 0 or lo <= 0 or hi <= lo:
        return 0.0 if value <= lo else 1.0
    return (math.log10(value) - math.log10(lo)) / (math.log10(hi) - math.log10(lo))
