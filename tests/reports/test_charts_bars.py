"""Bar charts (charts/bars.py): stacked bars with totals, the horizontal ranking. No database."""

from __future__ import annotations

import warnings

import pytest
from matplotlib.colors import to_hex

from apps.reports.charts import PALETTE, to_png, to_svg
from apps.reports.charts.bars import BarStack, ranking_bar_figure, stacked_bar_figure
from tests.reports.test_charts import PNG_SIGNATURE, assert_drawn, drawn_texts, text_overlaps

STATES = ["Open (first line)", "With difficult-case expert", "With duty manager", "With business department"]


def overlaps(fig) -> list[tuple[str, str]]:
    """Overlapping texts once the layout engine has placed everything (a draw at the figure's dpi)."""
    fig.canvas.draw()
    return text_overlaps(fig)


ZH_STATES = ["一线处理中", "困难代理处理中", "值班经理处理中", "业务部门处理中", "待审核反馈"]


def flow(categories=STATES, within=(3, 2, 0, 5), overdue=(1, 0, 2, 4), **kwargs):
    return stacked_bar_figure(
        categories,
        [BarStack("Within SLA", list(within), "primary"), BarStack("Overdue", list(overdue), "alert")],
        title=kwargs.pop("title", "Open complaints by stage"),
        y_label=kwargs.pop("y_label", "Tickets"),
        **kwargs,
    )


# Stacked bars


def test_stacked_bars_draw_title_axis_label_categories_legend_and_totals():
    svg = to_svg(flow(subtitle="As of 2026-03-04 10:00: 17 open, 7 overdue, 5 closed today"))
    assert_drawn(svg, "Open complaints by stage", "Tickets", "Within SLA", "Overdue", *STATES)
    assert_drawn(svg, "As of 2026-03-04 10:00: 17 open, 7 overdue, 5 closed today")
    texts = drawn_texts(svg)
    assert {"4", "2", "9"} <= set(texts)  # totals 3+1, 2+0, 0+2, 5+4


def test_stacked_bars_put_each_stack_on_the_one_below():
    fig = flow()
    ax = fig.axes[0]
    within, overdue = ax.containers
    assert [bar.get_height() for bar in within] == [3, 2, 0, 5]
    assert [bar.get_y() for bar in overdue] == [3, 2, 0, 5]
    assert [bar.get_height() for bar in overdue] == [1, 0, 2, 4]
    assert {to_hex(bar.get_facecolor()) for bar in within} == {PALETTE.primary}
    assert {to_hex(bar.get_facecolor()) for bar in overdue} == {PALETTE.alert}


def test_stacked_bars_write_totals_and_the_values_of_tall_segments_only():
    fig = stacked_bar_figure(
        ["A", "B"],
        [BarStack("low", [40, 1], "primary"), BarStack("high", [60, 0], "#123456")],
        title="t",
        y_label="y",
    )
    ax = fig.axes[0]
    totals = [text.get_text() for text in ax.texts if text.get_text() in ("100", "1")]
    assert sorted(totals) == ["1", "100"]
    segment_labels = [label.get_text() for label in ax.texts if label.get_color() == "white"]
    # 1 of an axis ending at 115 is too short to hold its number; zero segments have none either.
    assert sorted(text for text in segment_labels if text) == ["40", "60"]
    assert to_hex(ax.containers[1][0].get_facecolor()) == "#123456"


def test_stacked_bars_with_float_totals_use_the_given_format():
    fig = stacked_bar_figure(
        ["x"],
        [BarStack("a", [1.25], "primary"), BarStack("b", [2.5], "accent")],
        title="t",
        y_label="y",
        total_format="{:.1f}",
    )
    assert "3.8" in drawn_texts(to_svg(fig))


def test_stacked_bars_of_chinese_states_render_without_missing_glyphs_or_overlaps():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig = flow(ZH_STATES, (3, 2, 0, 5, 1), (1, 0, 2, 4, 0), title="各环节在办投诉", y_label="工单数")
        assert overlaps(fig) == []
        svg = to_svg(fig)
        to_png(fig)
    assert [str(w.message) for w in caught if "missing from font" in str(w.message)] == []
    assert_drawn(svg, "各环节在办投诉", "工单数", *ZH_STATES)


def test_stacked_bars_with_all_zero_counts_still_draw_axes_and_zero_totals():
    fig = flow(within=(0, 0, 0, 0), overdue=(0, 0, 0, 0))
    assert fig.axes[0].get_ylim() == (0, pytest.approx(1.15))
    assert drawn_texts(to_svg(fig)).count("0") >= 4


