"""One editor per kind of typed parameter (engine/params.py), for every place that edits them: the
Inspector (node parameters), the Training setup (the training configuration, a synthetic data
set's options). Ranges, choices and help come from the spec, never retyped; the value goes
through the spec's own validation, and a refusal comes back as the spec's message."""
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QLineEdit, QSizePolicy, QSpinBox

from engine.params import ParamError

HINTS = {"ints": "e.g. 2, 3", "floats": "e.g. 0.5, 1", "padding": "valid, same, or pixels"}


class NumberBox(QDoubleSpinBox):
    """A number as it is written (0.15, 0.0001, 2.5e-05), not 0.150000."""

    def textFromValue(self, value):
        return f"{value:.6g}"

    def valueFromText(self, text):
        try:
            return float(text.replace(",", "."))
        except ValueError:
            return self.value()

    def validate(self, text, pos):
        t = text.strip().replace(",", ".")
        if t in ("", "-", ".", "-.") or t.lower().endswith(("e", "e-", "e+")):
            return QValidator.Intermediate, text, pos
        try:
            float(t)
        except ValueError:
            return QValidator.Invalid, text, pos
        return QValidator.Acceptable, text, pos


DECIMALS = 8             # small values keep their digits (a learning rate of 1e-5 included)


def make_editor(spec, parent, commit, refuse):
    """A widget for ``spec``; ``commit(value)`` gets the checked value of an edit, ``refuse(message)``
    the spec's message for a value it does not take. The widget keeps its spec in ``.spec``."""
    if spec.kind == "bool":
        w = QCheckBox(parent)
        w.toggled.connect(lambda v: _checked(spec, v, commit, refuse))
    elif spec.kind == "choice":
        w = QComboBox(parent)
        w.addItems([str(c) for c in spec.choices])
        w.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        w.setMinimumContentsLength(6)
        w.activated.connect(lambda i: _checked(spec, spec.choices[i], commit, refuse))
    elif spec.kind == "int" and not spec.optional:
        w = QSpinBox(parent)
        w.setRange(int(spec.min) if spec.min is not None else -2**31, int(spec.max) if spec.max is not None else 2**31 - 1)
        w.setKeyboardTracking(False)       # typing commits on Enter or leaving; arrows at once
        w.valueChanged.connect(lambda v: _checked(spec, v, commit, refuse))
    elif spec.kind == "float" and not spec.optional:
        w = NumberBox(parent)
        w.setDecimals(DECIMALS)
        w.setRange(spec.min if spec.min is not None else -1e9, spec.max if spec.max is not None else 1e9)
        w.setSingleStep(0.01 if (spec.max or 1) <= 1 else 0.1)
        w.setKeyboardTracking(False)
        w.valueChanged.connect(lambda v: _checked(spec, v, commit, refuse))
    else:
        w = QLineEdit(parent)
        w.setPlaceholderText(("empty: none; " if spec.optional else "") + HINTS.get(spec.kind, ""))
        w.editingFinished.connect(lambda: _parse(spec, w.text(), commit, refuse))
    w.setToolTip(spec.help)
    w.spec = spec
    if isinstance(w, (QSpinBox, QDoubleSpinBox, QComboBox, QLineEdit)):
        # narrow docks: the editor may be narrower than its widest possible value
        w.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Fixed)
        w.setMinimumWidth(70)
    return w


def show_value(w, value):
    """Put ``value`` in the editor without committing it."""
    spec = w.spec
    w.blockSignals(True)
    try:
        if isinstance(w, QCheckBox):
            w.setChecked(bool(value))
        elif isinstance(w, QComboBox):
            w.setCurrentIndex(list(spec.choices).index(value) if value in spec.choices else 0)
        elif isinstance(w, (QSpinBox, QDoubleSpinBox)):
            w.setValue(value)
        else:
            w.setText(text_of(value))
    finally:
        w.blockSignals(False)


def text_of(value):
    if value is None:
        return ""
    if isinstance(value, (tuple, list)):
        return ", ".join(str(v) for v in value)
    return str(value)


def _checked(spec, value, commit, refuse):
    try:
        value = spec.validate(value)
    except ParamError as exc:
        refuse(str(exc))
        return
    commit(value)


def _parse(spec, text, commit, refuse):
    """Text → the spec's kind (lists of numbers, optional numbers), then the spec decides."""
    text = text.strip()
    if text == "" and spec.optional:
        value = None
    elif spec.kind in ("ints", "floats"):
        items = [t for t in text.replace("×", ",").replace(" ", ",").split(",") if t]
        try:
            value = [float(t) for t in items]
        except ValueError:
            refuse(f"{spec.name} must be {spec.describe_kind()}, got {text!r}")
            return
    elif spec.kind in ("int", "float"):
        try:
            value = float(text)
        except ValueError:
            refuse(f"{spec.name} must be {spec.describe_kind()}, got {text!r}")
            return
    else:
        value = text
    _checked(spec, value, commit, refuse)
