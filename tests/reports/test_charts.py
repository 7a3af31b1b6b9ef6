"""The chart toolkit (apps/reports/charts): plain data in, Figure out; no database.

Text is found in the SVG through the XML comment matplotlib writes before each line of text it draws
as paths (svg.fonttype "path"): ``<!-- 投诉数量 -->``, with &, < and > escaped and "--" written "- -".
"""

from __future__ import annotations

import html
import logging
import re
import warnings
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.text import Text

from apps.reports import charts
from apps.reports.charts import (
    FishboneCategory,
    FishboneCause,
    before_after_pareto_figure,
    fishbone_figure,
    p_chart_figure,
    pareto_figure,
    to_pdf,
    to_png,
    to_svg,
)
from apps.reports.charts import style as chart_style
from apps.reports.charts.wrapping import display_width, wrap_label, wrap_lines

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class Row:
    """Duck-typed stand-in for apps.tqm.analysis.ParetoRow."""

    label: str
    count: int
    cumulative_percent: Decimal
    vital_few: bool
    is_other: bool = False


@dataclass(frozen=True)
class Point:
    index: int
    proportion: float
    lcl: float
    ucl: float
    out_of_control: bool = False


def pareto_rows(counts: dict[str, int], other: str | None = None) -> list[Row]:
    total, running, rows, reached = sum(counts.values()), 0, [], False
    for label, count in counts.items():
        running += count
        cumulative = (Decimal(running * 100) / total).quantize(Decimal("0.01"))
        rows.append(Row(label, count, cumulative, vital_few=not reached, is_other=label == other))
        reached = reached or cumulative >= 80
    return rows


ZH_COUNTS = {
    "未核实客户身份即透露账户信息": 48,
    "服务态度差，语气生硬": 31,
    "未按标准流程处理退款申请": 22,
    "等待时间过长": 12,
    "其他": 4,
}
EN_COUNTS = {"Did not verify identity": 40, "Billing & refunds <VIP>": 25, "Rude tone -- escalated": 15}

ZH_CATEGORIES = [
    "人员（坐席）",
    "方法（流程与话术）",
    "机器（系统与工具）",
    "材料（知识库）",
    "测量（质检标准）",
    "环境（排班）",
]
ZH_CAUSES = [
    "新入职坐席未完成客户身份核验培训，对流程不熟悉",
    "高峰时段排队压力大，坐席急于结束通话",
    "知识库退款政策条目过时，与实际规定不一致",
    "CRM 系统查询订单响应慢，经常超过 30 秒",
    "质检评分标准对身份核验的要求描述含糊",
    "夜班人手不足且缺少班组长现场支持",
]
ZH_SUB_CAUSES = [FishboneCause("培训课时被压缩至半天"), FishboneCause("考核未覆盖核验环节", verified=True)]
EN_CATEGORIES = ["People", "Method", "Machine", "Material", "Measurement", "Environment"]


def drawn_texts(svg: str) -> list[str]:
    return [
        html.unescape(re.sub(r"- (?=-)", "-", comment))
        for comment in re.findall(r"<!-- (.*?) -->", svg, re.S)
    ]


def assert_drawn(svg: str, *texts: str) -> None:
    """Each text appears in the SVG; wrapped texts are drawn line by line, so whitespace is ignored."""
    drawn = "".join("".join(drawn_texts(svg)).split())
    for text in texts:
        assert "".join(text.split()) in drawn, f"{text!r} is not drawn"


def text_overlaps(fig: Figure) -> list[tuple[str, str]]:
    renderer = fig.canvas.get_renderer()
    boxes = [
        (text.get_text(), text.get_window_extent(renderer))
        for text in fig.findobj(Text)
        if text.get_visible() and text.get_text().strip()
    ]
    return [
        (first, second)
        for i, (first, a) in enumerate(boxes)
        for second, b in boxes[i + 1 :]
        if a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1
    ]


def six_by_six(categories: list[str], cause_text, sub_causes) -> list[FishboneCategory]:
    return [
        FishboneCategory(
            name,
            [
                FishboneCause(cause_text(i, j), verified=(i + j) % 5 == 0, children=sub_causes[: (i + j) % 3])
                for j in range(6)
            ],
        )
        for i, name in enumerate(categories)
    ]


