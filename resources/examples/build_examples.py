"""Builds the example graphs in this folder. Run it after changing an example:

    python resources/examples/build_examples.py

Each example states the quality its configured training reaches ("meta.quality"), which
tests/test_examples.py checks."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(HERE)))

from engine.graph import fileformat  # noqa: E402
from engine.graph.layout import apply_layout  # noqa: E402
from engine.graph.model import Graph  # noqa: E402


# The canvas of a 1366×768 window is about 2.2 times as wide as it is tall: the examples are
# folded into rows for it, so each opens whole with readable titles (tests/test_layout_ui.py).
VIEW_ASPECT = 2.2

# What each example teaches, in the order of the lesson (the start page's gallery).
LESSONS = {
    "logistic_regression": dict(order=1, level="first steps", title="Logistic regression",
                                teaches="Tensors and the computational graph: sigmoid(x·W + b) written with "
                                        "MatMul, Add and Sigmoid; autodiff finds the gradients of W and b."),
    "xor": dict(order=2, level="first steps", title="XOR",
                teaches="Why hidden layers: no straight line separates XOR, one hidden layer of 8 units bends "
                        "the boundary."),
    "moons": dict(order=3, level="first steps", title="Two moons",
                  teaches="Layers, activations, mini-batches and epochs: a small MLP learns the two moons in a "
                          "few epochs; validation levels off near its best while training keeps improving, "
                          "and accuracy stays at 99 %: a healthy run."),
    "overfitting": dict(order=4, level="core", title="Overfitting",
                        teaches="Overfitting: a rich model on 8 points; training error falls to zero while the "
                                "validation error turns upward. Where to stop, and the best weights."),
    "iris": dict(order=5, level="core", title="Iris flowers",
                 teaches="Multi-class classification with softmax cross-entropy on a classic real data set."),
    "spiral": dict(order=6, level="core", title="Spiral",
                   teaches="Depth and capacity: a deeper network bends its boundary around three arms."),
    "digits_mlp": dict(order=7, level="core", title="Digits, dense",
                       teaches="Handwritten digits: 64 pixels → 128 neurons → 10 classes; the confusion matrix "
                               "shows which digits are mixed up."),
    "digits_cnn": dict(order=8, level="advanced", title="Digits, convolutional",
                       teaches="Convolution and max pooling: filters that find strokes; see the feature maps in "
                               "Node values."),
    "sine_lstm": dict(order=9, level="advanced", title="Sine wave, LSTM",
                      teaches="Recurrent networks: an LSTM reads a sequence step by step and predicts what "
                              "comes next."),
    "digits_autoencoder": dict(order=10, level="advanced", title="Digits autoencoder",
                               teaches="Encoder–decoder: each digit squeezed through 8 numbers and rebuilt; the "
                                       "loss compares the output with the input."),
}


def editor_node_sizes(graph):
    """The boxes the editor draws for this graph's nodes (two-line titles included)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from types import SimpleNamespace
    from PySide6.QtWidgets import QApplication
    from ui.scene import GraphScene
    app = QApplication.instance() or QApplication([])     # noqa: F841 — fonts need an application
    scene = GraphScene(SimpleNamespace(graph=graph))
    sizes = {nid: scene.node_size(nid) for nid in graph.nodes}
    scene.detach()
    return sizes.__getitem__


class Builder:
    def __init__(self):
        self.g = Graph()

    def node(self, type_id, title=None, **params):
        return self.g.add_node(type_id, params, title=title).id

    def wire(self, src, dst, src_port=None, dst_port=None):
        s, d = self.g.nodes[src], self.g.nodes[dst]
        self.g.connect(src, src_port or s.type.outputs[0].name, dst, dst_port or d.type.inputs[0].name)

    def chain(self, start, *layers):
        """Connect ``start`` through the given (type, params) layers; returns the last node id."""
        prev = start
        for item in layers:
            type_id, params = item if isinstance(item, tuple) else (item, {})
            nid = self.node(type_id, **params)
            self.wire(prev, nid)
            prev = nid
        return prev

    def loss(self, type_id, prediction, target, **params):
        nid = self.node(type_id, **params)
        self.wire(prediction, nid, dst_port="input")
        self.wire(target, nid, dst_port="target")
        return nid

    def finish(self, name, description, dataset, training, quality):
        self.g.config.update(dataset=dataset, training=training, meta={"quality": quality, "lesson": LESSONS[name]})
        apply_layout(self.g, aspect=VIEW_ASPECT, node_size=editor_node_sizes(self.g))
        path = os.path.join(HERE, name + ".twg")
        assert not self.g.analysis.errors, self.g.analysis.errors
        fileformat.save(self.g, path, name=name, description=description)
        return path