def test_stacked_bars_without_categories_draw_only_the_title():
    svg = to_svg(stacked_bar_figure([], [], title="Nothing open", y_label="Tickets"))
    assert_drawn(svg, "Nothing open", "Tickets")


def test_stacked_bars_refuse_a_stack_of_the_wrong_length():
    with pytest.raises(ValueError, match="Stack 'Overdue' has 2 values for 4 bars"):
        flow(overdue=(1, 2))


def test_stacked_bars_refuse_an_unknown_colour_key():
    with pytest.raises(ValueError, match="'purpleish' is not a colour of the palette"):
        stacked_bar_figure(["a"], [BarStack("x", [1], "purpleish")], title="t", y_label="y")


# Ranking


NAMES = ["Ann", "Ben", "陈晓明", "Dan"]
SCORES = [88.5, 70.0, 70.0, 12.25]
RANKS = [1, 2, 2, 4]


def test_ranking_labels_bars_with_rank_and_name_and_writes_each_score():
    svg = to_svg(
        ranking_bar_figure(NAMES, SCORES, RANKS, title="Monthly ranking, North, 2024-03", x_label="Score")
    )
    assert_drawn(svg, "Monthly ranking, North, 2024-03", "Score", "1. Ann", "2. Ben", "2. 陈晓明", "4. Dan")
    assert {"88.50", "70.00", "12.25"} <= set(drawn_texts(svg))


def test_ranking_draws_the_best_at_the_top():
    fig = ranking_bar_figure(NAMES, SCORES, RANKS, title="t", x_label="x")
    ax = fig.axes[0]
    bottom, top = ax.get_ylim()
    assert bottom > top  # inverted: position 0 (the first, best) is at the top
    assert [bar.get_width() for bar in ax.patches] == SCORES
    assert [label.get_text() for label in ax.get_yticklabels()] == ["1. Ann", "2. Ben", "2. 陈晓明", "4. Dan"]
    assert ax.get_xlim() == (0, pytest.approx(88.5 * 1.15))


def test_ranking_highlights_flagged_bars():
    fig = ranking_bar_figure(
        NAMES, SCORES, RANKS, title="t", x_label="x", highlight=[False, True, False, False]
    )
    colours = [to_hex(bar.get_facecolor()) for bar in fig.axes[0].patches]
    assert colours == [PALETTE.primary, PALETTE.accent, PALETTE.primary, PALETTE.primary]


def test_ranking_writes_the_footnote_under_the_bars_without_overlaps():
    note = "Not ranked: Eve (No submitted QA evaluation in the month.); Fay (No daily figures in the month.)"
    fig = ranking_bar_figure(NAMES, SCORES, RANKS, title="t", x_label="Composite score", footnote=note)
    assert overlaps(fig) == []
    assert_drawn(to_svg(fig), note)
    renderer = fig.canvas.get_renderer()
    footnote = next(text for text in fig.texts if text.get_text() == note)
    x_label = fig.axes[0].xaxis.label
    fig.canvas.draw()
    assert footnote.get_window_extent(renderer).y1 < x_label.get_window_extent(renderer).y0


def test_ranking_of_many_agents_grows_taller():
    few = ranking_bar_figure(NAMES, SCORES, RANKS, title="t", x_label="x")
    many = ranking_bar_figure(
        [f"Agent {i}" for i in range(20)], list(range(20, 0, -1)), list(range(1, 21)), title="t", x_label="x"
    )
    assert many.get_size_inches()[1] > few.get_size_inches()[1] + 5
    assert overlaps(many) == []


def test_ranking_without_agents_or_with_zero_scores_still_draws():
    assert_drawn(to_svg(ranking_bar_figure([], [], [], title="Nobody ranked", x_label="x")), "Nobody ranked")
    fig = ranking_bar_figure(["Ann"], [0], [1], title="t", x_label="x")
    assert fig.axes[0].get_xlim() == (0, pytest.approx(1.15))
    assert "0.00" in drawn_texts(to_svg(fig))
    assert to_png(fig).startswith(PNG_SIGNATURE)


def test_ranking_refuses_mismatched_lengths():
    with pytest.raises(ValueError, match="names, scores and ranks must have the same length"):
        ranking_bar_figure(["Ann"], [1, 2], [1], title="t", x_label="x")
    with pytest.raises(ValueError, match="highlight must have one flag per name"):
        ranking_bar_figure(["Ann"], [1], [1], title="t", x_label="x", highlight=[True, False])


def test_same_input_gives_identical_svg():
    assert to_svg(flow()) == to_svg(flow())
    build = lambda: ranking_bar_figure(NAMES, SCORES, RANKS, title="t", x_label="x")  # noqa: E731
    assert to_svg(build()) == to_svg(build())
