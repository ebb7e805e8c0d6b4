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
        self._shown = {}               # what a mode hid, to show again when it ends
        self._presenting = {}          # side docks hidden by presentation mode
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
            self.end_mode()
        self.stack.setCurrentWidget(self.splitter)
        if self._split_pending and self.window.isVisible():
            QTimer.singleShot(0, self._size_splitter)

    def show_start(self):
        if self.mode not in (None, "start"):
            self.end_mode()
        self.stack.setCurrentWidget(self.start_page)
        if self.mode != "start":
            self._hide_for("start", self.docks + (self.window.training_toolbar,))

    @property
    def on_start_page(self):
        return self.stack.currentWidget() is self.start_page

    # ------------------------------------------------------------- focus modes
    def _hide_for(self, mode, widgets):
        self._shown = {wd: not wd.isHidden() for wd in widgets}   # hidden by choice, not by a hidden window
        for wd in widgets:
            wd.hide()
        self.mode = mode

    def end_mode(self):
        for wd, visible in self._shown.items():
            wd.setVisible(visible)
        self._shown = {}
        self.mode = None

    def maximize(self, what):
        """"canvas" or "plots" fills the window (docks hidden); the same call again gives it back."""
        if self.mode == what:
            self.end_mode()
            return False
        if self.mode is not None:
            self.end_mode()
        if self.on_start_page:
            return False
        view, plots = self.splitter.widget(0), self.splitter.widget(1)
        self._hide_for(what, self.docks + ((plots,) if what == "canvas" else (view,)))
        return True

    def present(self, on):
        """Presentation mode gives the Palette's and the right docks' room to the canvas."""
        if on and not self._presenting:
            self._presenting = {d: not d.isHidden() for d in self.docks}
            for d in self.docks:
                d.hide()
        elif not on and self._presenting:
            for d, visible in self._presenting.items():
                if self.mode is None:
                    d.setVisible(visible)
                elif d in self._shown:        # a focus mode is on: it will give them back
                    self._shown[d] = visible
            self._presenting = {}

    # ------------------------------------------------------------- sizes
    def apply_defaults(self):
        """Proportional sizes for this window: a narrow Palette, the Inspector/Training setup wide
        enough for their forms, the canvas 60 % of the height and the plots the rest."""
        w = self.window
        if self.mode is not None and self.mode != "start":
            self.end_mode()
        for dock in self.docks:
            if self.mode != "start":
                dock.show()
            dock.setFloating(False)
        width = max(w.width(), 800)
        w.resizeDocks([self.palette_dock], [int(min(max(width * 0.13, 170), 240))], Qt.Horizontal)
        w.resizeDocks([self.inspector_dock], [int(min(max(width * 0.21, 280), 380))], Qt.Horizontal)
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
        if self.mode is not None:
            self.end_mode()           # a focus mode or the start page is not the layout to keep
        self.present(False)
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