def zh_fishbone() -> Figure:
    categories = six_by_six(ZH_CATEGORIES, lambda i, j: ZH_CAUSES[(i + j) % 6], ZH_SUB_CAUSES)
    return fishbone_figure(
        effect="客户投诉中未核实身份即透露账户信息的比例过高",
        categories=categories,
        verified_label="已验证的根本原因",
        title="鱼骨图：身份核验失误",
    )


def en_fishbone() -> Figure:
    subs = [FishboneCause("Sub-cause with a fairly long English explanation", verified=True)] * 2
    categories = six_by_six(
        EN_CATEGORIES,
        lambda i, j: (
            f"{EN_CATEGORIES[i]} cause {j}: the agent did not follow the documented verification step"
        ),
        subs,
    )
    return fishbone_figure(
        effect="Identity not verified before disclosure",
        categories=categories,
        verified_label="Verified root cause",
    )


# Wrapping


def test_display_width_counts_cjk_characters_twice():
    assert display_width("CRM 系统") == 8


def test_wrap_lines_breaks_latin_at_spaces_and_chinese_between_characters():
    assert wrap_lines("Agent did not verify the caller", 12) == ["Agent did", "not verify", "the caller"]
    assert wrap_lines("客户投诉处理时间过长", 8) == ["客户投诉", "处理时间", "过长"]


def test_wrap_lines_keeps_chinese_closing_punctuation_off_the_line_start():
    assert wrap_lines("服务态度差，语气生硬", 10) == ["服务态度差，", "语气生硬"]


def test_wrap_lines_splits_words_longer_than_a_line():
    assert wrap_lines("Supercalifragilistic", 8) == ["Supercal", "ifragili", "stic"]


def test_wrap_label_balances_lines_instead_of_leaving_an_orphan():
    assert wrap_label("类别很长的标签名称", 16) == "类别很长的\n标签名称"


# Fonts and style


def test_chinese_text_is_drawn_with_the_cjk_font_file():
    assert charts.cjk_font_available()
    family = charts.font_family()
    assert family == ["DejaVu Sans", "Noto Sans CJK SC"]
    resolved = font_manager.findfont(font_manager.FontProperties(family=family[1]), fallback_to_default=False)
    assert Path(resolved) == charts.cjk_font_file()
    assert charts.cjk_font_file().name == "NotoSansCJKsc-Regular.otf"


def test_chinese_labels_render_without_missing_glyph_warnings():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig = pareto_figure(
            pareto_rows(ZH_COUNTS, other="其他"),
            title="投诉原因",
            count_label="数量",
            cumulative_label="累计百分比",
        )
        to_png(fig)
        to_svg(fig)
        to_svg(zh_fishbone())
    missing = [str(warning.message) for warning in caught if "missing from font" in str(warning.message)]
    assert missing == []


def test_bold_chinese_text_logs_no_font_weight_warning(caplog):
    with caplog.at_level(logging.WARNING, logger="matplotlib.font_manager"):
        to_png(zh_fishbone())
    assert "Failed to find font weight" not in caplog.text


def test_missing_configured_font_file_falls_back_to_the_bundled_noto(monkeypatch, caplog, tmp_path):
    monkeypatch.setenv("QA_CENTER_CJK_FONT", str(tmp_path / "absent.otf"))
    monkeypatch.setattr(chart_style, "_registered", False)
    monkeypatch.setattr(chart_style, "_cjk_font", None)
    with caplog.at_level(logging.WARNING, logger="apps.reports.charts.style"):
        assert charts.font_family() == ["DejaVu Sans", "Noto Sans CJK SC"]
    assert "absent.otf does not exist" in caplog.text
    assert charts.cjk_font_file().name == "NotoSansCJKsc-Regular.otf"


def test_figure_helper_converts_centimetres_to_inches():
    fig = charts.figure(width_cm=25.4, height_cm=12.7)
    assert tuple(fig.get_size_inches()) == (10.0, 5.0)
    assert fig.canvas.get_renderer() is not None


