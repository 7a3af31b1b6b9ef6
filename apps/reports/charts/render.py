"""Creating figures under the house style and serialising them to SVG, PNG and PDF bytes."""

from __future__ import annotations

import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .style import house_style

CM_PER_INCH = 2.54
DEFAULT_FIGSIZE = (10.0, 5.5)  # inches: readable on a laptop, fits an A4 page width when scaled


def figure(
    figsize: tuple[float, float] | None = None,
    *,
    width_cm: float | None = None,
    height_cm: float | None = None,
    layout: str | None = "constrained",
) -> Figure:
    """A Figure with an Agg canvas, created under the house style (pass ``figsize`` in inches or cm)."""
    if width_cm is not None or height_cm is not None:
        if figsize is not None or width_cm is None or height_cm is None:
            raise ValueError("Give either figsize or both width_cm and height_cm")
        figsize = (width_cm / CM_PER_INCH, height_cm / CM_PER_INCH)
    with house_style():
        fig = Figure(figsize=figsize or DEFAULT_FIGSIZE, layout=layout)
        FigureCanvasAgg(fig)  # gives fig.canvas.get_renderer() for layout and tests; no pyplot involved
    return fig


def _save(fig: Figure, fmt: str, **kwargs: object) -> bytes:
    buffer = io.BytesIO()
    with house_style():
        fig.savefig(buffer, format=fmt, **kwargs)
    return buffer.getvalue()


def to_svg(fig: Figure) -> str:
    """Self-contained SVG text (glyphs as paths, no date), identical for identical figures."""
    return _save(fig, "svg", metadata={"Date": None}).decode("utf-8")


def to_png(fig: Figure, *, dpi: int = 150) -> bytes:
    return _save(fig, "png", dpi=dpi)


def to_pdf(fig: Figure) -> bytes:
    return _save(fig, "pdf", metadata={"CreationDate": None, "ModDate": None})