def logistic_regression():
    b = Builder()
    x = b.node("Input", shape=[2])
    w = b.node("Parameter", "W", shape=[2, 1], init="xavier_uniform")
    bias = b.node("Parameter", "b", shape=[1], init="zeros")
    mm = b.node("MatMul", "x · W")
    b.wire(x, mm, dst_port="a")
    b.wire(w, mm, dst_port="b")
    add = b.node("Add", "+ b")
    b.wire(mm, add, dst_port="a")
    b.wire(bias, add, dst_port="b")
    p = b.chain(add, "Sigmoid")
    y = b.node("Target", shape=[1], dtype="float32")
    b.loss("BinaryCrossEntropy", p, y)
    out = b.node("Output")
    b.wire(p, out)
    return b.finish("logistic_regression", "Logistic regression written with low-level ops: "
                    "sigmoid(x·W + b) trained with binary cross-entropy. The same model as one Dense(1) layer.",
                    {"source": "synthetic", "name": "linear", "options": {"n": 400, "label_noise": 0.05},
                     "normalize": "standardize", "validation_split": 0.25},
                    {"optimizer": "sgd", "lr": 0.5, "batch_size": 0, "epochs": 200},
                    {"metric": "val_accuracy", "min": 0.9})


def mlp(name, description, dataset, sizes, loss, training, quality, activation="ReLU", target=None, final=None):
    b = Builder()
    x = b.node("Input", shape=[sizes[0]])
    layers = []
    for units in sizes[1:-1]:
        layers += [("Dense", {"units": units}), activation]
    layers.append(("Dense", {"units": sizes[-1]}))
    if final:
        layers.append(final)
    p = b.chain(x, *layers)
    y = b.node("Target", **(target or {}))
    b.loss(loss, p, y)
    return b.finish(name, description, dataset, training, quality)


def digits_cnn():
    b = Builder()
    x = b.node("Input", shape=[1, 8, 8])
    p = b.chain(x, ("Conv2D", {"filters": 16, "kernel_size": [3], "padding": "same"}), "ReLU",
                ("MaxPool2D", {"kernel_size": [2]}),
                ("Conv2D", {"filters": 32, "kernel_size": [3], "padding": "same"}), "ReLU",
                ("MaxPool2D", {"kernel_size": [2]}), "Flatten", ("Dense", {"units": 64}), "ReLU",
                ("Dense", {"units": 10}))
    y = b.node("Target")
    b.loss("CrossEntropy", p, y)
    return b.finish("digits_cnn", "A small convolutional network on the 8×8 digits: two conv + max-pool "
                    "blocks find strokes and their combinations, a Dense layer classifies.",
                    {"source": "bundled", "name": "digits", "sample_shape": [1, 8, 8], "normalize": "minmax"},
                    {"optimizer": "adam", "lr": 0.003, "batch_size": 32, "epochs": 25},
                    {"metric": "val_accuracy", "min": 0.95})


def overfitting():
    b = Builder()
    x = b.node("Input", shape=[1])
    p = b.chain(x, ("Dense", {"units": 128}), "Tanh", ("Dense", {"units": 128}), "Tanh", ("Dense", {"units": 1}))
    y = b.node("Target", shape=[1], dtype="float32")
    b.loss("MSE", p, y)
    return b.finish("overfitting", "Overfitting on purpose: a 16,897-parameter network learns 8 noisy points. "
                    "Training loss falls towards zero while the validation loss, on 200 fresh points, "
                    "turns upward: the moment to stop.",
                    {"source": "synthetic", "name": "few_points", "options": {"n_train": 8, "n_validation": 200},
                     "validation_rows": 200},
                    {"optimizer": "adam", "lr": 0.01, "batch_size": 0, "epochs": 250, "restore_best": False},
                    {"metric": "overfits", "min": 1.5})


