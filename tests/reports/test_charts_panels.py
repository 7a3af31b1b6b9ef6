"""KPI small multiples (charts/panels.py): panels per KPI, targets, missed days, context tags. No database."""

from __future__ import annotations

import math
import warnings
from datetime import date, timedelta

import pytest
from matplotlib.colors import to_hex

from apps.reports.charts import PALETTE, to_png, to_svg
from apps.reports.charts.panels import DayTag, KpiPanel, kpi_panels_figure
from tests.reports.test_charts import PNG_SIGNATURE, assert_drawn, drawn_texts, text_overlaps

MONDAY = date(2026, 1, 26)
DAYS = [MONDAY + timedelta(days=offset) for offset in range(42)]


def overlaps(fig) -> list[tuple[str, str]]:
    fig.canvas.draw()  # the layout engine places everything at the figure's dpi
    return text_overlaps(fig)


def wave(base: float, swing: float, gaps: tuple[int, ...] = ()) -> list[float | None]:
    """42 values around ``base``; None on the ``gaps`` days."""
    return [None if i in gaps else round(base + swing * math.sin(i / 3), 2) for i in range(42)]


def five_panels(**kwargs) -> list[KpiPanel]:
    return [
        KpiPanel("Connection rate", "%", wave(91, 3, gaps=(5, 6)), 90, True, value_format="{:.2f}"),
        KpiPanel("First-call resolution", "%", wave(94, 3), 95, True, value_format="{:.2f}"),
        KpiPanel("Customer satisfaction", "%", wave(97, 2), 97, True, value_format="{:.2f}"),
        KpiPanel("After-call work", "seconds", wave(45, 20), 30, None, target_high=60),
        KpiPanel("Service level", "%", wave(80, 6), 80, True, value_format="{:.2f}"),
    ]


def missed_points(ax) -> list[tuple[float, float]]:
    red = [line for line in ax.lines if line.get_markerfacecolor() == PALETTE.alert]
    return [(x, y) for line in red for x, y in zip(line.get_xdata(), line.get_ydata(), strict=True)]


# Judging values against the target


@pytest.mark.parametrize(
    ("panel", "value", "misses"),
    [
        (KpiPanel("t", "%", [], 90, True), 89.99, True),
        (KpiPanel("t", "%", [], 90, True), 90, False),  # bounds are inclusive, as kpis.status()
        (KpiPanel("t", "%", [], 20, False), 20.01, True),
        (KpiPanel("t", "%", [], 20, False), 20, False),
        (KpiPanel("t", "s", [], 30, None, target_high=60), 29.9, True),
        (KpiPanel("t", "s", [], 30, None, target_high=60), 60.1, True),
        (KpiPanel("t", "s", [], 30, None, target_high=60), 60, False),
        (KpiPanel("t", "%", [], 90, None), 10, False),  # no direction: nothing is judged
        (KpiPanel("t", "%", [], None, True), 10, False),  # no target
        (KpiPanel("t", "%", [], 90, True), None, False),  # no data
    ],
)
def test_a_panel_judges_values_as_the_kpi_status_does(panel, value, misses):
    assert panel.misses(value) is misses


# Drawing


def test_five_panels_show_title_kpi_titles_targets_latest_values_and_legend():
    panels = five_panels()
    fig = kpi_panels_figure(DAYS, panels, title="KPIs against target: North", target_label="Target")
    svg = to_svg(fig)
    assert_drawn(svg, "KPIs against target: North", "Connection rate (%)", "After-call work (seconds)")
    assert_drawn(svg, "First-call resolution (%)", "Customer satisfaction (%)", "Service level (%)")
    texts = set(drawn_texts(svg))
    assert {"Target 90.00", "Target 95.00", "Target 97.00", "Target 30.0–60.0", "Target 80.00"} <= texts
    assert {"Target", "Missed target"} <= texts  # the legend
    assert f"{panels[0].values[-1]:.2f}" in texts  # the latest value is written at its point
    assert {"01-26", "02-02", "03-02"} <= texts  # Mondays on the day axis
    assert to_png(fig).startswith(PNG_SIGNATURE)


