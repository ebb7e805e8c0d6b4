"""How the main window shares its room: the canvas over the training views in one splitter (the
graph is the hero, the plots grow with the screen), the Palette on the left, the Inspector and
the Training setup on the right (each scrolls), the start page instead of all of that. Sizes are
proportional to the window on first start, remembered between runs and can be reset. Focus
modes show only the canvas or only the plots, and undo themselves before anything is saved."""
from PySide6.QtCore import QByteArray, Qt, QTimer
from PySide6.QtWidgets import QDockWidget, QFrame, QScrollArea, QSplitter, QStackedWidget

LAYOUT_VERSION = 2             # bump when the docks change, so an old saved state is not applied
CANVAS_SHARE = 0.6             # of the central height, on first start and after Reset Layout


def _scroller(parent):
    area = QScrollArea(parent)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
    return area


class WindowLayout:
    def __init__(self, window, palette, start_page):
        self.window = w = window
        self.palette_dock = self._dock("Palette", "palette", Qt.LeftDockWidgetArea)
        self.palette_dock.setWidget(palette)
        self.inspector_dock = self._dock("Inspector", "inspector", Qt.RightDockWidgetArea)
        self.inspector_scroll = _scroller(self.inspector_dock)
        self.inspector_dock.setWidget(self.inspector_scroll)
        self.setup_dock = self._dock("Training setup", "training setup", Qt.RightDockWidgetArea)
        self.setup_scroll = _scroller(self.setup_dock)
        self.setup_dock.setWidget(self.setup_scroll)
        w.tabifyDockWidget(self.inspector_dock, self.setup_dock)
        self.docks = (self.palette_dock, self.inspector_dock, self.setup_dock)
        self.splitter = QSplitter(Qt.Vertical, w)
        self.splitter.setObjectName("canvas and plots")
        self.splitter.setChildrenCollapsible(False)
        self.stack = QStackedWidget(w)
        self.start_page = start_page
        self.stack.addWidget(start_page)
        self.stack.addWidget(self.splitter)
        w.setCentralWidget(self.stack)
        self.mode = None               # None, "start", "canvas" or "plots"
        self.presenting = False        # presentation mode (with or without one of those)
        self._chosen = {}              # the docks the user has shown, while a mode hides them
        self._split_pending = False
        self.restored = False

    def _dock(self, title, name, area):
        dock = QDockWidget(title, self.window)
        dock.setObjectName(name)
        self.window.addDockWidget(area, dock)
        return dock

    # ------------------------------------------------------------- contents
    def set_canvas_and_plots(self, view, plots):
        """The splitter holds the view and the document's training views (replaced per document)."""
        if self.splitter.count() == 0:
            self.splitter.addWidget(view)
            self.splitter.addWidget(plots)
            self.splitter.setStretchFactor(0, 3)
            self.splitter.setStretchFactor(1, 2)
            return
        sizes = self.splitter.sizes()
        old = self.splitter.replaceWidget(1, plots)
        if old is not None:
            old.hide()
        self.splitter.setSizes(sizes)

    def show_editor(self):
        if self.mode == "start":
            self.mode = None
            self._apply()
        self.stack.setCurrentWidget(self.splitter)
        if self._split_pending and self.window.isVisible():
            QTimer.singleShot(0, self._size_splitter)

    def show_start(self):
        self.stack.setCurrentWidget(self.start_page)
        self.mode = "start"
        self._apply()

    @property
    def on_start_page(self):
        return self.stack.currentWidget() is self.start_page

    # ------------------------------------------------------------- modes
    # What the user chose to show (the docks, the toolbar) is kept in one place while any mode
    # hides things; what is on screen is worked out from it and the modes, so modes can be
    # entered and left in any order without losing a dock.
    def _apply(self):
        modes = ({self.mode} if self.mode else set()) | ({"presentation"} if self.presenting else set())
        if modes and not self._chosen:
            self._chosen = {d: not d.isHidden() for d in self.docks}
        if not modes:
            for d, visible in self._chosen.items():
                d.setVisible(visible)
            self._chosen = {}
        else:
            for d in self.docks:
                d.setVisible(False)
        self.window.training_toolbar.setVisible(self.mode != "start")
        if self.splitter.count() == 2:
            self.splitter.widget(0).setVisible(self.mode != "plots")
            self.splitter.widget(1).setVisible(self.mode != "canvas")

    def end_mode(self):
        """Leave a focus mode (or the start page's): the user's panels come back."""
        self.mode = None
        self._apply()

    def maximize(self, what):
        """"canvas" or "plots" fills the window (docks hidden); the same call again gives it back."""
        if self.on_start_page:
            return False
        self.mode = None if self.mode == what else what
        self._apply()
        return self.mode == what

    def present(self, on):
        """Presentation mode gives the Palette's and the right docks' room to the canvas."""
        self.presenting = bool(on)
        self._apply()

    # ------------------------------------------------------------- sizes
    def apply_defaults(self):
        """Proportional sizes for this window: a narrow Palette, the Inspector/Training setup wide
        enough for their forms, the canvas 60 % of the height and the plots the rest."""
        w = self.window
        if self.mode in ("canvas", "plots"):
            self.mode = None
        for dock in self.docks:           # every panel back, docked, at its default size …
            dock.setFloating(False)
            dock.show()
        self._chosen = {}
        width = max(w.width(), 800)
        w.resizeDocks([self.palette_dock], [int(min(max(width * 0.13, 170), 240))], Qt.Horizontal)
        w.resizeDocks([self.inspector_dock], [int(min(max(width * 0.21, 280), 380))], Qt.Horizontal)
        self._apply()                     # … unless the start page or presentation mode hides them
        self._split_pending = True
        if self.splitter.isVisible():
            self._size_splitter()
        self.inspector_dock.raise_()

    def _size_splitter(self):
        """The canvas's share of the height (only once the splitter is on screen: a hidden one,
        behind the start page, has no height to share)."""
        self._split_pending = False
        total = max(self.splitter.height() - self.splitter.handleWidth(), 300)
        self.splitter.setSizes([int(total * CANVAS_SHARE), total - int(total * CANVAS_SHARE)])

    def save(self, settings):
        if self.mode is not None or self.presenting:
            self.mode, self.presenting = None, False
            self._apply()             # a mode is not the layout to keep
        settings.setValue("window/geometry", self.window.saveGeometry())
        settings.setValue("window/state", self.window.saveState(LAYOUT_VERSION))
        settings.setValue("window/splitter", self.splitter.saveState())

    def restore(self, settings):
        """Put back the saved layout; False when there is none (or it is from another version)."""
        geometry, state = settings.value("window/geometry"), settings.value("window/state")
        splitter = settings.value("window/splitter")
        if not isinstance(state, (QByteArray, bytes)) or not isinstance(geometry, (QByteArray, bytes)):
            return False
        self.window.restoreGeometry(QByteArray(geometry))
        if not self.window.restoreState(QByteArray(state), LAYOUT_VERSION):
            return False
        if isinstance(splitter, (QByteArray, bytes)):
            self.splitter.restoreState(QByteArray(splitter))
        self.restored = True
        return True

    @staticmethod
    def forget(settings):
        for key in ("window/geometry", "window/state", "window/splitter"):
            settings.remove(key)
