"""Help ▸ Quick start and Help ▸ Concepts: the three gestures and the shortcuts (read from the
window's own actions, so they never drift), and a map from the lesson's concepts to the example
and the view that shows each. Links "example:NAME" open that example."""
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDialog, QTextBrowser, QVBoxLayout

# concept, example, where to look
CONCEPTS = (
    ("Tensor", "logistic_regression",
     "the shape on every wire (N×2 → N×1, N = the batch); Node values shows the numbers themselves"),
    ("Computational graph, autodiff", "logistic_regression",
     "the Animate tab (F6): the forward pass node by node, the gradients flowing back to W and b, then their update; the chain rule at each node"),
    ("Layer, neuron, weights, bias", "moons",
     "select a Dense node: the Inspector gives its units and parameter count, Node values its weights"),
    ("Activation (sigmoid, tanh, ReLU, softmax)", "xor",
     "the Tanh node; swap it for ReLU or Sigmoid in the palette and train again"),
    ("Loss", "moons",
     "the loss node at the end of the graph and the Curves tab; losses for regression, binary and multi-class "
     "tasks are in the palette"),
    ("Optimizer, learning rate", "moons",
     "Training setup: optimizer and learning rate; the Animate tab's third phase shows what one update does"),
    ("Batch, epoch", "moons",
     "Training setup: batch size (whole set = batch gradient descent, 1 = stochastic) and epochs; the "
     "progress bar counts both; Pace slows training down"),
    ("Overfitting", "overfitting",
     "Curves: validation loss turns upward while training loss falls, the stretch is shaded; Restore best "
     "weights"),
    ("Dropout, a smaller model, more data", "overfitting",
     "add a Dropout node after a Tanh, use fewer units or more training points (Training setup), train again; "
     "in the Runs tab tick the first run to see the disease beside the cure"),
    ("Neurons", "moons", "the Neurons tab: every unit's activation over the input plane, the weights between them"),
    ("Decision boundary, fitted curve", "moons",
     "the Boundary tab (moons: the plane shaded by the predicted class; overfitting: the fitted curve)"),
    ("Convolution, max pooling", "digits_cnn",
     "select a Conv2D: Node values shows its feature maps and kernels"),
    ("Classification quality", "digits_mlp", "the Confusion matrix tab"),
    ("Recurrent network (LSTM)", "sine_lstm", "the LSTM node reads 20 time steps; the Curves tab"),
    ("Encoder–decoder", "digits_autoencoder", "the loss compares the output with the input itself"),
)


def _keys(action):
    return " or ".join(s.toString(QKeySequence.NativeText) for s in action.shortcuts()) or "—"


def quick_start_html(actions):
    """The three gestures and the shortcuts of ``actions`` ({name: QAction})."""
    rows = "".join(f"<tr><td>{a.text().replace('&', '')}</td><td><b>{_keys(a)}</b></td></tr>"
                   for a in actions.values() if a.shortcuts())
    return f"""
<h2>Quick start</h2>
<ol>
<li><b>Drop</b> — drag a node type from the <i>Palette</i> onto the canvas, or press <b>Tab</b> (or double-click
the canvas) and type its name.</li>
<li><b>Wire</b> — drag from an output ● on the right of a node to an input ● on the left of another. The tensor's
shape appears on the wire; an input still waiting for a wire is drawn as an open ring with “connect x”.</li>
<li><b>Train</b> — choose a data set in <i>Training setup</i> and press <b>F5</b>. The curves of training and
validation loss grow under the canvas; <b>F6</b> plays one training step back node by node.</li>
</ol>
<p>Every edit can be undone. A red node has a mistake: hover it, or click the error count in the status bar to
go to it. Start from an example: <a href="example:moons">Two moons</a>,
<a href="example:overfitting">Overfitting</a>.</p>
<h3>Shortcuts</h3>
<table cellspacing="0" cellpadding="3">{rows}
<tr><td>Search node types</td><td><b>Tab</b></td></tr>
<tr><td>Pan</td><td><b>Space + drag</b>, middle button</td></tr>
<tr><td>Zoom</td><td><b>mouse wheel</b></td></tr>
</table>"""


def concepts_html():
    rows = "".join(f"<tr><td><b>{c}</b></td><td><a href='example:{ex}'>{ex.replace('_', ' ')}</a></td>"
                   f"<td>{where}</td></tr>" for c, ex, where in CONCEPTS)
    return f"""
<h2>Concepts and where to see them</h2>
<p>Each concept of the lesson, the example that shows it (click to open) and where to look.</p>
<table cellspacing="0" cellpadding="4"><tr><th align="left">concept</th><th align="left">example</th>
<th align="left">where to look</th></tr>{rows}</table>"""


class HelpDialog(QDialog):
    """A non-modal page of help; example links ask the window to open that example."""
    open_example = Signal(str)

    def __init__(self, title, html, parent=None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAttribute(Qt.WA_DeleteOnClose, False)
        self.browser = QTextBrowser(self)
        self.browser.setOpenLinks(False)
        self.browser.setHtml(html)
        self.browser.anchorClicked.connect(self._clicked)
        lay = QVBoxLayout(self)
        lay.addWidget(self.browser)
        self.resize(720, 560)

    def _clicked(self, url):
        if url.scheme() == "example":
            self.open_example.emit(url.path())
