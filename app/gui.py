"""The window: ``tensorweave`` opens on the start page (the bundled examples as a gallery, in the
order of the lesson); ``tensorweave GRAPH`` opens GRAPH, and a path that does not open leaves the
start page with the loader's message."""
import sys


def run(path=None, argv=None):
    from PySide6.QtWidgets import QApplication
    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    app.setApplicationName("Tensorweave")
    app.setOrganizationName("Tensorweave")
    from ui.main_window import MainWindow
    window = MainWindow(start_page=True)
    window.show()
    if not window.offer_recovery() and path:
        window.open_path(path)
    return app.exec()
