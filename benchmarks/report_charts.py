"""Benchmark: drawing one chart through the reports app, against a bare matplotlib script.

    DEBUG=1 .venv/bin/python benchmarks/report_charts.py [--repeat 30]

For two kinds of chart, a complaint Pareto by category (12 categories) and a QA score trend (12 weeks
against the pass mark), times

  (a) our path, as the chart task runs it for one language: ``kind.draw(data)`` (house style, CJK font
      fallback, label wrapping, translated texts) then ``to_svg`` and ``to_png`` (150 dpi);
  (b) a bare matplotlib script drawing the same figure: a pyplot-free Figure of the same size and
      layout with the same bars, lines, labels and legend, saved as SVG and PNG at the same dpi with
      matplotlib's defaults.

Runs alternate (a), (b), (a), … after warm-up runs, so both see the same machine; prints the medians
and the ratio (a) ÷ (b); the target is 1.3 at most. No database is used. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import textwrap
import time

import harness  # noqa: E402 - benchmarks/harness.py, beside this script

TARGET_RATIO = 1.3
WARM_UP = 3
PNG_DPI = 150

# The demo data set's complaint categories, with a month's worth of tickets each.
CATEGORY_COUNTS = [
    ("Billing error", 412),
    ("Late delivery", 305),
    ("Rude agent", 198),
    ("Long wait on the line", 150),
    ("Wrong information given", 96),
    ("Refund not received", 71),
    ("Network outage", 55),
    ("Contract terms", 38),
    ("Installation delay", 27),
    ("Privacy concern", 19),
    ("Lost parcel", 12),
    ("Website error", 8),
]
# Twelve weekly average scores; two weeks fall below the pass mark.
WEEKLY_SCORES = [84.2, 86.1, 79.4, 83.0, 85.7, 87.9, 88.3, 78.6, 82.5, 86.4, 89.0, 90.2]
PASS_MARK = 80.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=30, help="timed runs of each path per chart")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be positive")

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qa_center.settings.base")
    sys.path.insert(0, str(harness.BASE_DIR))
    import django
    import matplotlib

    django.setup()
    from django.utils import translation

    translation.activate("en")
    harness.say(
        f"Python {sys.version.split()[0]}, Django {django.get_version()}, "
        f"matplotlib {matplotlib.__version__}, {os.cpu_count()} CPUs; "
        f"{args.repeat} timed runs of each after {WARM_UP} warm-up runs."
    )
    ratios = []
    for label, ours, bare in _charts():
        ours_ms, bare_ms = _compare(ours, bare, args.repeat)
        ratio = ours_ms / bare_ms
        ratios.append(ratio)
        harness.say(
            f"{label}: our path median {ours_ms:.1f} ms, bare matplotlib median {bare_ms:.1f} ms, "
            f"ratio {ratio:.2f} (target ≤ {TARGET_RATIO})"
        )
    harness.say(f"Worst ratio: {max(ratios):.2f} ({'met' if max(ratios) <= TARGET_RATIO else 'MISSED'}).")


def _compare(ours, bare, repeat: int) -> tuple[float, float]:
    """Medians in ms of ``repeat`` alternating runs of each function, after warm-up runs."""
    for _ in range(WARM_UP):
        ours()
        bare()
    ours_ms, bare_ms = [], []
    for _ in range(repeat):
        for function, samples in ((ours, ours_ms), (bare, bare_ms)):
            started = time.perf_counter()
            function()
            samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(ours_ms), statistics.median(bare_ms)


def _charts():
    from apps.reports import kinds
    from apps.reports.charts.render import to_png, to_svg
    from apps.reports.kinds.common import pareto_data

    pareto = kinds.get("complaint_pareto")
    pareto_input = pareto_data(CATEGORY_COUNTS, other_after_percent=95)
    trend = kinds.get("qa_score_trend")
    trend_input = _trend_data()

    def ours(kind, data):
        def run() -> tuple[str, bytes]:
            figure = kind.draw(data)
            return to_svg(figure), to_png(figure)

        return run

    yield (
        f"complaint Pareto, {len(pareto_input['rows'])} bars",
        ours(pareto, pareto_input),
        lambda: _bare_pareto(pareto_input),
    )
    yield (
        f"QA score trend, {len(WEEKLY_SCORES)} weeks",
        ours(trend, trend_input),
        lambda: _bare_trend(trend_input),
    )


def _trend_data() -> dict:
    """Data in the shape qa_score_trend's collect() stores."""
    from datetime import date, timedelta

    first_monday = date(2026, 9, 7)
    weeks = []
    for index, score in enumerate(WEEKLY_SCORES):
        monday = first_monday + timedelta(weeks=index)
        year, week, _day = monday.isocalendar()
        weeks.append(
            {
                "week": f"{year}-W{week:02d}",
                "start": monday.isoformat(),
                "evaluations": 40 + index,
                "average_score": score,
                "pass_rate": 90.0,
            }
        )
    return {
        "scope_name": "Team Aurora",
        "weeks": weeks,
        "evaluations": sum(week["evaluations"] for week in weeks),
        "average_score": round(statistics.mean(WEEKLY_SCORES), 2),
        "pass_rate": 90.0,
        "pass_mark": PASS_MARK,
        "scorecard": {"id": 1, "name": "Inbound calls", "version": 3, "evaluations": 546},
    }


