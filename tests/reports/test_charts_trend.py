"""The line-trend chart (apps/reports/charts/trend.py) and week labels on the p-chart: data in, Figure out.

Texts are found in the SVG through the comments matplotlib writes before each text it draws (see
test_charts.py).
"""

from __future__ import annotations

import math
import warnings

from matplotlib.figure import Figure
from matplotlib.text import Text

from apps.reports import charts
from apps.reports.charts import p_chart_figure, to_png, to_svg
from apps.reports.charts.trend import TrendSeries, trend_figure
from tests.reports.test_charts import PNG_SIGNATURE, Point, assert_drawn, drawn_texts

WEEKS = ["2026-W01", "2026-W02", "2026-W03", "2026-W04"]


def team_trend(**options) -> Figure:
    defaults = {
        "title": "QA score trend: Team Alpha",
        "y_label": "Average score",
        "x_label": "Week",
        "reference": (85.0, "Pass mark 85"),
        "y_limits": (0, 100),
    }
    return trend_figure(
        WEEKS, [TrendSeries("Weekly average", [82.25, None, 91.0, 88.5])], **{**defaults, **options}
    )


def legend_texts(fig: Figure) -> list[str]:
    return [text.get_text() for legend in fig.legends for text in legend.get_texts()]


def data_lines(fig: Figure):
    """The plotted series (solid lines with round markers), in drawing order."""
    return [line for line in fig.axes[0].lines if line.get_marker() == "o"]


def test_trend_svg_shows_title_axes_week_labels_and_last_value():
    svg = to_svg(team_trend())
    assert_drawn(svg, "QA score trend: Team Alpha", "Average score", "Week", *WEEKS)
    texts = drawn_texts(svg)
    assert "88.5" in texts  # the last value, written at the end of the line
    assert "82.2" not in texts  # only the last value is written
    assert "91.0" not in texts
    assert {"0", "20", "40", "60", "80", "100"} <= set(texts)


def test_reference_is_a_dashed_line_at_its_value_named_in_the_legend():
    fig = team_trend()
    dashed = [line for line in fig.axes[0].lines if line.get_linestyle() == "--"]
    assert [tuple(line.get_ydata()) for line in dashed] == [(85.0, 85.0)]
    assert legend_texts(fig) == ["Pass mark 85", "Weekly average"]
    assert_drawn(to_svg(fig), "Pass mark 85")


def test_y_limits_are_applied():
    assert team_trend().axes[0].get_ylim() == (0, 100)
    assert team_trend(y_limits=(40, 60)).axes[0].get_ylim() == (40, 60)


def test_none_values_leave_gaps_without_points():
    (line,) = data_lines(team_trend())
    values = list(line.get_ydata())
    assert math.isnan(values[1])
    assert [values[0], values[2], values[3]] == [82.25, 91.0, 88.5]
    assert list(line.get_xdata()) == [0, 1, 2, 3]


def test_every_series_is_a_line_named_in_the_legend_with_its_last_value():
    fig = trend_figure(
        WEEKS,
        [
            TrendSeries("Ann Lee", [90.0, 80.0, None, 75.0]),
            TrendSeries("Bo Chen", [60.0, 65.5, 70.25, None]),
            TrendSeries("Cy Diaz", [None, None, None, None]),
        ],
        title="Alignment",
        y_label="%",
    )
    lines = data_lines(fig)
    assert len(lines) == 3
    assert len({line.get_color() for line in lines}) == 3
    assert legend_texts(fig) == ["Ann Lee", "Bo Chen", "Cy Diaz"]
    texts = drawn_texts(to_svg(fig))
    assert {"75.0", "70.2"} <= set(texts)  # Bo Chen's last value is in week 3, not at the end
    assert sum(text in {"75.0", "70.2"} for text in texts) == 2


def test_single_series_without_reference_has_no_legend():
    fig = trend_figure(WEEKS, [TrendSeries("Only", [1.0, 2.0, 3.0, 4.0])], title="t", y_label="y")
    assert fig.legends == []


def test_marked_points_are_red_diamonds_named_in_the_legend():
    fig = trend_figure(
        WEEKS,
        [TrendSeries("Weekly average", [82.0, None, 91.0, 80.0], marked=[True, True, False, True])],
        title="t",
        y_label="y",
        marked_label="Below the pass mark",
    )
    (diamonds,) = [line for line in fig.axes[0].lines if line.get_marker() == "D"]
    assert list(diamonds.get_xdata()) == [0, 3]  # a flag on a gap draws nothing
    assert list(diamonds.get_ydata()) == [82.0, 80.0]
    assert diamonds.get_markerfacecolor() == charts.PALETTE.alert
    assert legend_texts(fig) == ["Weekly average", "Below the pass mark"]


def test_value_format_is_used_for_the_last_value():
    fig = trend_figure(
        WEEKS[:2], [TrendSeries("s", [0.5, 0.8125])], title="t", y_label="y", value_format="{:.0%}"
    )
    assert "81%" in drawn_texts(to_svg(fig))


