"""What every plot of the window shares: a dark plot widget whose legend sits above the data (never
over it), a log axis whose labels never collide, and the presentation scale for fonts and lines."""
import math
import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QFont, QFontMetrics

from . import style as S

BG = S.BACKGROUND.name()
AXIS_PT = 8.5


def nice_linear_ticks(lo, hi, count):
    """About ``count`` round values (1-2-5 steps) between lo and hi."""
    if not hi > lo:
        return [lo]
    raw = (hi - lo) / max(count, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next((m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw), 10 * mag)
    start = math.ceil(lo / step) * step
    return [start + i * step for i in range(int((hi - start) / step + 1e-9) + 1)]


def log_ticks(lo, hi, pixels, min_gap):
    """Values (not logs) to label on a log axis showing log10 range [lo, hi] over ``pixels``,
    no two labels closer than ``min_gap`` pixels: 1-2-5 within decades when there is room,
    whole decades (or every k-th) when there is not, round linear steps inside one decade."""
    if not hi > lo or pixels <= 0:
        return []
    per_decade = pixels / (hi - lo)

    def inside(values):
        return [v for v in values if lo - 1e-9 <= math.log10(v) <= hi + 1e-9]

    def spaced(values):
        logs = [math.log10(v) for v in values]
        return all((b - a) * per_decade >= min_gap for a, b in zip(logs, logs[1:]))

    decades = range(math.floor(lo), math.ceil(hi) + 1)
    values = []
    for mantissas in ((1, 1.5, 2, 3, 4, 5, 6, 7, 8, 9), (1, 2, 3, 5, 7), (1, 2, 5), (1, 3), (1,)):
        values = inside([m * 10.0 ** k for k in decades for m in mantissas])
        if len(values) >= 2 and spaced(values):
            return values
    if len(values) >= 2:               # many decades on a short axis: every step-th decade
        step = 2
        while step < 10_000:
            values = inside([10.0 ** k for k in decades if k % step == 0])
            if len(values) < 2 or spaced(values):
                return values
            step *= 2
    # less than a decade shown: round linear values, as many as fit
    for count in (8, 6, 5, 4, 3, 2):
        values = [v for v in nice_linear_ticks(10 ** lo, 10 ** hi, count) if v > 0]
        values = inside(values)
        if len(values) >= 2 and spaced(values):
            return values
    return inside([10 ** lo, 10 ** hi])[:1]


def fmt_tick(v):
    text = f"{v:.3g}"
    return text if "e" not in text else f"{v:.0e}".replace("e-0", "e-").replace("e+0", "e")


class LogFriendlyAxis(pg.AxisItem):
    """A left axis whose log mode labels only values that have room (pyqtgraph labels every
    minor tick, and 0.09 0.08 0.07 … run into each other)."""

    def logTickValues(self, minVal, maxVal, size, stdTicks):
        gap = QFontMetrics(self.style.get("tickFont") or QFont()).height() * 1.4
        values = log_ticks(minVal, maxVal, size, gap)
        return [(None, [math.log10(v) for v in values])]

    def tickStrings(self, values, scale, spacing):
        if self.logMode:
            return [fmt_tick(10 ** v) for v in values]
        return super().tickStrings(values, scale, spacing)




class TimedPlotWidget(pg.PlotWidget):
    """A PlotWidget that adds up the time its paints take (``paint_seconds``): the live curves
    space their redraws by what painting really costs."""
    paint_seconds = 0.0

    def paintEvent(self, event):
        start = time.perf_counter()
        super().paintEvent(event)
        self.paint_seconds += time.perf_counter() - start


def dark_plot(parent, log_axis=False):
    axis = {"left": LogFriendlyAxis("left")} if log_axis else {}
    w = TimedPlotWidget(parent, axisItems=axis)
    w.setBackground(BG)
    restyle(w)
    return w


GLYPHS = {"solid": "━━", "dash": "╍╍", "dot": "┅┅", "star": "★", "area": "▇"}
LEGEND_PT = 8.5


def legend_html(entries, width=None):
    """A legend of (colour, dash, text) entries, drawn as the plot's title, above the data: one
    line, or two when it would not fit ``width`` pixels."""
    font = S.plot_font(LEGEND_PT)
    fm = QFontMetrics(font)
    plain = [f"{GLYPHS[dash]} {text}" for _, dash, text in entries]
    gap = "   "
    lines = [list(range(len(entries)))]
    if width and len(entries) > 1 and fm.horizontalAdvance(gap.join(plain)) > width - 20:
        half = (len(entries) + 1) // 2
        lines = [list(range(half)), list(range(half, len(entries)))]
    parts = []
    for color, dash, text in entries:
        parts.append(f"<span style='color:{color}'>{GLYPHS[dash]}</span>&nbsp;<span style='color:{S.PLOT_TEXT.name()}'>{text}</span>")
    body = "<br>".join("&nbsp;&nbsp;&nbsp;".join(parts[i] for i in line) for line in lines)
    return f"<span style='font-size:{LEGEND_PT * S.scale:.1f}pt'>{body}</span>", len(lines)


def set_legend(plot, entries):
    html, lines = legend_html(entries, plot.width())
    item = plot.getPlotItem()
    item.setTitle(html)
    item.titleLabel.setMaximumHeight(lines * QFontMetrics(S.plot_font(LEGEND_PT)).height() + 6)
    plot.legend_entries = entries


def restyle(plot):
    """Fonts at the current style scale (presentation mode), on the axes and the legend."""
    item = plot.getPlotItem()
    font = S.plot_font(AXIS_PT)
    for name in ("left", "bottom"):
        axis = item.getAxis(name)
        axis.setStyle(tickFont=font)
        axis.label.setFont(font)
        axis.setTextPen(pg.mkPen(S.AXIS_TEXT))
    item.getAxis("left").setWidth(int(48 * S.scale))
    entries = getattr(plot, "legend_entries", None)
    if entries:
        set_legend(plot, entries)


def line(color, width=2.0, style=None):
    """A curve's pen at the current style scale."""
    kw = {"width": width * S.scale}
    if style is not None:
        kw["style"] = style
    return pg.mkPen(color, **kw)


def finite_xy(rows, key):
    pts = [(r["epoch"], r[key]) for r in rows if r.get(key) is not None and np.isfinite(r[key])]
    return ([p[0] for p in pts], [p[1] for p in pts]) if pts else ([], [])
