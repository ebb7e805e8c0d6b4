"""The command-line entry point and its built-in example."""
import os
import subprocess
import sys

from app.demo import train_xor
from app.main import main


def test_builtin_example_learns_xor():
    model, history = train_xor(report_every=0)
    assert history[-1] < 0.05 < history[0]


def test_demo_command_runs_the_terminal_example(capsys):
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "learns XOR" in out and "accuracy 100%" in out


def test_version_flag():
    r = subprocess.run([sys.executable, "-m", "app.main", "--version"], capture_output=True, text=True)
    assert r.returncode == 0 and "tensorweave" in r.stdout


def test_no_command_opens_the_start_page_a_file_opens_the_editor_a_bad_path_says_why(monkeypatch, tmp_path):
    """`tensorweave` starts on the start page with the bundled examples; `tensorweave FILE.twg`
    opens the file; a path that does not open leaves the start page with the message. exec() is
    replaced so the test does not block in the event loop."""
    monkeypatch.setenv("TENSORWEAVE_DATA_DIR", str(tmp_path))
    from PySide6.QtCore import QSettings
    QSettings.setPath(QSettings.NativeFormat, QSettings.UserScope, str(tmp_path / "settings"))
    from PySide6.QtWidgets import QApplication
    app = QApplication.instance() or QApplication([])
    opened = []
    monkeypatch.setattr(type(app), "exec", lambda self: opened.append(
        [w for w in QApplication.topLevelWidgets() if hasattr(w, "document") and w.isVisible()]) or 0)
    assert main([]) == 0
    window = opened[-1][-1]
    assert window.layout_.on_start_page and len(window.start_page.cards) == 10
    assert window.start_page.cards[2].example.name == "moons"
    window.close()
    missing = str(tmp_path / "missing.twg")
    assert main([missing]) == 0
    window = opened[-1][-1]
    assert window.layout_.on_start_page and not window.start_page.message.isHidden()
    assert "missing.twg" in window.start_page.message.text()
    window.close()
    import os
    example = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "resources", "examples", "xor.twg")
    assert main([example]) == 0
    window = opened[-1][-1]
    assert window.document.name == "xor"
    window.close()


def test_an_exception_in_the_window_is_logged_and_said_in_one_line(qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox
    from app.gui import install_excepthook
    from ui_helpers import main_window
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: shown.append(a[2]))
    w = main_window(qtbot, tmp_path, monkeypatch)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)        # restored after the test
    hook = install_excepthook(w)
    try:
        raise KeyError("slot failed")
    except KeyError as exc:
        hook(type(exc), exc, exc.__traceback__)
    qtbot.waitUntil(lambda: bool(shown), timeout=2000)
    assert "KeyError" in w.statusBar().currentMessage() and "details are in" in shown[0]
    logs = os.listdir(tmp_path / "data" / "logs")
    assert logs and "slot failed" in open(tmp_path / "data" / "logs" / logs[0]).read()