def test_last_values_at_the_same_week_do_not_overlap():
    fig = trend_figure(
        WEEKS,
        [TrendSeries(f"Evaluator {n}", [80.0, 81.0, 82.0, 80.0 + n * 0.2]) for n in range(5)],
        title="t",
        y_label="y",
        y_limits=(0, 100),
    )
    renderer = fig.canvas.get_renderer()
    boxes = [text.get_window_extent(renderer) for text in fig.axes[0].texts]
    assert len(boxes) == 5
    for i, first in enumerate(boxes):
        for second in boxes[i + 1 :]:
            assert not first.overlaps(second)


def test_twelve_weekly_labels_stand_upright():
    labels = [f"2026-W{week:02d}" for week in range(1, 13)]
    fig = trend_figure(labels, [TrendSeries("s", [80.0] * 12)], title="t", y_label="y")
    ticks = fig.axes[0].get_xticklabels()
    assert [tick.get_text() for tick in ticks] == labels
    assert {tick.get_rotation() for tick in ticks} == {0.0}


def test_twenty_six_weekly_labels_are_all_shown_rotated():
    labels = [f"2026-W{week:02d}" for week in range(1, 27)]
    fig = trend_figure(labels, [TrendSeries("s", [80.0] * 26)], title="t", y_label="y")
    ticks = fig.axes[0].get_xticklabels()
    assert [tick.get_text() for tick in ticks] == labels
    assert {tick.get_rotation() for tick in ticks} == {35.0}
    assert_drawn(to_svg(fig), *labels)


def test_too_many_labels_are_thinned_keeping_the_latest():
    labels = [f"2026-03-{day:02d} #{day}" for day in range(1, 61)]
    fig = trend_figure(labels, [TrendSeries("s", [50.0] * 60)], title="t", y_label="y")
    shown = [tick.get_text() for tick in fig.axes[0].get_xticklabels()]
    assert 10 < len(shown) < 60
    assert shown[-1] == labels[-1]
    steps = {labels.index(b) - labels.index(a) for a, b in zip(shown, shown[1:], strict=False)}
    assert len(steps) == 1  # evenly thinned


def test_chinese_title_and_series_render_with_the_cjk_font():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig = trend_figure(
            ["第1次", "第2次"],
            [TrendSeries("质检员 王芳", [88.0, 92.5]), TrendSeries("质检员 李娜", [70.0, None])],
            title="校准一致性（按质检员）",
            y_label="一致度 %",
            reference=(80, "合格线 80"),
        )
        svg = to_svg(fig)
        to_png(fig)
    assert [str(w.message) for w in caught if "missing from font" in str(w.message)] == []
    assert_drawn(
        svg, "校准一致性（按质检员）", "一致度 %", "质检员 王芳", "质检员 李娜", "合格线 80", "第1次"
    )
    title = next(text for text in fig.findobj(Text) if text.get_text() == "校准一致性（按质检员）")
    assert charts.font_family()[1] in title.get_fontfamily()


def test_one_point_series_draws_the_point_and_its_value():
    fig = trend_figure(["2026-W10"], [TrendSeries("s", [77.0])], title="One week", y_label="y")
    (line,) = data_lines(fig)
    assert list(line.get_ydata()) == [77.0]
    svg = to_svg(fig)
    assert_drawn(svg, "One week", "2026-W10", "77.0")
    assert to_png(fig).startswith(PNG_SIGNATURE)


def test_without_labels_or_values_an_empty_chart_is_drawn():
    svg = to_svg(trend_figure([], [TrendSeries("s", [])], title="No data yet", y_label="y"))
    assert_drawn(svg, "No data yet")
    svg = to_svg(trend_figure(WEEKS, [], title="No series", y_label="y", reference=(50, "Target 50")))
    assert_drawn(svg, "No series", "Target 50", *WEEKS)


def test_same_input_gives_identical_svg():
    assert to_svg(team_trend()) == to_svg(team_trend())


# --- Week labels on the p-chart -----------------------------------------------------------------------


def test_p_chart_names_samples_with_x_labels():
    points = [Point(1, 0.05, 0.0, 0.14), Point(2, 0.09, 0.01, 0.15), Point(3, 0.21, 0.0, 0.17, True)]
    fig = p_chart_figure(
        points,
        center_line=0.08,
        title="Pass-rate p-chart",
        proportion_label="p",
        sample_label="Week",
        x_labels=["2026-W01", "2026-W02", "2026-W04"],
    )
    ticks = fig.axes[0].get_xticklabels()
    assert [(tick.get_position()[0], tick.get_text()) for tick in ticks] == [
        (1.0, "2026-W01"),
        (2.0, "2026-W02"),
        (3.0, "2026-W04"),
    ]
    assert_drawn(to_svg(fig), "2026-W01", "2026-W04", "Week")


def test_p_chart_without_x_labels_keeps_sample_numbers():
    points = [Point(1, 0.05, 0.0, 0.14), Point(2, 0.09, 0.01, 0.15)]
    fig = p_chart_figure(points, center_line=0.08, title="t", proportion_label="p", sample_label="n")
    fig.canvas.draw()
    assert {"1", "2"} <= {tick.get_text() for tick in fig.axes[0].get_xticklabels()}