def test_figure_helper_refuses_both_figsize_and_centimetres():
    with pytest.raises(ValueError, match="Give either figsize or both width_cm and height_cm"):
        charts.figure((4, 3), width_cm=10, height_cm=5)


# Pareto


def test_pareto_svg_shows_title_labels_counts_and_percent_axis():
    rows = pareto_rows(ZH_COUNTS, other="其他")
    svg = to_svg(
        pareto_figure(
            rows,
            title="投诉原因帕累托图（2025年第三季度）",
            count_label="投诉数量",
            cumulative_label="累计百分比",
            vital_label="关键少数",
            other_label="次要多数",
        )
    )
    assert_drawn(svg, "投诉原因帕累托图（2025年第三季度）", "投诉数量", "累计百分比", "关键少数", "次要多数")
    assert_drawn(svg, *ZH_COUNTS)
    texts = drawn_texts(svg)
    assert {"48", "31", "22", "12", "4"} <= set(texts)
    assert {"0%", "20%", "40%", "60%", "80%", "100%"} <= set(texts)


def test_pareto_colours_vital_few_rest_and_other_bars_differently():
    rows = pareto_rows(ZH_COUNTS, other="其他")
    fig = pareto_figure(rows, title="t", count_label="c", cumulative_label="p")
    bars = fig.axes[0].patches
    colours = [bar.get_facecolor() for bar in bars]
    assert [bar.get_height() for bar in bars] == [48, 31, 22, 12, 4]
    assert colours[0] == colours[1] == colours[2]  # vital few: up to the first row reaching 80 %
    assert len({colours[0], colours[3], colours[4]}) == 3


def test_pareto_percent_axis_is_fixed_at_0_to_100_with_reference_line():
    fig = pareto_figure(
        pareto_rows(EN_COUNTS), title="t", count_label="c", cumulative_label="p", reference_percent=75
    )
    percent_ax = fig.axes[1]
    assert percent_ax.get_ylim() == (0, 100)
    dashed = [line for line in percent_ax.lines if line.get_linestyle() == "--"]
    assert [tuple(line.get_ydata()) for line in dashed] == [(75, 75)]


def test_pareto_escapes_special_characters_in_labels():
    svg = to_svg(pareto_figure(pareto_rows(EN_COUNTS), title="A & B", count_label="c", cumulative_label="p"))
    assert "&lt;VIP&gt;" in svg
    assert_drawn(svg, "A & B", *EN_COUNTS)


def test_pareto_png_and_pdf():
    fig = pareto_figure(pareto_rows(EN_COUNTS), title="t", count_label="c", cumulative_label="p")
    assert to_png(fig).startswith(PNG_SIGNATURE)
    assert to_pdf(fig).startswith(b"%PDF-")


def test_pareto_without_rows_still_draws_an_empty_chart():
    svg = to_svg(pareto_figure([], title="No data yet", count_label="c", cumulative_label="p"))
    assert_drawn(svg, "No data yet")


def test_long_pareto_uses_rotated_labels():
    rows = pareto_rows({f"类别{i}很长很长的标签名称": 30 - i for i in range(20)})
    fig = pareto_figure(rows, title="t", count_label="c", cumulative_label="p")
    assert {label.get_rotation() for label in fig.axes[0].get_xticklabels()} == {35.0}


# Before / after


def test_before_after_shares_the_count_scale():
    before = pareto_rows({"未核实身份": 48, "态度差": 31, "其他": 9}, other="其他")
    after = pareto_rows({"态度差": 14, "未核实身份": 9, "其他": 3}, other="其他")
    fig = before_after_pareto_figure(
        before,
        after,
        title="改善前后对比",
        before_title="改善前（7月）",
        after_title="改善后（10月）",
        count_label="投诉数量",
        cumulative_label="累计百分比",
    )
    before_ax, after_ax = fig.axes[:2]  # the two panels; their percent twins come after them
    assert before_ax.get_ylim() == after_ax.get_ylim() == (0, pytest.approx(48 * 1.15))
    svg = to_svg(fig)
    assert_drawn(
        svg, "改善前后对比", "改善前（7月）", "改善后（10月）", "投诉数量", "累计百分比", "未核实身份"
    )
    assert {"48", "31", "14", "9", "3"} <= set(drawn_texts(svg))
    assert to_png(fig).startswith(PNG_SIGNATURE)


