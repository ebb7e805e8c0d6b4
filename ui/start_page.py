"""The start page: what Tensorweave is in three gestures, the bundled examples as a gallery in the
order of the lesson (a picture of each graph, what it teaches, its description; one click opens
it), a new empty graph, a file, the recent files, and a line for messages (a file that would not
open)."""
import os
from types import SimpleNamespace

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QFont, QFontMetrics, QImage, QPainter, QPen, QPixmap, QTransform
from PySide6.QtWidgets import (QFrame, QGridLayout, QHBoxLayout, QLabel, QPushButton, QScrollArea, QSizePolicy,
                               QVBoxLayout, QWidget)

from . import style as S
from .scene import GraphScene

THUMB_W, THUMB_H = 276, 120
CARD_W = 296
LEVEL_COLORS = {level: c.name() for level, c in S.LEVEL_COLORS.items()}
_thumbs = {}


def graph_picture(graph, width=THUMB_W, height=THUMB_H):
    """The graph in miniature: its nodes as the editor places and colours them, each with its
    title when there is room, and its wires."""
    scene = GraphScene(SimpleNamespace(graph=graph))
    try:
        image = QImage(width, height, QImage.Format_ARGB32_Premultiplied)
        image.fill(S.BACKGROUND)
        boxes = {nid: item.scene_box() for nid, item in scene.node_items.items()}
        if not boxes:
            return QPixmap.fromImage(image)
        area = QRectF()
        for b in boxes.values():
            area = area.united(b)
        area.adjust(-12, -12, 12, 12)
        k = min(width / area.width(), height / area.height())
        ox = (width - area.width() * k) / 2 - area.left() * k
        oy = (height - area.height() * k) / 2 - area.top() * k

        def at(p):
            return QPointF(ox + p.x() * k, oy + p.y() * k)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.Antialiasing)
        pen = QPen(S.EDGE, 1.2)
        pen.setCosmetic(True)
        painter.setPen(pen)
        painter.setTransform(QTransform(k, 0, 0, k, ox, oy))
        for edge in scene.edge_items.values():          # the wires as the editor routes them
            painter.drawPath(edge.path())
        painter.resetTransform()
        font = QFont(S.font(7.5, True))
        painter.setFont(font)
        fm = QFontMetrics(font)
        for nid, b in boxes.items():
            item = scene.node_items[nid]
            r = QRectF(at(b.topLeft()), at(b.bottomRight()))
            painter.setPen(Qt.NoPen)
            painter.setBrush(item.color)
            painter.drawRoundedRect(r, 3, 3)
            if fm.height() <= r.height():
                painter.setPen(S.TEXT)
                painter.drawText(r.adjusted(3, 0, -2, 0), Qt.AlignVCenter | Qt.AlignLeft,
                                 fm.elidedText(item.title, Qt.ElideRight, int(r.width() - 5)))
        painter.end()
        return QPixmap.fromImage(image)
    finally:
        scene.detach()


def thumbnail(example):
    """The picture of an example's graph (drawn once per version of the file)."""
    key = (example.path, example.mtime)
    if key not in _thumbs:
        _thumbs[key] = graph_picture(example.graph)
    return _thumbs[key]


class ExampleCard(QFrame):
    """One example: picture, title, level, what it teaches, description. Click (or Enter) opens it."""
    clicked = Signal(str)

    def __init__(self, example, parent=None):
        super().__init__(parent)
        self.example = example
        self.setObjectName("card")
        self.setFixedWidth(CARD_W)
        self.setCursor(Qt.PointingHandCursor)
        self.setFocusPolicy(Qt.StrongFocus)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(10, 10, 10, 10)
        self.picture = QLabel(self)
        self.picture.setPixmap(thumbnail(example))
        self.picture.setFixedSize(THUMB_W, THUMB_H)
        lay.addWidget(self.picture)
        head = QHBoxLayout()
        title = QLabel(f"<b style='font-size:12pt'>{example.order}. {example.title}</b>", self)
        title.setWordWrap(True)
        level = QLabel(example.level, self)
        level.setStyleSheet(f"background:{LEVEL_COLORS.get(example.level, '#555')}; color:white; "
                            "border-radius:7px; padding:1px 7px; font-size:8pt")
        head.addWidget(title, 1)
        head.addWidget(level, 0, Qt.AlignTop)
        lay.addLayout(head)
        teaches = QLabel(example.teaches or example.description, self)
        teaches.setWordWrap(True)
        teaches.setStyleSheet(f"color:{S.TEXT.name()}")
        lay.addWidget(teaches)
        lay.addStretch(1)
        self.setToolTip(f"{example.description}\n\nClick to open {os.path.basename(example.path)}")
        self.setStyleSheet(f"QFrame#card {{ background:{S.CARD.name()}; border:1px solid {S.CARD_BORDER.name()}; "
                           "border-radius:8px }"
                           f"QFrame#card:hover, QFrame#card:focus {{ border:1px solid {S.SELECTED.name()} }}")

    def mouseReleaseEvent(self, event):
        if event.button() == Qt.LeftButton and self.rect().contains(event.position().toPoint()):
            self.clicked.emit(self.example.path)
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event):
        if event.key() in (Qt.Key_Return, Qt.Key_Enter, Qt.Key_Space):
            self.clicked.emit(self.example.path)
            return
        super().keyPressEvent(event)


