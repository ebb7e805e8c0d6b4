"""Graphics items of the editor: nodes, their ports and the edges between them.

Items only draw what the model says (they are rebuilt or updated from model events); they hold
no truth of their own except their on-screen position while being dragged."""
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QFontMetrics, QPainter, QPainterPath, QPainterPathStroker, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyle

from engine.graph.shapes import fmt
from . import style as S


def _lod(painter, option):
    return option.levelOfDetailFromTransform(painter.worldTransform())


def forward_wire(a, b):
    """The S-curve of a wire from an output anchor ``a`` to an input anchor ``b`` (the edges, and
    the wire being dragged)."""
    dx = max(abs(b.x() - a.x()) * 0.5, 40)
    path = QPainterPath(a)
    path.cubicTo(QPointF(a.x() + dx, a.y()), QPointF(b.x() - dx, b.y()), b)
    return path


class PortItem(QGraphicsItem):
    """An input (left) or output (right) port; dragging from one starts a connection."""

    def __init__(self, node_item, name, is_output, index):
        super().__init__(node_item)
        self.node_item, self.name, self.is_output = node_item, name, is_output
        self.hovered = False
        self.waiting = False          # an input not connected yet: drawn as an open ring
        self.setAcceptHoverEvents(True)
        self.setZValue(2)

    @property
    def node_id(self):
        return self.node_item.node_id

    def boundingRect(self):
        r = S.PORT_RADIUS + 3
        return QRectF(-r, -r, 2 * r, 2 * r)

    def paint(self, painter, option, widget=None):
        if _lod(painter, option) < S.LOD_DETAIL:
            return
        r = S.PORT_RADIUS
        if self.waiting and not self.hovered:
            painter.setPen(QPen(S.INCOMPLETE, 2))
            painter.setBrush(S.BACKGROUND)
        else:
            painter.setPen(QPen(S.BACKGROUND, 1.5))
            painter.setBrush(S.PORT_HOVER if self.hovered else S.PORT)
        painter.drawEllipse(QPointF(0, 0), r, r)

    def hoverEnterEvent(self, event):
        self.hovered = True
        self.update()

    def hoverLeaveEvent(self, event):
        self.hovered = False
        self.update()

    def mousePressEvent(self, event):
        if event.button() == Qt.LeftButton:
            view = event.widget().parent() if event.widget() else None
            starter = getattr(view, "start_connection", None)
            if starter:
                starter(self)
                event.accept()
                return
        super().mousePressEvent(event)

    def scene_anchor(self):
        return self.scenePos()


def _wrap_title(text, fm, width):
    """The title in one line, or two (broken at a space, the second elided) when it is too long."""
    if fm.horizontalAdvance(text) <= width:
        return [text]
    words = text.replace("-", "- ").split(" ")          # a line may also break after a hyphen

    def join(parts):
        return " ".join(parts).replace("- ", "-")
    i = 1
    while i < len(words) and fm.horizontalAdvance(join(words[:i + 1])) <= width:
        i += 1
    first = join(words[:i])
    if i == 1 and fm.horizontalAdvance(first) > width:          # one long word: elide it
        return [fm.elidedText(text, Qt.ElideRight, width)]
    return [first, fm.elidedText(join(words[i:]), Qt.ElideRight, width)]


