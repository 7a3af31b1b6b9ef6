"""Chart toolkit: pure functions from plain data to matplotlib Figures, plus SVG/PNG/PDF rendering.

No Django imports: callers pass already-translated titles and labels. Figures use the object-oriented
API only (no pyplot), so charts can be built in web requests and Celery workers alike.
"""

from .comparison import before_after_pareto_figure
from .control import p_chart_figure
from .fishbone import FishboneCategory, FishboneCause, fishbone_figure
from .pareto import pareto_figure
from .render import figure, to_pdf, to_png, to_svg
from .style import PALETTE, cjk_font_available, cjk_font_file, font_family, house_style

__all__ = [
    "PALETTE",
    "FishboneCategory",
    "FishboneCause",
    "before_after_pareto_figure",
    "cjk_font_available",
    "cjk_font_file",
    "figure",
    "fishbone_figure",
    "font_family",
    "house_style",
    "p_chart_figure",
    "pareto_figure",
    "to_pdf",
    "to_png",
    "to_svg",
]