class StartPage(QScrollArea):
    open_path = Signal(str)          # an example or a recent file
    new_graph = Signal()
    open_file = Signal()
    back = Signal()                  # to the graph that is open

    def __init__(self, examples, parent=None):
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.NoFrame)
        body = QWidget(self)
        body.setObjectName("start")
        body.setStyleSheet(f"QWidget#start {{ background:{S.BACKGROUND.name()} }} QLabel {{ color:{S.TEXT.name()} }}")
        self.setWidget(body)
        lay = QVBoxLayout(body)
        lay.setContentsMargins(28, 20, 28, 20)
        lay.setSpacing(10)
        title = QLabel("<span style='font-size:20pt; font-weight:bold'>Tensorweave</span>"
                       f"<span style='font-size:12pt; color:{S.MUTED.name()}'>&nbsp;&nbsp;build a neural network as a graph, "
                       "press Train, watch it learn</span>", body)
        lay.addWidget(title)
        steps = QLabel("<span style='font-size:10.5pt'><b>1 · Drop</b> a node from the Palette (or press Tab)"
                       "&nbsp;&nbsp;&nbsp;<b>2 · Wire</b> an output ● to an input ●&nbsp;&nbsp;&nbsp;"
                       "<b>3 · Train</b> with F5 and watch the curves; F6 animates one step.</span>", body)
        steps.setWordWrap(True)
        lay.addWidget(steps)
        row = QHBoxLayout()
        self.back_button = QPushButton("", body)
        self.back_button.clicked.connect(self.back)
        self.back_button.hide()
        row.addWidget(self.back_button)
        self.new_button = QPushButton("New empty graph", body)
        self.open_button = QPushButton("Open a file…", body)
        self.new_button.clicked.connect(self.new_graph)
        self.open_button.clicked.connect(self.open_file)
        row.addWidget(self.new_button)
        row.addWidget(self.open_button)
        self.recent = QLabel("", body)
        self.recent.setTextInteractionFlags(Qt.LinksAccessibleByMouse | Qt.LinksAccessibleByKeyboard)
        self.recent.linkActivated.connect(self.open_path)
        row.addSpacing(16)
        row.addWidget(self.recent, 1)
        lay.addLayout(row)
        self.message = QLabel("", body)
        self.message.setWordWrap(True)
        self.message.setStyleSheet(f"color:{S.ALERT_TEXT.name()}; font-weight:bold")
        self.message.hide()
        lay.addWidget(self.message)
        heading = QLabel("<span style='font-size:13pt; font-weight:bold'>Examples</span>"
                         f"<span style='color:{S.MUTED.name()}'>&nbsp;&nbsp;in the order of the lesson: "
                         "first steps → core → advanced. Click one to open it.</span>", body)
        lay.addWidget(heading)
        self.grid_host = QWidget(body)
        self.grid = QGridLayout(self.grid_host)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(14)
        self.grid_host.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Fixed)
        lay.addWidget(self.grid_host, 0, Qt.AlignHCenter)
        lay.addStretch(1)
        self.cards = [ExampleCard(e, self.grid_host) for e in examples]
        for c in self.cards:
            c.clicked.connect(self.open_path)
        self._columns = 0
        self._flow()

    def set_back(self, name):
        """Offer the way back to the open graph (None: there is none worth going back to)."""
        self.back_button.setText(f"← Back to {name}" if name else "")
        self.back_button.setVisible(bool(name))

    def set_message(self, text):
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def set_recent(self, paths):
        links = [f"<a href='{p}' style='color:{S.INCOMPLETE.name()}'>{os.path.basename(p)}</a>" for p in paths[:5]
                 if os.path.exists(p)]
        self.recent.setText(("Recent: " + "&nbsp;&nbsp;".join(links)) if links else "")

    def _flow(self):
        cols = max(1, (self.viewport().width() - 56 + 14) // (CARD_W + 14))
        if cols == self._columns:
            return
        self._columns = cols
        for c in self.cards:
            self.grid.removeWidget(c)
        for i, c in enumerate(self.cards):
            self.grid.addWidget(c, i // cols, i % cols, Qt.AlignTop)

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self._flow()
