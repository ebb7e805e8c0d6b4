"""Unexpected errors never reach the user as a traceback: the traceback goes to a log file in the
per-user data folder, and the user gets one line that says what happened and where the details
are. Used by the command line (app/main.py) and the window (app/gui.py). No Qt here."""
import os
import sys
import time
import traceback

LOG_FOLDER = "logs"


def data_folder():
    """The per-user data folder: TENSORWEAVE_DATA_DIR, else the platform's usual place."""
    folder = os.environ.get("TENSORWEAVE_DATA_DIR")
    if folder:
        return folder
    if sys.platform == "win32":
        return os.path.join(os.environ.get("APPDATA", os.path.expanduser("~")), "Tensorweave")
    if sys.platform == "darwin":
        return os.path.join(os.path.expanduser("~"), "Library", "Application Support", "Tensorweave")
    return os.path.join(os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share"),
                        "Tensorweave")


def write(exc_type, exc, tb, context=""):
    """Append the traceback to today's log; returns the log's path (None if it cannot be written)."""
    folder = os.path.join(data_folder(), LOG_FOLDER)
    path = os.path.join(folder, time.strftime("tensorweave-%Y%m%d.log"))
    try:
        os.makedirs(folder, exist_ok=True)
        with open(path, "a", encoding="utf-8", errors="replace") as f:
            f.write(f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} pid {os.getpid()} {context}\n")
            f.write("".join(traceback.format_exception(exc_type, exc, tb)))
    except OSError:
        return None
    return path


def one_line(exc, path):
    """What the user reads: the error in one line and where its details are."""
    what = str(exc).splitlines()[0][:300] if str(exc) else ""
    where = f"; the details are in {path}" if path else ""
    return f"unexpected error ({type(exc).__name__}{': ' + what if what else ''}){where}"
