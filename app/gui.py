"""The window: ``tensorweave [GRAPH]`` opens GRAPH, or a built-in example so a newcomer sees a
working network at once."""
import os
import sys

DEFAULT_EXAMPLE = "moons.twg"


def run(path=None, argv=None):
    from PySide6.QtWidgets import QApplication
    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    app.setApplicationName("Tensorweave")
    app.setOrganizationName("Tensorweave")
    from ui.main_window import EXAMPLES, MainWindow
    window = MainWindow()
    window.show()
    if not window.offer_recovery():
        window.open_path(path or os.path.join(EXAMPLES, DEFAULT_EXAMPLE))
    return app.exec()