# --- The bare scripts: what one would write with matplotlib alone ------------------------------------


def _save(figure) -> tuple[str, bytes]:
    svg, png = io.BytesIO(), io.BytesIO()
    figure.savefig(svg, format="svg")
    figure.savefig(png, format="png", dpi=PNG_DPI)
    return svg.getvalue().decode("utf-8"), png.getvalue()


def _bare_pareto(data: dict) -> tuple[str, bytes]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch
    from matplotlib.ticker import MaxNLocator, PercentFormatter

    rows = data["rows"]
    labels = ["Other" if row["is_other"] else row["label"] for row in rows]
    counts = [row["count"] for row in rows]
    positions = range(len(rows))
    figure = Figure(figsize=(min(max(3.0 + 0.8 * len(rows), 7.0), 13.0), 5.5), layout="constrained")
    FigureCanvasAgg(figure)
    ax = figure.add_subplot()
    colours = ["#b5b5b5" if row["is_other"] else "#1f5f8b" if row["vital_few"] else "#a9c8df" for row in rows]
    bars = ax.bar(positions, counts, width=0.7, color=colours, zorder=2)
    ax.bar_label(bars, labels=[f"{count:,}" for count in counts], padding=2, fontsize=8.5)
    ax.set_ylim(0, max(counts) * 1.15)
    ax.set_xlim(-0.6, len(rows) - 0.4)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xticks(positions, [textwrap.fill(label, 11) for label in labels])
    ax.tick_params(axis="x", length=0)
    ax.set_ylabel("Count")
    ax.grid(axis="y", color="#e3e3e3")
    ax.set_axisbelow(True)
    ax.spines[["top", "right"]].set_visible(False)
    percent = ax.twinx()
    percent.set_ylim(0, 100)
    percent.set_yticks((0, 20, 40, 60, 80, 100))
    percent.yaxis.set_major_formatter(PercentFormatter(xmax=100, decimals=0))
    percent.set_ylabel("Cumulative %")
    percent.axhline(80, color="#6b6b6b", linestyle="--", linewidth=1, zorder=1)
    percent.plot(
        list(positions),
        [row["cumulative_percent"] for row in rows],
        color="#e07b24",
        marker="o",
        markersize=5,
        linewidth=1.8,
        clip_on=False,
        zorder=3,
    )
    figure.suptitle("Complaints by category")
    handles = [
        Patch(color="#1f5f8b", label="Vital few"),
        Patch(color="#a9c8df", label="Remaining categories"),
    ]
    figure.legend(handles=handles, loc="outside lower center", ncols=2)
    return _save(figure)


def _bare_trend(data: dict) -> tuple[str, bytes]:
    import math

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    weeks = data["weeks"]
    labels = [week["week"] for week in weeks]
    values = [math.nan if week["average_score"] is None else week["average_score"] for week in weeks]
    pass_mark = data["pass_mark"]
    positions = list(range(len(weeks)))
    figure = Figure(figsize=(10.0, 5.0), layout="constrained")
    FigureCanvasAgg(figure)
    ax = figure.add_subplot()
    figure.suptitle(f"QA score trend: {data['scope_name']}")
    ax.set_ylabel("Average score")
    ax.set_xlabel("Week")
    ax.set_xlim(-0.5, len(weeks) - 0.5)
    ax.set_xticks(positions, labels, rotation=35, ha="right", rotation_mode="anchor")
    ax.grid(axis="y", color="#e3e3e3")
    ax.spines[["top", "right"]].set_visible(False)
    ax.axhline(
        pass_mark, color="#6b6b6b", linestyle="--", linewidth=1.2, zorder=1, label=f"Pass mark {pass_mark:g}"
    )
    ax.plot(
        positions,
        values,
        color="#1f5f8b",
        linewidth=1.8,
        marker="o",
        markersize=4.5,
        zorder=3,
        label="Weekly average score",
    )
    below = [(x, y) for x, y in zip(positions, values, strict=True) if y < pass_mark]
    ax.plot(
        [x for x, _ in below],
        [y for _, y in below],
        linestyle="none",
        marker="D",
        markersize=8,
        markerfacecolor="#d62728",
        markeredgecolor="white",
        zorder=4,
        label="Below the pass mark",
    )
    ax.set_ylim(0, 100)
    ax.annotate(
        f"{values[-1]:.1f}",
        xy=(positions[-1], values[-1] / 100),
        xycoords=("data", "axes fraction"),
        xytext=(6, 0),
        textcoords="offset points",
        va="center",
        ha="left",
        color="#1f5f8b",
        fontsize=8.5,
        annotation_clip=False,
        zorder=5,
        bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.85},
    )
    handles, names = ax.get_legend_handles_labels()
    figure.legend(handles, names, loc="outside lower center", ncols=3)
    return _save(figure)


if __name__ == "__main__":
    main()
