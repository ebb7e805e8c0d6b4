"""The command-line entry point and its built-in example."""
import subprocess
import sys

from app.demo import train_xor
from app.main import main


def test_builtin_example_learns_xor():
    model, history = train_xor(report_every=0)
    assert history[-1] < 0.05 < history[0]


def test_main_runs_the_example(capsys):
    assert main([]) == 0
    out = capsys.readouterr().out
    assert "learns XOR" in out and "accuracy 100%" in out


def test_version_flag():
    r = subprocess.run([sys.executable, "-m", "app.main", "--version"], capture_output=True, text=True)
    assert r.returncode == 0 and "tensorweave" in r.stdout