def test_panels_share_one_day_axis_and_stack_one_per_kpi():
    fig = kpi_panels_figure(DAYS, five_panels(), title="t")
    assert len(fig.axes) == 5
    assert {ax.get_xlim() for ax in fig.axes} == {(-0.5, 41.5)}
    tops = [ax.get_position().y0 for ax in fig.axes]
    assert tops == sorted(tops, reverse=True)  # in the given order, top to bottom


def test_five_panels_with_tags_have_no_overlapping_text():
    tags = [DayTag(MONDAY + timedelta(days=d), "Typhoon 台风") for d in (8, 9)] + [
        DayTag(MONDAY + timedelta(days=9), "System outage"),
        DayTag(MONDAY + timedelta(days=21), "春节 Spring Festival"),
    ]
    fig = kpi_panels_figure(DAYS, five_panels(), title="KPI", tags=tags)
    assert overlaps(fig) == []


def test_days_missing_the_target_are_marked_in_red():
    values = [91.0, 89.5, None, 90.0, 70.0]
    band = [25.0, 30.0, 61.0, None, 45.0]
    fig = kpi_panels_figure(
        DAYS[:5],
        [KpiPanel("Connection", "%", values, 90, True), KpiPanel("ACW", "s", band, 30, None, target_high=60)],
        title="t",
    )
    assert missed_points(fig.axes[0]) == [(1, 89.5), (4, 70.0)]
    assert missed_points(fig.axes[1]) == [(0, 25.0), (2, 61.0)]


def test_a_maximum_target_marks_the_days_above_it():
    fig = kpi_panels_figure(DAYS[:3], [KpiPanel("Idle share", "%", [10, 25, 20], 20, False)], title="t")
    assert missed_points(fig.axes[0]) == [(1, 25)]


def test_the_target_is_a_dashed_line_and_a_band_is_shaded():
    fig = kpi_panels_figure(
        DAYS[:3],
        [KpiPanel("A", "%", [1, 2, 3], 90, True), KpiPanel("B", "s", [40, 50, 45], 30, None, target_high=60)],
        title="t",
    )
    single, band = fig.axes
    assert [tuple(line.get_ydata()) for line in single.lines if line.get_linestyle() == "--"] == [(90, 90)]
    assert [tuple(line.get_ydata()) for line in band.lines if line.get_linestyle() == "--"] == [
        (30, 30),
        (60, 60),
    ]
    shaded = [patch for patch in band.patches if to_hex(patch.get_facecolor()) == PALETTE.box_fill]
    assert len(shaded) == 1
    assert single.get_ylim()[1] > 90  # the target stays in view even far above the values


def test_days_without_data_are_gaps_in_the_line():
    fig = kpi_panels_figure(DAYS[:4], [KpiPanel("A", "%", [1.0, None, 3.0, 4.0])], title="t")
    line = fig.axes[0].lines[0]
    assert math.isnan(line.get_ydata()[1])
    assert list(line.get_xdata()) == [0, 1, 2, 3]


def test_a_tag_over_several_days_is_shaded_in_every_panel_and_named_once():
    tags = [DayTag(MONDAY + timedelta(days=d), "Typhoon Haikui") for d in (3, 4, 5)]
    tags.append(DayTag(MONDAY + timedelta(days=20), "Public holiday"))
    tags.append(DayTag(MONDAY - timedelta(days=1), "Before the window"))
    fig = kpi_panels_figure(DAYS, five_panels(), title="t", tags=tags, tag_label="Tagged day")
    texts = drawn_texts(to_svg(fig))
    assert texts.count("Typhoon Haikui") == 1
    assert texts.count("Public holiday") == 1
    assert "Before the window" not in texts
    assert "Tagged day" in texts
    strip, *panels = fig.axes
    assert not strip.axison  # the tags' strip has no axes of its own
    for ax in panels:
        shaded = [patch for patch in ax.patches if to_hex(patch.get_facecolor()) == PALETTE.grid]
        assert [(patch.get_x(), patch.get_x() + patch.get_width()) for patch in shaded] == [
            (2.5, 5.5),
            (19.5, 20.5),
        ]