# p-chart


def p_chart_points() -> list[Point]:
    return [
        Point(1, 0.05, 0.0, 0.14),
        Point(2, 0.09, 0.01, 0.15),
        Point(3, 0.21, 0.0, 0.17, out_of_control=True),
        Point(4, 0.07, 0.02, 0.13),
    ]


def test_p_chart_svg_shows_title_axes_and_limit_values():
    fig = p_chart_figure(
        p_chart_points(),
        center_line=Decimal("0.08"),
        title="质检合格率 p 控制图",
        proportion_label="不合格率",
        sample_label="样本（周）",
        ucl_label="上控制限",
        lcl_label="下控制限",
        center_label="中心线",
        out_of_control_label="失控点",
    )
    svg = to_svg(fig)
    assert_drawn(svg, "质检合格率 p 控制图", "不合格率", "样本（周）", "失控点")
    assert {"上控制限 = 0.1300", "中心线 = 0.0800", "下控制限 = 0.0200"} <= set(drawn_texts(svg))
    assert to_png(fig).startswith(PNG_SIGNATURE)
    assert to_pdf(fig).startswith(b"%PDF-")


def test_p_chart_marks_out_of_control_points_in_red_with_a_distinct_marker():
    fig = p_chart_figure(
        p_chart_points(), center_line=0.08, title="t", proportion_label="p", sample_label="n"
    )
    flagged = [line for line in fig.axes[0].lines if line.get_marker() == "D"]
    assert len(flagged) == 1
    assert list(flagged[0].get_xdata()) == [3.0]
    assert list(flagged[0].get_ydata()) == [0.21]
    assert flagged[0].get_markerfacecolor() == charts.PALETTE.alert


def test_p_chart_limits_step_per_sample():
    fig = p_chart_figure(
        p_chart_points(), center_line=0.08, title="t", proportion_label="p", sample_label="n"
    )
    ucl, lcl = fig.axes[0].patches  # StepPatch: one step per sample, edges half-way between samples
    assert list(ucl.get_data().values) == [0.14, 0.15, 0.17, 0.13]
    assert list(lcl.get_data().edges) == [0.5, 1.5, 2.5, 3.5, 4.5]


def test_p_chart_without_points_draws_the_centre_line():
    svg = to_svg(p_chart_figure([], center_line=0.1, title="Empty", proportion_label="p", sample_label="n"))
    assert_drawn(svg, "Empty", "CL = 0.1000")


# Fishbone


def test_fishbone_svg_shows_effect_categories_causes_and_legend():
    svg = to_svg(zh_fishbone())
    assert_drawn(
        svg, "鱼骨图：身份核验失误", "客户投诉中未核实身份即透露账户信息的比例过高", "已验证的根本原因"
    )
    assert_drawn(svg, *ZH_CATEGORIES, *ZH_CAUSES, *(sub.text for sub in ZH_SUB_CAUSES))


def test_fishbone_six_by_six_chinese_has_no_overlapping_text():
    fig = zh_fishbone()
    assert len([text for text in fig.findobj(Text) if text.get_text().strip()]) > 6 * 6 + 6
    assert text_overlaps(fig) == []


def test_fishbone_six_by_six_english_has_no_overlapping_text():
    assert text_overlaps(en_fishbone()) == []


def test_fishbone_grows_with_its_content():
    small = fishbone_figure(
        effect="Effect", categories=[FishboneCategory("People", [FishboneCause("Short")])], verified_label="V"
    )
    large = zh_fishbone()
    small_width, small_height = small.get_size_inches()
    large_width, large_height = large.get_size_inches()
    assert large_width > small_width
    assert large_height > small_height


