"""The window: ``tensorweave`` opens on the start page (the bundled examples as a gallery, in the
order of the lesson); ``tensorweave GRAPH`` opens GRAPH, and a path that does not open leaves the
start page with the loader's message."""
import sys


def install_excepthook(window):
    """An exception escaping a slot or an event handler is logged and said in one line in the
    status bar and a message box; the window stays usable."""
    from app import crash_log

    def hook(exc_type, exc, tb):
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        path = crash_log.write(exc_type, exc, tb, "window")
        window.report_unexpected(crash_log.one_line(exc, path))
    sys.excepthook = hook
    return hook


def run(path=None, argv=None):
    from PySide6.QtWidgets import QApplication
    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    app.setApplicationName("Tensorweave")
    app.setOrganizationName("Tensorweave")
    from ui.main_window import MainWindow
    window = MainWindow(start_page=True)
    install_excepthook(window)
    window.show()
    if not window.offer_recovery() and path:
        window.open_path(path)
    return app.exec()
