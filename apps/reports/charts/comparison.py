"""Before/after Pareto charts side by side on one count scale, so the reduction is visible."""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.figure import Figure

from .pareto import ParetoRowLike, count_axis_max, draw_pareto
from .render import figure
from .style import house_style

_PANEL_ALLOWANCE_PT = 110  # each panel's count and percent axes with their tick labels


def before_after_pareto_figure(
    before_rows: Sequence[ParetoRowLike],
    after_rows: Sequence[ParetoRowLike],
    *,
    title: str,
    before_title: str,
    after_title: str,
    count_label: str,
    cumulative_label: str,
) -> Figure:
    """Two Pareto panels (before | after) whose count axes end at the same maximum."""
    before_rows, after_rows = list(before_rows), list(after_rows)
    slots = (max(len(before_rows), 3), max(len(after_rows), 3))
    width = min(max(4.0 + 0.85 * sum(slots), 10.0), 16.0)
    with house_style():
        fig = figure((width, 5.5))
        axes = fig.subplots(1, 2, width_ratios=slots)
        count_max = count_axis_max(before_rows, after_rows)
        for index, (ax, rows, panel_title) in enumerate(
            zip(axes, (before_rows, after_rows), (before_title, after_title), strict=True)
        ):
            draw_pareto(
                ax,
                rows,
                count_label=count_label if index == 0 else None,
                cumulative_label=cumulative_label if index == 1 else None,
                reference_percent=80,
                count_max=count_max,
                axes_width_pt=width * 72 * slots[index] / sum(slots) - _PANEL_ALLOWANCE_PT,
            )
            ax.set_title(panel_title, fontsize=11.5)
        fig.suptitle(title)
    return fig
