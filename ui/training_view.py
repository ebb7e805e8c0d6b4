"""Training in the window: the views under the canvas (tabs for the live curves, the step
animation, node values, the confusion matrix and the decision boundary), the setup form (placed
in a dock by the main window) and the run controls (placed in the training toolbar). It connects
the session's signals to them and tints the canvas's nodes while training."""
import time

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QMessageBox, QTabWidget, QVBoxLayout, QWidget

from app.inspection import InspectionSource, chain_rule_of, neurons_of
from app.session import TrainingSession
from app.commands import SetConfig
from engine.graph.runs import MAX_RUNS, make_run
from engine.graph.training import training_blocker, training_config
from engine.graph import changes as ch
from . import style as S
from .animation import AnimationControls, StepAnimator
from .curves import CurvesView
from .boundary_view import BoundaryView
from .inspection import ConfusionView, NodeValuesView
from .neuron_view import NeuronView
from .plots import restyle
from .runs_view import RunsView
from .run_controls import RunControls
from .training_panel import TrainingPanel

REFRESH_S = 0.4              # inspection views follow training at most this often …
LIVE_REFRESH_S = 0.2         # … the neuron view and the decision boundary 5 times a second


class TrainingView(QWidget):
    message = Signal(str)                # for the status bar
    error = Signal(str, str)             # title, text: for a dialog
    failed_at = Signal(str)              # node id where training broke

    blocked_changed = Signal(object)     # why Train is not possible now (str), or None

    def __init__(self, document, scene, parent=None):
        super().__init__(parent)
        self.document, self.scene = document, scene
        self.session = TrainingSession(document, self)
        self.source = InspectionSource(document)
        self.panel = TrainingPanel(document)          # the main window docks it
        self.controls = RunControls()                  # … and puts these in its toolbar
        self.tabs = QTabWidget(self)
        self.curves = CurvesView(self)
        self.animator = StepAnimator(scene, self)
        self.animation = AnimationControls(self.animator, self)
        self.neurons = NeuronView(self.source, lambda sample: neurons_of(self.source, sample), self)
        self.values = NodeValuesView(self.source, self)
        self.confusion = ConfusionView(self.source, self)
        self.boundary = BoundaryView(self.source, self)
        self.runs = RunsView(document, self)
        self.tabs.addTab(self.curves, "Curves")
        self.tabs.addTab(self.animation, "Animate")
        self.tabs.addTab(self.neurons, "Neurons")
        self.tabs.addTab(self.values, "Values")
        self.tabs.addTab(self.confusion, "Confusion")
        self.tabs.addTab(self.boundary, "Boundary")
        self.tabs.addTab(self.runs, "Runs")
        self.tab_tips = {self.curves: "Training and validation loss and accuracy (or MAE) per epoch",
                         self.animation: "Animate one real training step (F6): forward, backward and update, "
                                         "node by node on the canvas, with the chain rule at each node",
                         self.neurons: "Every unit of the Dense layers, with the weights between them",
                         self.values: "Node values: the selected node's values and gradients, its weights and theirs",
                         self.confusion: "Confusion matrix: which classes the model confuses, on the validation set",
                         self.boundary: "Decision boundary: the classifier's output over the plane of its two input "
                                        "features",
                         self.runs: "Every run of this graph with its settings; tick runs to compare their curves"}
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.tabs, 1)
        self.tabs.setCornerWidget(self.curves.tools, Qt.TopRightCorner)
        self.tabs.currentChanged.connect(lambda _: self.curves.tools.setVisible(self.tabs.currentWidget() is self.curves))
        self._last_refresh = 0.0
        self._last_request = 0.0      # when the live views last asked the run for its weights
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.timeout.connect(self.refresh_views)
        self._tinted = False
        self.legend = None
        self._progress = None
        self.blocked = None
        c, s = self.controls, self.session
        c.run_clicked.connect(self.run)
        c.pause_clicked.connect(self.pause_or_resume)
        c.stop_clicked.connect(lambda: s.stop(wait=False))
        c.step_clicked.connect(self.step)
        c.reset_clicked.connect(self.reset_weights)
        c.pace_changed.connect(s.set_pace)
        s.state_changed.connect(c.set_state)
        s.state_changed.connect(lambda st: c.set_has_weights(bool(self.document.store.tensors)))
        s.state_changed.connect(self.panel.set_state)
        s.state_changed.connect(lambda st: self.animation.record_button.setEnabled(st == "idle"))
        s.progress.connect(self._progress_arrived)
        s.epoch_ended.connect(self._epoch_ended)
        s.weights_published.connect(self._weights_published)
        s.node_activity.connect(self._tint)
        s.finished.connect(self._finished)
        s.failed.connect(self._failed)
        s.outside_data.connect(self._ask_outside_data)
        s.step_recorded.connect(self._recorded)
        self.curves.restore_requested.connect(self.restore_best)
        self.runs.overlays_changed.connect(self.curves.set_overlays)
        self.curves.set_overlays(self.runs.overlays())
        self.curves.flushed.connect(self._show_progress)
        self.animation.record_button.clicked.connect(self.animate_step)
        self.animation.chain_source = self._chain
        self.tabs.currentChanged.connect(lambda _: self.refresh_views())
        self.tabs.currentChanged.connect(lambda _: self.session.request_weights())   # fresher ones follow
        if document.history is not None and document.history.epochs:
            self.curves.set_history(document.history.epochs, saved=True, chance=document.history.chance_loss,
                                    epochs=training_config(document.graph.config.get("training", {}))["epochs"])
        self._unsubscribe = document.graph.subscribe(self._graph_changed)
        self._update_readiness()

    def restyle(self):
        """Fonts and lines at the style's scale (presentation mode)."""
        self.curves.restyle()
        for view in (self.values.view, self.confusion, self.boundary):
            restyle(view.plot)
        self.animation.restyle()
        self.neurons.restyle()

    def set_pace(self, pace):
        self.controls.set_pace(pace)
        self.session.set_pace(self.controls.pace_value())

    def detach(self):
        self.session.stop(wait=True)
        self._unsubscribe()
        self.animator.clear()
        if self.legend is not None:
            self.legend.show_phase(None)
        self.runs.detach()
        self.panel.detach()
        self.source.detach()

    # ------------------------------------------------------------- readiness
    def _graph_changed(self, e):
        if isinstance(e, (ch.Analyzed, ch.ConfigChanged)):
            self._update_readiness()

    def _update_readiness(self):
        """Train is offered only when it can work; views that do not apply say why."""
        reason = training_blocker(self.document.graph)
        self.blocked = reason
        self.controls.set_has_weights(bool(self.document.store.tensors))
        self.controls.set_blocked(reason)
        self.animation.record_button.setEnabled(reason is None and not self.session.busy)
        self.animation.record_button.setToolTip("Train one batch with every node reporting, then play it back"
                                                if reason is None else f"Cannot train yet: {reason}")
        why = self.source.applicability()
        curve = why["boundary_kind"] == "curve"
        self.tabs.setTabText(self.tabs.indexOf(self.boundary), "Fitted curve" if curve else "Boundary")
        self.tab_tips[self.boundary] = ("The model's curve over its one input, with the training and validation points"
                                        if curve else "Decision boundary: the classifier's output over the plane of its "
                                                      "two input features")
        for widget, key in ((self.values, "values"), (self.confusion, "confusion"), (self.boundary, "boundary"),
                            (self.neurons, "neurons")):
            i = self.tabs.indexOf(widget)
            self.tabs.setTabEnabled(i, why[key] is None)
            self.tabs.setTabToolTip(i, self.tab_tips[widget] if why[key] is None else f"Not available: {why[key]}")
        for widget in (self.curves, self.animation, self.runs):
            self.tabs.setTabToolTip(self.tabs.indexOf(widget), self.tab_tips[widget])
        self.blocked_changed.emit(reason)

    # ------------------------------------------------------------- actions
    def run(self):
        if self.blocked is not None or self.session.busy:
            self.controls.show_text(f"Cannot train yet: {self.blocked}" if self.blocked else "already training")
            return False
        self.animator.clear()
        self._clear_tint()
        self._progress = None
        self.curves.start_run()
        self.controls.show_text("starting…", 0.0)
        return self.session.run()

    def pause_or_resume(self):
        if self.session.state == "paused":
            self.session.resume()
        else:
            self.session.pause()

    def step(self):
        if not self.session.busy:
            if self.blocked is not None:
                return
            self.curves.start_run()
        self.session.step()

    def stop(self, wait=False):
        return self.session.stop(wait=wait)

    def reset_weights(self):
        if self.session.reset_weights():
            self.controls.set_has_weights(False)
            self.curves.start_run()
            self.controls.show_text("weights reset: the next run starts from the seeded initialisation")
            self.refresh_views()

    def restore_best(self):
        result = self.session.restore_best()
        if result is None:
            self.message.emit("No best weights to restore: they are kept only for a run made in this window.")
            return None
        loss, metric = result
        self.curves.set_restore_available(False)
        self.message.emit(f"Restored the weights of epoch {self.curves.best_epoch}: validation loss {loss:.4g}")
        self.controls.show_text(f"best weights (epoch {self.curves.best_epoch}) restored · validation loss {loss:.4g}")
        self.refresh_views()
        return loss

    def animate_step(self):
        self.animator.clear()
        self.controls.show_text("recording one training step…")
        self.session.record_step()

    # ------------------------------------------------------------- session events
    def _progress_arrived(self, p):
        self._progress = p
        self.curves.add_batches(p)
        if self.tabs.currentWidget() in (self.neurons, self.boundary) and \
                time.perf_counter() - self._last_request >= LIVE_REFRESH_S:
            self._last_request = time.perf_counter()
            self.session.request_weights()        # these follow training batch by batch

    def _show_progress(self):
        """The bar moves with the curves (both at the curves' redraw), so neither runs ahead."""
        if self._progress is not None:
            self.controls.show_progress(self._progress)

    def _epoch_ended(self, e):
        self.curves.set_run(e.epochs, e.chance_loss)
        self.curves.add_epoch(e.metrics)

    def _weights_published(self):
        """Newer weights from the run are in the document's store: redraw what shows them."""
        self.controls.set_has_weights(bool(self.document.store.tensors))
        self._schedule_refresh()

    def _schedule_refresh(self):
        every = LIVE_REFRESH_S if self.tabs.currentWidget() in (self.neurons, self.boundary) else REFRESH_S
        wait = every - (time.perf_counter() - self._last_refresh)
        if not self._refresh_timer.isActive():
            self._refresh_timer.start(max(0, int(wait * 1000)))

    def refresh_views(self):
        """Recompute the visible inspection tab from the current weights."""
        self._last_refresh = time.perf_counter()
        w = self.tabs.currentWidget()
        if w is self.values and self.values.node_id is not None:
            self.values.refresh()
        elif w is self.confusion:
            self.confusion.refresh()
        elif w is self.boundary:
            self.boundary.refresh()
        elif w is self.neurons:
            self.neurons.refresh()

    def _tint(self, activity):
        """Live mode: each node's outline coloured by its gradient norm (log scale across nodes)."""
        norms = [g for _, g in activity.values() if g > 0]
        if not norms:
            return
        lo, hi = S.log_range(norms)
        top, top_grad = None, 0.0
        for nid, (act, grad) in activity.items():
            item = self.scene.node_items.get(nid)
            if item is not None:
                # 12 colour steps: a node is repainted only when its colour visibly changes
                level = round(S.log_position(grad, lo, hi) * 11) / 11
                item.set_glow(S.ramp(level) if grad > 0 else None)
                item.setToolTip(f"{item.title}: activation RMS {act:.3g} · gradient norm {grad:.3g}")
                if grad > top_grad:
                    top, top_grad = item.title, grad
        self._tinted = True
        # the tab (when it is in view) and the canvas legend speak of this, on the tint's scale
        if self.tabs.currentWidget() is self.animation or not self.animation.live:
            self.animation.show_live(True, f"nodes tinted by ‖∂L/∂·‖ from {lo:.2g} to {hi:.2g} (log scale, the "
                                           f"legend on the canvas); the largest now: {top} ({top_grad:.3g}).")
        if self.legend is not None:
            self.legend.show_phase("live", lo, hi)

    def _clear_tint(self):
        if self._tinted:
            for item in self.scene.node_items.values():
                item.set_glow(None, "")
                item.set_analysis(item.issues, item.summary)      # its usual tooltip back
            self._tinted = False
            self.animation.show_live(False)
            if self.legend is not None:
                self.legend.show_phase(None)

    def set_canvas_legend(self, legend):
        """The legend on the canvas (the main window's, over its view)."""
        self.legend = legend
        self.animator.phase_changed.connect(
            lambda phase: legend.show_phase(phase, self.animator.lo, self.animator.hi) if not self._tinted else None)

    def _finished(self, reason, message):
        self.curves.flush()
        self._clear_tint()
        self.curves.set_restore_available(self.session.can_restore_best())
        text = {"finished": "Training finished", "stopped": "Training stopped",
                "early_stopping": "Early stopping"}.get(reason, reason)
        tr = self.session.trainer
        if tr is not None and tr.history.epochs:
            last = tr.history.epochs[-1]
            text += f" after epoch {last['epoch']}"
            if last.get("val_loss") is not None:
                text += f" · validation loss {last['val_loss']:.4g}"
            if reason != "stopped" and tr.cfg.get("restore_best") and tr.best_weights is not None:
                text += f" · weights of the best epoch ({tr.history.best_epoch()}) kept"
        self.controls.show_text(text + (f" — {message}" if message and reason != "stopped" else ""),
                                1.0 if reason != "stopped" else None)
        self._keep_run(tr)
        self.message.emit(text)
        self.refresh_views()

    def _keep_run(self, tr):
        """The run goes into the history (an undoable edit of the document, saved with it)."""
        if tr is None or not tr.history.epochs:
            return
        doc = self.document
        runs = list(doc.graph.config.get("runs") or [])
        numbers = [int(r["name"][4:]) for r in runs if str(r.get("name", "")).startswith("run ")
                   and str(r["name"])[4:].isdigit()]
        # the graph that trained (a snapshot: the document may have been edited meanwhile)
        run = make_run(tr.graph, tr.history, tr.cfg, tr.chance_loss, name=f"run {max(numbers, default=0) + 1}")
        runs = (runs + [run])[-MAX_RUNS:]
        doc.push(SetConfig(doc, "runs", runs, f"Keep {run['name']} in the run history"))

    def _failed(self, message, node_id):
        self.curves.flush()
        self._clear_tint()
        self.controls.show_text(f"Training failed: {message}")
        if node_id is not None:
            item = self.scene.node_items.get(node_id)
            if item is not None:
                item.set_glow(S.ERROR, "NaN/Inf first appeared here")
                self._tinted = True
            self.failed_at.emit(node_id)
        self.error.emit("Training stopped", message)

    def _ask_outside_data(self, path):
        """The graph names a data file outside its folder: read it only if the user says so."""
        answer = QMessageBox.question(
            self, "Read a file outside the graph's folder?",
            f"This graph reads its data from\n\n{path}\n\nwhich lies outside the graph's folder. A graph "
            "file made by someone else could name any file on this computer.\n\nRead this file?",
            QMessageBox.Yes | QMessageBox.No, QMessageBox.No)
        if answer != QMessageBox.Yes:
            self.controls.show_text(f"Not trained: {path} lies outside the graph's folder and was not read")
            return
        self.document.trusted_data.add(path)
        self.source.forget()
        self.run()

    def _recorded(self, recording):
        self.tabs.setCurrentWidget(self.animation)
        self.animator.load(recording)
        self.controls.show_text(f"one step recorded (loss {recording.loss:.4g}); playing it back")
        self.animator.play()

    def _chain(self, node_id):
        rec = self.animator.recording
        if rec is None or rec.graph is None or node_id not in rec.graph.nodes:
            return "", None
        try:
            rule = chain_rule_of(rec, node_id)
        except ValueError as exc:
            return f"<i>Chain rule at {rec.graph.nodes[node_id].label}: {exc}.</i>", None
        rule.node = numbered_label(rec.graph, node_id)
        return chain_rule_html(rule), rule

    def set_selected_node(self, node_id):
        node = self.document.graph.nodes.get(node_id) if node_id else None
        self.values.set_node(node.id if node else None, f"{node.label} ({node.type.title})" if node else "")
        if node is not None and self.tabs.currentWidget() is self.animation and self.animator.recording is not None:
            self.animation.show_chain(node.id)         # the chain rule at the node the teacher points at


