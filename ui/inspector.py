"""The inspector edits the selected node's parameters with the editors that fit each parameter's
kind (param_editors.py), and shows what the model inferred: output shapes, parameter count and issues. Values are
checked by the model (ParamSpec.validate); the message appears under the field."""
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QSizePolicy, QVBoxLayout, QWidget

from app.commands import RenameNode, SetParam
from engine.graph.params import ParamError
from engine.graph.shapes import fmt
from engine.graph import changes as ch
from . import style as S
from .param_editors import make_editor, show_value


class Inspector(QWidget):
    """Lives in a scroll area of the right dock: it takes the dock's width (selecting a node never
    resizes the dock, which would shift the canvas under the cursor) and scrolls when taller."""

    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.document = document
        self.node_id = None
        self.editors = {}
        self.errors = {}
        self.outer = QVBoxLayout(self)
        self.outer.setContentsMargins(6, 6, 6, 6)
        self.header = QLabel("Select a node to edit its parameters.", self)
        self.header.setWordWrap(True)
        self.outer.addWidget(self.header)
        self.form_host = QWidget(self)
        self.form = QFormLayout(self.form_host)
        self.outer.addWidget(self.form_host)
        self.facts = QLabel(self)
        self.facts.setWordWrap(True)
        self.facts.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.outer.addWidget(self.facts)
        self.outer.addStretch(1)
        self.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Minimum)
        self._unsubscribe = document.graph.subscribe(self._on_event)

    def detach(self):
        self._unsubscribe()

    # ------------------------------------------------------------- following the model
    def show_node(self, node_id):
        self.node_id = node_id if node_id in self.document.graph.nodes else None
        self._rebuild()

    def _on_event(self, e):
        if self.node_id is None:
            return
        if isinstance(e, ch.NodeRemoved) and e.node.id == self.node_id:
            self.show_node(None)
        elif isinstance(e, (ch.ParamChanged, ch.NodeRenamed)) and e.node.id == self.node_id:
            self._load_values()
        elif isinstance(e, ch.Analyzed):
            self._show_facts()

    def _clear(self):
        while self.form.rowCount():
            self.form.removeRow(0)
        self.editors, self.errors = {}, {}

    def _rebuild(self):
        self._clear()
        if self.node_id is None:
            self.header.setText("Select a node to edit its parameters.")
            self.facts.setText("")
            return
        node = self.document.graph.nodes[self.node_id]
        nt = node.type
        self.header.setText(f"<b>{nt.title}</b> <span style='color:gray'>({nt.category})</span><br>{nt.description}")
        title = QLineEdit(self.form_host)
        title.setPlaceholderText(nt.title)
        title.editingFinished.connect(lambda: self._rename(title.text()))
        self.editors["__title__"] = title
        self.form.addRow("Name", title)
        for spec in nt.params:
            editor = make_editor(spec, self.form_host, lambda v, n=spec.name: self._commit(n, v),
                                 lambda msg, n=spec.name: self._refuse(n, msg))
            error = QLabel(self.form_host)
            error.setStyleSheet(f"color: {S.ERROR.name()}")
            error.setWordWrap(True)
            error.hide()
            self.editors[spec.name] = editor
            self.errors[spec.name] = error
            self.form.addRow(spec.name.replace("_", " "), editor)
            self.form.addRow("", error)
        self._load_values()
        self._show_facts()

    def _load_values(self):
        node = self.document.graph.nodes.get(self.node_id)
        if node is None:
            return
        title = self.editors.get("__title__")
        if title is not None and title.text() != (node.title or ""):
            title.setText(node.title or "")
        for spec in node.type.params:
            show_value(self.editors[spec.name], node.params[spec.name])
            self.errors[spec.name].hide()

    def _show_facts(self):
        if self.node_id is None or self.node_id not in self.document.graph.nodes:
            return
        a = self.document.graph.analysis
        node = self.document.graph.nodes[self.node_id]
        lines = []
        for p in node.type.outputs:
            spec = a.specs.get((node.id, p.name))
            lines.append(f"output <b>{p.name}</b>: {fmt(spec.shape) if spec else '?'}"
                         + (f" ({spec.dtype})" if spec and spec.dtype != 'float' else ""))
        count = a.param_count(node.id)
        if a.weights.get(node.id):
            lines.append(f"trainable parameters: <b>{count:,}</b>")
        for issue in a.issues_for(node_id=node.id):
            color = (S.ERROR if issue.severity == "error" else S.WARNING).name()
            lines.append(f"<span style='color:{color}'>{issue.message}</span>")
        self.facts.setText("<br>".join(lines))

    # ------------------------------------------------------------- edits → undo commands
    def _commit(self, name, value):
        node = self.document.graph.nodes.get(self.node_id)
        if node is None:
            return
        try:
            cmd = SetParam(self.document, self.node_id, name, value)
        except ParamError as exc:
            self.errors[name].setText(str(exc))
            self.errors[name].show()
            return
        self.errors[name].hide()
        if cmd.old != cmd.new:
            self.document.push(cmd)

    def _refuse(self, name, message):
        self.errors[name].setText(message)
        self.errors[name].show()

    def _rename(self, text):
        node = self.document.graph.nodes.get(self.node_id)
        if node is not None and (text or None) != node.title:
            self.document.push(RenameNode(self.document, self.node_id, text))
