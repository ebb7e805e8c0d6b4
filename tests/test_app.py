"""The command-line entry point and its built-in example."""
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


def test_no_command_opens_the_editor_on_the_built_in_example(monkeypatch, tmp_path):
    """`tensorweave` (and `tensorweave FILE.twg`) start the window; exec() is replaced so the
    test does not block in the event loop."""
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
    assert window.document.name == "moons" and len(window.document.graph.nodes) == 8
    window.document.undo_stack.setClean()
    window.close()
    import os
    example = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "resources", "examples", "xor.twg")
    assert main([example]) == 0
    window = opened[-1][-1]
    assert window.document.name == "xor"
    window.close()
