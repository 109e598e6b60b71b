"""Trends drawn on the server as SVG, so the page, the printed brief and the PDF show the same
chart, and nothing depends on JavaScript.

matplotlib rather than a lighter library: it shades bands (questionnaire severity), overlays
bars on a line with a second axis (weekly adherence on a questionnaire trend), and writes plain
SVG without scripts (pygal's SVG carries an inline script our CSP blocks, and cannot shade bands).
A chart is embedded as a data: image (the CSP allows `img-src data:`), so its own styles apply
without loosening `style-src`; every chart carries a sentence and a table for screen readers.
"""

import base64
import io
from dataclasses import dataclass, field

import matplotlib

matplotlib.use("svg")  # no display, no GUI toolkit: the pure SVG backend
from matplotlib.figure import Figure  # noqa: E402  (the backend must be chosen first)

matplotlib.rcParams.update(
    {
        "svg.hashsalt": "between",  # stable ids: the same data gives the same bytes
        "svg.fonttype": "none",  # text stays text (selectable, smaller), drawn in the page's font
        "font.family": "sans-serif",
        "font.size": 9,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }
)

# Colours that stay apart for the common colour-vision deficiencies (Okabe-Ito).
COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"]
BAND_COLOURS = ["#eef6ee", "#fbf6e3", "#fbeee3", "#f9e4e4", "#f4dede"]
WIDTH, HEIGHT = 6.4, 2.6  # inches; scaled to the column width by CSS


@dataclass(frozen=True)
class Series:
    name: str
    values: list  # numbers or None (a gap), one per x label


@dataclass(frozen=True)
class Chart:
    title: str
    svg: str
    summary: str  # one sentence saying what the chart shows, for screen readers and the PDF
    headers: list = field(default_factory=list)  # the data as a table: first column the x labels
    rows: list = field(default_factory=list)

    @property
    def data_uri(self):
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg.encode()).decode()


def _render(figure):
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None}, bbox_inches="tight")
    return buffer.getvalue()


def _table(x_labels, series, bars=None):
    headers = ["", *(s.name for s in series)] + ([bars.name] if bars else [])
    rows = []
    for index, label in enumerate(x_labels):
        row = [label, *("" if s.values[index] is None else s.values[index] for s in series)]
        if bars:
            row.append("" if bars.values[index] is None else bars.values[index])
        rows.append(row)
    return headers, rows


def line_chart(*, title, x_labels, series, summary, y_label="", y_range=None, bands=(), bars=None, bars_label=""):
    """Lines over `x_labels` (trials, dates), optionally over shaded `bands` [(low, high, label)]
    and with `bars` (a Series) on a second axis from 0 to 100 (a percentage)."""
    figure = Figure(figsize=(WIDTH, HEIGHT))
    axes = figure.subplots()
    positions = list(range(len(x_labels)))
    if bars is not None:
        bar_axes = axes.twinx()
        bar_axes.bar(positions, [v or 0 for v in bars.values], color="#d9d9d9", width=0.6, label=bars.name, zorder=0)
        bar_axes.set_ylim(0, 100)
        bar_axes.set_ylabel(bars_label or bars.name)
        bar_axes.spines["right"].set_visible(True)
        axes.set_zorder(bar_axes.get_zorder() + 1)
        axes.patch.set_visible(False)
    for index, (low, high, label) in enumerate(bands):
        # Half transparent, so adherence bars on the axis beneath still show through.
        colour = BAND_COLOURS[index % len(BAND_COLOURS)]
        axes.axhspan(low, high + 1 if high > low else high, color=colour, alpha=0.6, zorder=0, linewidth=0)
        axes.text(0.005, (low + high + 1) / 2, label, transform=axes.get_yaxis_transform(), va="center", fontsize=7,
                  color="#555555")  # fmt: skip
    for index, line in enumerate(series):
        points = [(x, v) for x, v in zip(positions, line.values, strict=True) if v is not None]
        if points:
            xs, ys = zip(*points, strict=True)
            axes.plot(xs, ys, marker="o", markersize=3, linewidth=1.5, color=COLOURS[index % len(COLOURS)],
                      label=line.name)  # fmt: skip
    axes.set_xticks(
        positions, x_labels, rotation=0 if len(x_labels) <= 8 else 45, ha="center" if len(x_labels) <= 8 else "right"
    )
    if y_range:
        axes.set_ylim(*y_range)
    if y_label:
        axes.set_ylabel(y_label)
    axes.set_title(title, loc="left", fontsize=10, pad=18 if len(series) > 1 or bars is not None else 6)
    handles, labels = axes.get_legend_handles_labels()
    if bars is not None:
        more_handles, more_labels = bar_axes.get_legend_handles_labels()
        handles, labels = handles + more_handles, labels + more_labels
    if len(handles) > 1:
        axes.legend(handles, labels, loc="lower left", bbox_to_anchor=(0, 1.02), fontsize=7, frameon=False,
                    ncols=min(4, len(handles)))  # fmt: skip
    headers, rows = _table(x_labels, series, bars)
    return Chart(title=title, svg=_render(figure), summary=summary, headers=headers, rows=rows)