class NodeItem(QGraphicsItem):
    def __init__(self, node):
        super().__init__()
        self.node_id = node.id
        self.setFlags(QGraphicsItem.ItemIsSelectable | QGraphicsItem.ItemIsMovable |
                      QGraphicsItem.ItemSendsGeometryChanges)
        self.setCacheMode(QGraphicsItem.DeviceCoordinateCache)
        self.setAcceptHoverEvents(True)
        self.setZValue(1)
        self.edges = set()
        self.issues = []
        self.summary = ""
        self.glow = None          # training/animation colour around the node (QColor or None)
        self.current = False      # the node the step animation is at: a white ring around the glow
        self.badge = ""           # a value shown in the footer instead of the shape while animating
        nt = node.type
        self.inputs = {p.name: PortItem(self, p.name, False, i) for i, p in enumerate(nt.inputs)}
        self.outputs = {p.name: PortItem(self, p.name, True, i) for i, p in enumerate(nt.outputs)}
        self.color = S.CATEGORY_COLORS.get(nt.category, S.NODE_BORDER)
        self.width = S.NODE_WIDTH
        self.height = 0.0
        self.title_lines = []
        self.refresh(node)
        self.setPos(*node.position)

    def refresh(self, node):
        """Take title and parameters from the model."""
        self.title = node.label
        self.type_title = node.type.title
        self.port_labels = ([p.name for p in node.type.inputs], [p.name for p in node.type.outputs])
        self.relayout()

    def relayout(self):
        """Size the box for its text at the current style scale and put the ports on their rows."""
        fm = QFontMetrics(S.title_font())
        body = QFontMetrics(S.font())
        self.width = S.NODE_WIDTH
        self.title_lines = _wrap_title(self.title, fm, self.width - 16 - 22)
        self.header = max(S.HEADER, len(self.title_lines) * fm.height() + 10)
        self.row = max(S.ROW, body.height() + 6)
        self.footer_lines = self._footer_lines(body)
        shown = max(len(self.footer_lines), len(self.badge.split("\n")) if self._badge_on() else 1)
        self.footer = max(S.FOOTER, shown * body.height() + 6)
        rows = max(len(self.port_labels[0]), len(self.port_labels[1]), 1)
        self.prepareGeometryChange()
        self.height = self.header + rows * self.row + self.footer
        for port in list(self.inputs.values()) + list(self.outputs.values()):
            port.prepareGeometryChange()
        for i, name in enumerate(self.port_labels[0]):
            self.inputs[name].setPos(0, self.header + self.row * i + self.row / 2)
        for i, name in enumerate(self.port_labels[1]):
            self.outputs[name].setPos(self.width, self.header + self.row * i + self.row / 2)
        for e in self.edges:
            e.update_path()
        self.update()

    def _footer_lines(self, fm):
        """The summary ("N×16 · 272 params") in one line, or split at its dot when too long."""
        text = self.summary
        if not text or fm.horizontalAdvance(text) <= self.width - 16 or "  ·  " not in text:
            return [text]
        return text.split("  ·  ", 1)

    @property
    def errors(self):
        """Issues that are mistakes (drawn red); an input not wired yet is not one of them."""
        return [i for i in self.issues if i.severity == "error" and not i.incomplete]

    @property
    def unconnected(self):
        return [i.port for i in self.issues if i.incomplete]

    def set_analysis(self, issues, summary):
        self.issues = issues
        if summary != self.summary:
            self.summary = summary
            lines = self._footer_lines(QFontMetrics(S.font()))
            if len(lines) != len(self.footer_lines):
                self.relayout()                   # the footer grows or shrinks by a line
            self.footer_lines = lines
        tip = [f"{self.title} — {self.type_title}"]
        for i in issues:
            mark = "→" if i.incomplete else ("⚠" if i.severity == "warning" else "✖")
            tip.append(f"{mark} {i.message}")
        self.setToolTip("\n".join(tip))
        for name, port in self.inputs.items():
            port.waiting = name in self.unconnected
            port.update()
        self.update()

    def set_current(self, on):
        if on != self.current:
            self.current = on
            self.update()

    def _badge_on(self):
        return bool(self.badge) and self.glow is not None

    def set_glow(self, color, badge=None):
        """Tint the node (training activity, animation); None clears it. A badge (one or two
        lines, never elided: the footer grows) replaces the footer while the node glows."""
        lines_before = len(self.badge.split("\n")) if self._badge_on() else 1
        if badge is not None:
            self.badge = badge
        if color != self.glow or badge is not None:
            self.glow = color
            lines = len(self.badge.split("\n")) if self._badge_on() else 1
            if lines != lines_before:
                self.relayout()
            self.update()

    def boundingRect(self):
        return QRectF(-9, -9, self.width + 18, self.height + 18)

    def paint(self, painter, option, widget=None):
        w = self.width
        rect = QRectF(0, 0, w, self.height)
        selected = bool(option.state & QStyle.State_Selected)
        errors = self.errors
        border = S.SELECTED if selected else (S.ERROR if errors else S.NODE_BORDER)
        if self.glow is not None:
            painter.setPen(QPen(self.glow, 6))
            painter.setBrush(Qt.NoBrush)
            painter.drawRoundedRect(rect.adjusted(-3, -3, 3, 3), 8, 8)
            if self.current:
                painter.setPen(QPen(S.TEXT, 2))
                painter.drawRoundedRect(rect.adjusted(-7, -7, 7, 7), 10, 10)
        if _lod(painter, option) < S.LOD_DETAIL:
            painter.setRenderHint(QPainter.Antialiasing, False)
            painter.setPen(QPen(border, 2))
            painter.setBrush(self.color)
            painter.drawRect(rect)
            return
        painter.setPen(QPen(border, 2 if selected or errors else 1))
        painter.setBrush(S.NODE_BODY)
        painter.drawRoundedRect(rect, 6, 6)
        header = QPainterPath()
        header.addRoundedRect(QRectF(0, 0, w, self.header), 6, 6)
        painter.fillPath(header, QBrush(self.color))
        painter.fillRect(QRectF(0, self.header - 6, w, 6), self.color)
        painter.setPen(S.TEXT)
        painter.setFont(S.title_font())
        painter.drawText(QRectF(8, 0, w - 30, self.header), Qt.AlignVCenter | Qt.AlignLeft,
                         "\n".join(self.title_lines))
        painter.setFont(S.font())
        fm = QFontMetrics(painter.font())
        painter.setPen(S.TEXT_DIM)
        ins, outs = self.port_labels
        for i, name in enumerate(ins):
            painter.drawText(QRectF(10, self.header + i * self.row, w / 2, self.row),
                             Qt.AlignVCenter | Qt.AlignLeft, name)
        for i, name in enumerate(outs):
            painter.drawText(QRectF(w / 2 - 10, self.header + i * self.row, w / 2, self.row),
                             Qt.AlignVCenter | Qt.AlignRight, name)
        footer = self.badge if self._badge_on() else "\n".join(self.footer_lines)
        waiting = self.unconnected
        if waiting and not errors and not self._badge_on():
            footer = "connect " + ", ".join(waiting)
            painter.setPen(S.INCOMPLETE)
        elif footer and footer is self.badge:
            painter.setPen(S.TEXT)
        if footer:
            lines = footer.split("\n") if footer is self.badge else \
                [fm.elidedText(line, Qt.ElideRight, int(w - 16)) for line in footer.split("\n")]
            painter.drawText(QRectF(8, self.height - self.footer, w - 16, self.footer),
                             Qt.AlignVCenter | Qt.AlignLeft, "\n".join(lines))
        shown = [i for i in self.issues if not i.incomplete]
        if shown:
            color = S.ERROR if errors else S.WARNING
            painter.setPen(Qt.NoPen)
            painter.setBrush(color)
            r = 8
            c = QPointF(w - 5 - r, self.header / 2)
            painter.drawEllipse(c, r, r)
            painter.setPen(S.TEXT)
            painter.setFont(S.font(9, True))
            painter.drawText(QRectF(c.x() - r, c.y() - r, 2 * r, 2 * r), Qt.AlignCenter, "!")

    def itemChange(self, change, value):
        if change == QGraphicsItem.ItemPositionHasChanged:
            for e in self.edges:
                e.update_path()
        return super().itemChange(change, value)

    def set_ports_visible(self, visible):
        for p in list(self.inputs.values()) + list(self.outputs.values()):
            p.setVisible(visible)

    def port(self, name, output):
        return (self.outputs if output else self.inputs)[name]

    def scene_box(self):
        return QRectF(self.pos().x(), self.pos().y(), self.width, self.height)