def sine_lstm():
    b = Builder()
    x = b.node("Input", shape=[20, 1])
    p = b.chain(x, ("LSTM", {"units": 24}), ("Dense", {"units": 1}))
    y = b.node("Target", shape=[1], dtype="float32")
    b.loss("MSE", p, y)
    return b.finish("sine_lstm", "An LSTM reads 20 steps of a sine wave and predicts the next value.",
                    {"source": "synthetic", "name": "sine", "options": {"n": 600}},
                    {"optimizer": "adam", "lr": 0.01, "batch_size": 32, "epochs": 40},
                    {"metric": "val_loss", "max": 0.01})


def autoencoder():
    b = Builder()
    x = b.node("Input", shape=[64])
    p = b.chain(x, ("Dense", {"units": 32}), "ReLU", ("Dense", {"units": 8}, ), "ReLU",
                ("Dense", {"units": 32}), "ReLU", ("Dense", {"units": 64}), "Sigmoid")
    b.loss("MSE", p, x)
    return b.finish("digits_autoencoder", "An autoencoder squeezes each 64-pixel digit through 8 numbers and "
                    "rebuilds it: the loss compares the output with the input itself.",
                    {"source": "bundled", "name": "digits", "normalize": "minmax"},
                    {"optimizer": "adam", "lr": 0.005, "batch_size": 64, "epochs": 120},
                    {"metric": "val_loss", "max": 0.03})


def build_all():
    paths = [logistic_regression()]
    paths.append(mlp("xor", "XOR: no straight line separates the classes, one hidden layer does.",
                     {"source": "synthetic", "name": "xor", "options": {"n": 400, "noise": 0.02}},
                     [2, 8, 1], "BCEWithLogits", {"optimizer": "adam", "lr": 0.05, "batch_size": 32, "epochs": 100},
                     {"metric": "val_accuracy", "min": 0.95}, activation="Tanh",
                     target={"shape": [1], "dtype": "float32"}))
    paths.append(mlp("moons", "Two interleaved half moons, separated by a small multi-layer perceptron.",
                     {"source": "synthetic", "name": "moons", "options": {"n": 600, "noise": 0.15},
                      "normalize": "standardize"},
                     [2, 16, 16, 2], "CrossEntropy", {"optimizer": "adam", "lr": 0.01, "batch_size": 32, "epochs": 40},
                     {"metric": "val_accuracy", "min": 0.95}))
    paths.append(mlp("spiral", "Three spiral arms: a deeper network bends its boundary around them.",
                     {"source": "synthetic", "name": "spiral", "options": {"n": 900, "noise": 0.1}},
                     [2, 64, 64, 3], "CrossEntropy", {"optimizer": "adam", "lr": 0.01, "batch_size": 32, "epochs": 80},
                     {"metric": "val_accuracy", "min": 0.9}))
    paths.append(mlp("iris", "Iris species from four flower measurements: the classic first data set.",
                     {"source": "bundled", "name": "iris", "normalize": "standardize", "validation_split": 0.3},
                     [4, 16, 3], "CrossEntropy", {"optimizer": "adam", "lr": 0.01, "batch_size": 16, "epochs": 60},
                     {"metric": "val_accuracy", "min": 0.9}))
    paths.append(mlp("digits_mlp", "Handwritten digits (8×8 pixels) with one hidden layer of 128 neurons.",
                     {"source": "bundled", "name": "digits", "normalize": "minmax"},
                     [64, 128, 10], "CrossEntropy", {"optimizer": "adam", "lr": 0.003, "batch_size": 32, "epochs": 30},
                     {"metric": "val_accuracy", "min": 0.95}))
    paths += [digits_cnn(), overfitting(), sine_lstm(), autoencoder()]
    return paths


if __name__ == "__main__":
    for p in build_all():
        print("wrote", os.path.relpath(p))