def test_overlapping_tag_labels_go_to_separate_rows():
    tags = [DayTag(MONDAY, "A long incident name"), DayTag(MONDAY + timedelta(days=1), "Another long tag")]
    fig = kpi_panels_figure(DAYS, five_panels()[:1], title="t", tags=tags)
    strip = fig.axes[0]
    rows = sorted(text.get_position()[1] for text in strip.texts)
    assert rows == [0.5, 1.5]
    assert overlaps(fig) == []


def test_chinese_titles_and_tags_render_without_missing_glyphs():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig = kpi_panels_figure(
            DAYS[:7],
            [KpiPanel("接通率", "%", [91, 92, 88, 90, 93, 95, 89], 90, True)],
            title="关键指标与目标对比：北区",
            tags=[DayTag(DAYS[2], "台风“海葵”")],
            target_label="目标",
            missed_label="未达目标",
            tag_label="标记日",
        )
        svg = to_svg(fig)
        to_png(fig)
    assert [str(w.message) for w in caught if "missing from font" in str(w.message)] == []
    assert_drawn(
        svg, "关键指标与目标对比：北区", "接通率 (%)", "台风“海葵”", "目标 90.0", "未达目标", "标记日"
    )


def test_all_values_missing_draws_the_target_and_nothing_marked():
    fig = kpi_panels_figure(DAYS, [KpiPanel("CSAT", "%", [None] * 42, 97, True)], title="No data")
    ax = fig.axes[0]
    assert missed_points(ax) == []
    assert all(math.isnan(y) for y in ax.lines[0].get_ydata())
    svg_texts = drawn_texts(to_svg(fig))
    assert "Target 97.0" in svg_texts
    assert ax.get_ylim()[0] < 97 < ax.get_ylim()[1]


def test_no_target_draws_no_line_and_no_target_legend():
    fig = kpi_panels_figure(DAYS[:3], [KpiPanel("Occupancy", "%", [70, 80, 75])], title="t")
    ax = fig.axes[0]
    assert [line for line in ax.lines if line.get_linestyle() == "--"] == []
    assert fig.legends == []
    assert "Target" not in " ".join(drawn_texts(to_svg(fig)))


def test_one_day_draws_a_point_and_its_date():
    fig = kpi_panels_figure([date(2026, 3, 4)], [KpiPanel("SL", "%", [78.5], 80, True)], title="One day")
    ax = fig.axes[0]
    assert ax.get_xlim() == (-0.5, 0.5)
    assert missed_points(ax) == [(0, 78.5)]
    assert {"One day", "03-04", "78.5", "Target 80.0"} <= set(drawn_texts(to_svg(fig)))


def test_all_none_and_no_target_gives_a_default_scale():
    fig = kpi_panels_figure(DAYS[:2], [KpiPanel("X", "%", [None, None])], title="t")
    assert fig.axes[0].get_ylim() == (0.0, 1.0)


@pytest.mark.parametrize(
    ("days", "panels", "message"),
    [
        ([], [KpiPanel("A", "%", [])], "A KPI panel chart needs at least one day"),
        (DAYS[:2], [], "A KPI panel chart needs at least one panel"),
        ([DAYS[1], DAYS[0]], [KpiPanel("A", "%", [1, 2])], "Days must be in ascending order without repeats"),
        (DAYS[:2], [KpiPanel("A", "%", [1])], "Panel 'A' has 1 values for 2 days"),
    ],
)
def test_bad_input_is_refused(days, panels, message):
    with pytest.raises(ValueError, match=message):
        kpi_panels_figure(days, panels, title="t")


def test_five_panels_are_taller_than_one_and_fit_a_page():
    one = kpi_panels_figure(DAYS, five_panels()[:1], title="t")
    five = kpi_panels_figure(DAYS, five_panels(), title="t")
    width, height = five.get_size_inches()
    assert height > one.get_size_inches()[1] + 5
    assert (width, height) == (10.0, pytest.approx(1.3 + 5 * 1.55))


def test_same_input_gives_identical_svg():
    def build():
        return kpi_panels_figure(DAYS, five_panels(), title="t", tags=[DayTag(DAYS[3], "Typhoon")])

    assert to_svg(build()) == to_svg(build())