class EdgeItem(QGraphicsItem):
    """A wire from an output port to an input port, labelled with the inferred tensor shape."""

    def __init__(self, edge_id, src_port, dst_port):
        super().__init__()
        self.edge_id, self.src_port, self.dst_port = edge_id, src_port, dst_port
        self.setFlags(QGraphicsItem.ItemIsSelectable)
        self.setCacheMode(QGraphicsItem.DeviceCoordinateCache)
        self.setZValue(0)
        self.label = ""
        self.issues = []
        self.pulse = None         # animation: where along the wire the pulse is (0…1), or None
        self.pulse_color = S.SELECTED
        self.flow = None          # backward animation: (phase 0…1, colour, dot radius, "‖∂‖ …" text)
        self._path = QPainterPath()
        self._shape = QPainterPath()
        self._bounds = QRectF()
        src_port.node_item.edges.add(self)
        dst_port.node_item.edges.add(self)
        self.update_path()

    def detach(self):
        self.src_port.node_item.edges.discard(self)
        self.dst_port.node_item.edges.discard(self)

    def update_path(self):
        a, b = self.src_port.scene_anchor(), self.dst_port.scene_anchor()
        if b.x() >= a.x() + 30:
            path = forward_wire(a, b)
        else:
            path = QPainterPath(a)
            # the target lies to the left (a folded row): leave to the right, run back through the
            # gap between the two nodes, and enter from the left, like a line of text wrapping
            src, dst = self.src_port.node_item.scene_box(), self.dst_port.node_item.scene_box()
            if dst.top() >= src.bottom():
                y = max(dst.top() - 22, (src.bottom() + dst.top()) / 2)   # just above the row it enters
            elif src.top() >= dst.bottom():
                y = (dst.bottom() + src.top()) / 2
            else:
                y = max(src.bottom(), dst.bottom()) + 28
            r = 36.0
            path.cubicTo(QPointF(a.x() + r, a.y()), QPointF(a.x() + r, y), QPointF(a.x(), y))
            path.lineTo(QPointF(b.x(), y))
            path.cubicTo(QPointF(b.x() - r, y), QPointF(b.x() - r, b.y()), b)
        self.prepareGeometryChange()
        self._path = path
        stroker = QPainterPathStroker()
        stroker.setWidth(10)
        self._shape = stroker.createStroke(path)
        self._bounds = path.boundingRect().adjusted(-60, -14, 60, 34)      # room for the gradient label
        self.update()

    def set_analysis(self, label, issues):
        self.label, self.issues = label, issues
        self.setToolTip("\n".join([label] + [i.message for i in issues]) if (label or issues) else "")
        self.update()

    def set_pulse(self, at, color=None):
        if color is not None:
            self.pulse_color = color
        if at != self.pulse:
            self.pulse = at
            self.update()

    def set_flow(self, phase, color=None, radius=4.0, text=""):
        """Gradient particles running back along the wire (from its input end to its output end),
        sized and coloured by the gradient's magnitude, with its norm written on the wire; None
        clears them."""
        flow = None if phase is None else (phase, color, radius, text)
        if flow != self.flow:
            self.flow = flow
            self.update()

    def boundingRect(self):
        return self._bounds

    def path_rect(self):
        return self._path.boundingRect()

    def path(self):
        return self._path

    def shape(self):
        return self._shape

    def paint(self, painter, option, widget=None):
        selected = self.isSelected()
        color = S.SELECTED if selected else (S.ERROR if self.issues else S.EDGE)
        detail = _lod(painter, option) >= S.LOD_DETAIL
        if not detail:
            painter.setRenderHint(QPainter.Antialiasing, False)     # far out: thin, plain wires
        pen = QPen(color, 2.5 if selected else 1.8)
        if self.issues:
            pen.setStyle(Qt.DashLine)
        painter.setPen(pen)
        painter.setBrush(Qt.NoBrush)
        painter.drawPath(self._path)
        if self.pulse is not None:
            painter.setPen(QPen(self.pulse_color, 3.5))
            painter.drawPath(self._path)
            at = self._path.pointAtPercent(min(max(self.pulse, 0.0), 1.0))
            painter.setPen(Qt.NoPen)
            painter.setBrush(self.pulse_color)
            painter.drawEllipse(at, 7, 7)
        if self.flow is not None:
            phase, fcolor, radius, text = self.flow
            painter.setPen(QPen(fcolor, 2.2))
            painter.drawPath(self._path)
            painter.setPen(Qt.NoPen)
            painter.setBrush(fcolor)
            for j in range(3):          # three particles, from the consumer back to the producer
                at = 1.0 - ((phase + j / 3.0) % 1.0)
                painter.drawEllipse(self._path.pointAtPercent(at), radius, radius)
            if text and detail:
                mid = self._path.pointAtPercent(0.5)
                painter.setFont(S.font(S.BODY_PT, True))
                fm = QFontMetrics(painter.font())
                w, h = fm.horizontalAdvance(text) + 8, fm.height() + 2
                box = QRectF(mid.x() - w / 2, mid.y() + 10, w, h)
                painter.setPen(QPen(fcolor, 1.5))
                painter.setBrush(S.BACKGROUND)
                painter.drawRoundedRect(box, 4, 4)
                painter.setPen(S.TEXT)            # white on dark: readable at any gradient colour
                painter.drawText(box, Qt.AlignCenter, text)
        if self.label and detail:
            mid = self._path.pointAtPercent(0.5)
            painter.setFont(S.font())
            fm = QFontMetrics(painter.font())
            w, h = fm.horizontalAdvance(self.label) + 8, fm.height() + 2
            box = QRectF(mid.x() - w / 2, mid.y() - h / 2, w, h)
            painter.setPen(QPen(color, 1))
            painter.setBrush(S.BACKGROUND)
            painter.drawRoundedRect(box, 4, 4)
            painter.setPen(S.TEXT)
            painter.drawText(box, Qt.AlignCenter, self.label)


def node_summary(analysis, node):
    """The footer text: output shape and parameter count."""
    parts = []
    outs = [analysis.specs.get((node.id, p.name)) for p in node.type.outputs]
    if outs and outs[0] is not None:
        parts.append(fmt(outs[0].shape))
    n = analysis.param_count(node.id)
    if n:
        parts.append(f"{n:,} param{'s' if n != 1 else ''}")
    return "  ·  ".join(parts)
