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