def numbered_label(graph, node_id):
    """A node's label, numbered when other nodes share it ("Dense 2 of 3"), in the graph's order."""
    label = graph.nodes[node_id].label
    same = [n for n in graph.analysis.order if graph.nodes[n].label == label]
    return f"{label} {same.index(node_id) + 1} of {len(same)}" if len(same) > 1 and node_id in same else label


def _n(v):
    return f"{v:.4g}"


def _idx(t):
    return ", ".join(str(i) for i in t)


def chain_rule_html(rule):
    """The chain rule as a teacher would write it on the board, with the step's numbers."""
    ok = "✓" if rule.matches else "✗"
    engine = f"<span style='color:{S.UPDATE.name()}'>{ok} the engine computed {_n(rule.engine)}</span>"
    head = f"<b>Chain rule at {rule.node}</b>"
    if rule.kind == "weight":
        terms = " + ".join(f"({_n(t[3])})" for t in rule.terms[:4])
        more = f" + … ({len(rule.terms) - 4} more samples)" if len(rule.terms) > 4 else ""
        return (f"{head} — its input is the data (no gradient needed), so its {rule.port} [{_idx(rule.element)}] "
                f"= {_n(rule.x)}: ∂L/∂w = the sum over the batch of what each sample sends back = {terms}{more} "
                f"= <b>{_n(rule.total)}</b> {engine}")
    where = (f"for sample {rule.sample + 1} of the batch, the element [{_idx(rule.element)}] of its input "
             f"{rule.port} (value {_n(rule.x)})")
    if rule.kind == "loss":
        return (f"{head}, {where}: the loss is where backward starts, ∂L/∂L = 1; × the loss's own derivative "
                f"∂L/∂{rule.port} = {_n(rule.engine)} → <b>∂L/∂{rule.port} = {_n(rule.total)}</b> {engine}")
    if rule.kind == "elementwise":
        k, g, local, prod = rule.terms[0]
        return (f"{head}, {where}:<br>∂L/∂y = <b>{_n(g)}</b> (arriving from the nodes after it) × local derivative "
                f"∂y/∂x = <b>{_n(local)}</b> = <b>{_n(prod)}</b> = ∂L/∂x {engine}")
    shown = rule.terms[:4]
    terms = " + ".join(f"({_n(g)})·({_n(local)})" for _, g, local, _ in shown)
    rest = len(rule.terms) - len(shown) + rule.unlisted
    more = f" + … ({rest} more terms)" if rest > 0 else ""
    others = (f" + {_n(rule.others)} through the other samples (this node mixes the batch)"
              if abs(rule.others) > 1e-12 * max(abs(rule.engine), 1.0) else "")
    return (f"{head}, {where}:<br>∂L/∂x = Σ<sub>k</sub> ∂L/∂y<sub>k</sub> · ∂y<sub>k</sub>/∂x over the "
            f"{len(rule.terms) + rule.unlisted} outputs it feeds = {terms}{more}{others} "
            f"= <b>{_n(rule.total)}</b> {engine}")