def test_fishbone_highlights_verified_causes():
    fig = fishbone_figure(
        effect="Effect",
        categories=[
            FishboneCategory(
                "People",
                [
                    FishboneCause("Verified cause", verified=True),
                    FishboneCause(
                        "Plain cause", children=[FishboneCause("Verified sub-cause", verified=True)]
                    ),
                ],
            )
        ],
        verified_label="Verified root cause",
    )
    texts = {text.get_text(): text for text in fig.findobj(Text)}
    for highlighted in ("Verified cause", "Verified sub-cause", "Verified root cause"):
        assert texts[highlighted].get_fontweight() == "bold"
        assert texts[highlighted].get_color() == charts.PALETTE.verified
    assert texts["Plain cause"].get_fontweight() == "normal"
    markers = [line for line in fig.axes[0].lines if line.get_marker() == "o"]
    assert len(markers) == 3  # on the bone, on the twig, in the legend


def test_fishbone_without_categories_draws_effect_and_spine():
    fig = fishbone_figure(effect="Long hold times", categories=[], verified_label="Verified root cause")
    assert_drawn(to_svg(fig), "Long hold times", "Verified root cause")
    assert len(fig.axes[0].patches) == 1  # the spine arrow
    assert text_overlaps(fig) == []


def test_fishbone_categories_without_causes_are_drawn():
    fig = fishbone_figure(
        effect="效果",
        categories=[FishboneCategory("人员", []), FishboneCategory("方法", [])],
        verified_label="已验证",
    )
    assert_drawn(to_svg(fig), "人员", "方法", "效果")
    assert text_overlaps(fig) == []


def test_fishbone_refuses_causes_nested_three_levels_deep():
    grandchild = FishboneCause("too deep")
    cause = FishboneCause("cause", children=[FishboneCause("child", children=[grandchild])])
    with pytest.raises(ValueError, match="Fishbone causes nest at most two levels deep: 'cause'"):
        fishbone_figure(effect="e", categories=[FishboneCategory("c", [cause])], verified_label="v")


def test_fishbone_png():
    assert to_png(zh_fishbone()).startswith(PNG_SIGNATURE)


# Reproducibility


@pytest.mark.parametrize(
    "build",
    [
        lambda: pareto_figure(pareto_rows(ZH_COUNTS), title="t", count_label="c", cumulative_label="p"),
        lambda: p_chart_figure(
            p_chart_points(), center_line=0.08, title="t", proportion_label="p", sample_label="n"
        ),
        zh_fishbone,
    ],
    ids=["pareto", "p-chart", "fishbone"],
)
def test_same_input_gives_identical_svg(build):
    assert to_svg(build()) == to_svg(build())


def test_same_input_gives_identical_pdf():
    build = lambda: pareto_figure(pareto_rows(EN_COUNTS), title="t", count_label="c", cumulative_label="p")  # noqa: E731
    assert to_pdf(build()) == to_pdf(build())


def test_pareto_slants_labels_rather_than_cutting_a_word_in_two():
    from apps.reports.charts.pareto import pareto_figure

    @dataclass(frozen=True)
    class Row:
        label: str
        count: int
        cumulative_percent: float
        vital_few: bool
        is_other: bool = False

    labels = [f"Wrong information {i}" for i in range(9)]
    rows = [Row(label, 10 - i, 10.0 * (i + 1), i < 3) for i, label in enumerate(labels)]
    svg = to_svg(pareto_figure(rows, title="T", count_label="n", cumulative_label="%"))
    texts = re.findall(r"<!-- (.*?) -->", svg, re.S)
    assert not any(text.startswith("informati") and text != "information" for text in texts)
    assert any("information" in text for text in texts)


def test_longest_word_width_counts_latin_words_and_single_cjk_characters():
    from apps.reports.charts.wrapping import longest_word_width

    assert longest_word_width("Wrong information given") == len("information")
    assert longest_word_width("账单错误") == 2
    assert longest_word_width("") == 0


def test_balanced_lines_never_cut_a_word_to_save_width():
    from apps.reports.charts.wrapping import balanced_lines

    assert balanced_lines("Wrong information 0", 11) == ["Wrong", "information", "0"]
    assert balanced_lines("计费错误重复扣款", 8) == ["计费错误", "重复扣款"]
