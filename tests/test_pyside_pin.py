"""PySide6 6.12.0 on CPython 3.11 lowers None's reference count on every Python paint() override
call until the interpreter aborts; the project pins PySide6 below 6.12. This guards the pin."""
import re
import sys
from pathlib import Path

import pytest

PySide6 = pytest.importorskip("PySide6")


def test_pyproject_pins_pyside6_below_6_12():
    text = (Path(__file__).resolve().parents[1] / "pyproject.toml").read_text()
    spec = re.search(r'"pyside6[-_a-z]*([^"]*)"', text, re.I)
    assert spec and "<6.12" in spec.group(1).replace(" ", "")


def test_installed_pyside6_is_below_6_12():
    major, minor = (int(p) for p in PySide6.__version__.split(".")[:2])
    assert (major, minor) < (6, 12), f"PySide6 {PySide6.__version__} is installed"


def test_python_paint_overrides_do_not_drain_none_refcount(qapp):
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene

    class Item(QGraphicsItem):
        def boundingRect(self):
            return QRectF(0, 0, 10, 10)

        def paint(self, painter, option, widget=None):
            painter.drawRect(self.boundingRect())

    scene = QGraphicsScene()
    for i in range(100):
        item = Item()
        item.setPos(i * 12 % 600, i * 12 // 600 * 12)
        scene.addItem(item)
    image = QImage(640, 480, QImage.Format_ARGB32)
    before = sys.getrefcount(None)
    for _ in range(20):
        painter = QPainter(image)
        scene.render(painter)
        painter.end()
    after = sys.getrefcount(None)
    # 2,000 paint() calls: a leak of one reference per call would show as a drop of ~2,000.
    assert after >= before - 100, f"None refcount fell from {before} to {after}"
