"""Driving the editor with real events (pytest-qt's mouseMove carries no buttons, so drags are
sent as QMouseEvents to the viewport; drops as QDrag*/QDrop events)."""
from PySide6.QtCore import QEvent, QMimeData, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QMouseEvent
from PySide6.QtWidgets import QApplication

from ui.view import NODE_TYPE_MIME


def view_point(view, scene_pos):
    return QPointF(view.mapFromScene(scene_pos))


def mouse(view, kind, scene_pos, button=Qt.LeftButton, buttons=None, modifiers=Qt.NoModifier):
    local = view_point(view, scene_pos)
    glob = QPointF(view.viewport().mapToGlobal(local.toPoint()))
    types = {"press": QEvent.MouseButtonPress, "move": QEvent.MouseMove, "release": QEvent.MouseButtonRelease,
             "double": QEvent.MouseButtonDblClick}
    if buttons is None:
        buttons = Qt.NoButton if kind == "release" else button
    ev = QMouseEvent(types[kind], local, glob, Qt.NoButton if kind == "move" else button, buttons, modifiers)
    QApplication.sendEvent(view.viewport(), ev)
    QApplication.processEvents()


def drag(view, start, end, button=Qt.LeftButton, steps=6, modifiers=Qt.NoModifier):
    """Press at ``start``, move in steps with the button held, release at ``end`` (scene points)."""
    mouse(view, "press", start, button, modifiers=modifiers)
    for i in range(1, steps + 1):
        t = i / steps
        p = QPointF(start.x() + (end.x() - start.x()) * t, start.y() + (end.y() - start.y()) * t)
        mouse(view, "move", p, button, buttons=button, modifiers=modifiers)
    mouse(view, "release", end, button, modifiers=modifiers)


def click(view, scene_pos, modifiers=Qt.NoModifier):
    mouse(view, "press", scene_pos, modifiers=modifiers)
    mouse(view, "release", scene_pos, modifiers=modifiers)


def drop_node_type(view, type_id, scene_pos):
    md = QMimeData()
    md.setData(NODE_TYPE_MIME, type_id.encode())
    pos = view_point(view, scene_pos)
    vp = view.viewport()
    enter = QDragEnterEvent(pos.toPoint(), Qt.CopyAction, md, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(vp, enter)
    move = QDragMoveEvent(pos.toPoint(), Qt.CopyAction, md, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(vp, move)
    drop = QDropEvent(pos, Qt.CopyAction, md, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(vp, drop)
    QApplication.processEvents()
    return drop.isAccepted()


def port_pos(window, node_id, port, output):
    return window.scene.node_items[node_id].port(port, output).scenePos()


def node_center(window, node_id):
    item = window.scene.node_items[node_id]
    return item.mapToScene(item.boundingRect().center())


def snapshot(graph):
    nodes = {n.id: (n.type_id, dict(n.params), n.position, n.title) for n in graph.nodes.values()}
    edges = {(e.src, e.src_port, e.dst, e.dst_port) for e in graph.edges.values()}
    return nodes, edges




def quiet(w):
    """No modal dialogs in tests: errors are collected, unsaved changes are discarded at teardown,
    a running training is stopped when the window closes."""
    w.errors = []
    w.show_error = lambda title, message: w.errors.append(message)
    w.ask_save_changes = lambda: "discard"
    w.ask_restore = lambda record: False
    w.ask_stop_training = lambda: True
    return w


def main_window(qtbot, tmp_path, monkeypatch=None, size=None, start_page=False):
    """A main window as a test wants it: its own settings and data folders, no dialogs, shown."""
    from PySide6.QtCore import QSettings
    from ui.main_window import MainWindow
    if monkeypatch is not None:
        monkeypatch.setenv("TENSORWEAVE_DATA_DIR", str(tmp_path / "data"))
    QSettings.setPath(QSettings.NativeFormat, QSettings.UserScope, str(tmp_path / "settings"))
    w = quiet(MainWindow(autosave=False, start_page=start_page))
    qtbot.addWidget(w)
    if size:
        w.resize(*size)
    w.show()
    qtbot.waitExposed(w)
    return w
