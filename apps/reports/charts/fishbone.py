"""Fishbone (Ishikawa) diagram with a layout computed from measured text, so labels never overlap.

Layout, in points (1/72 in; the axes map one data unit to one point):

    [Category 1]            [Category 3]
         \\  cause text ______\\       ...
          \\     sub-cause ─┤  \\
           \\  cause text ______\\
    ───────────────────────────────────────────────▶ [ Effect ]
           /  cause text ______/
          /                   /
    [Category 2]            [Category 4]

Categories alternate above and below the spine; the two categories of one column share the spine
point their bones start from. Along a bone, each cause is a block of wrapped text right-aligned just
left of the bone, with its branch line under the text and its sub-causes hanging from that line. The
blocks of a bone are stacked away from the spine, so they never overlap each other; every bone on one
side is as long as the longest of them; and the distance between two columns is the widest reach of
the right column's text past its own bone, so that text stays clear of the bone to its left.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch
from matplotlib.text import Text

from .render import figure
from .style import PALETTE, TITLE_SIZE, house_style
from .wrapping import wrap_label

CAUSE_SIZE = 9.5
SUB_CAUSE_SIZE = 8.5
CATEGORY_SIZE = 10.5
EFFECT_SIZE = 11.0
LEGEND_SIZE = 9.0
# Wrap widths in display units (a CJK character counts 2): ~13 Chinese characters per cause line.
CAUSE_WRAP = 26
SUB_CAUSE_WRAP = 24
CATEGORY_WRAP = 20
EFFECT_WRAP = 18
TITLE_WRAP = 80

SLOPE = 0.45  # horizontal run of a bone per point of height (bones lean at ~66°)
BONE_PAD = 7.0  # text right edge to its bone (room for the verified marker on the bone)
LINE_RISE = 1.5  # a cause's text sits this far above its branch line
SUB_INDENT = 14.0  # sub-causes end this far left of their cause, leaving room for the twig
SUB_GAP = 2.5
BLOCK_GAP = 8.0  # between two causes on one bone
SPINE_CLEARANCE = 12.0  # no cause text closer than this to the spine
COLUMN_GAP = 14.0  # between a text's left edge and the next bone to its left
LABEL_GAP = 8.0  # between the outermost cause and the category box
MIN_BONE = 36.0
MIN_COLUMN_SPACING = 60.0
CATEGORY_PAD = 0.45  # box padding, as a fraction of the font size (matplotlib's boxstyle pad)
EFFECT_PAD = 0.6
MIN_SPINE = 240.0  # the spine of a diagram without categories
SPINE_TAIL = 36.0
MARGIN = 16.0
TITLE_GAP = 14.0
LEGEND_GAP = 12.0


@dataclass(frozen=True)
class FishboneCause:
    text: str
    verified: bool = False
    children: Sequence[FishboneCause] = ()


@dataclass(frozen=True)
class FishboneCategory:
    name: str
    causes: Sequence[FishboneCause] = ()


@dataclass
class _Label:
    """A text artist with its measured size in points, placed once the layout is known."""

    artist: Text
    width: float
    height: float

    def place(self, x: float, y: float) -> None:
        self.artist.set_position((x, y))


@dataclass
class _Bounds:
    left: float = 0.0
    right: float = 0.0
    bottom: float = 0.0
    top: float = 0.0

    def include(self, left: float, bottom: float, right: float, top: float) -> None:
        self.left, self.right = min(self.left, left), max(self.right, right)
        self.bottom, self.top = min(self.bottom, bottom), max(self.top, top)


@dataclass
class _CauseBlock:
    """One cause with its sub-causes: the cause text, its branch line, then the sub-causes below."""

    cause: FishboneCause
    text: _Label
    subs: list[tuple[FishboneCause, _Label]]

    @property
    def height(self) -> float:
        return self.text.height + LINE_RISE + sum(SUB_GAP + label.height for _, label in self.subs)


@dataclass
class _Bone:
    category: FishboneCategory
    label: _Label
    side: int  # +1 above the spine, -1 below
    blocks: list[_CauseBlock] = field(default_factory=list)

    @property
    def length(self) -> float:
        stacked = sum(block.height for block in self.blocks) + BLOCK_GAP * max(len(self.blocks) - 1, 0)
        return max(SPINE_CLEARANCE + stacked + LABEL_GAP, MIN_BONE)

    @property
    def label_width(self) -> float:
        return self.label.width + 2 * CATEGORY_PAD * CATEGORY_SIZE


class _Drawing:
    """What one diagram draws, in a coordinate system whose first spine point is (0, 0).

    Artists are created (and measured) up front; positions, lines and markers are recorded here and
    only turned into final coordinates by ``_finish`` once the size of the whole diagram is known.
    """

    def __init__(self, ax: Axes, points_per_pixel: float):
        self.ax = ax
        self.renderer = ax.figure.canvas.get_renderer()
        self.points_per_pixel = points_per_pixel
        self.placed: list[tuple[_Label, float, float]] = []
        self.lines: list[tuple[list[float], list[float], dict]] = []
        self.markers: list[tuple[float, float, float]] = []
        self.cause_boxes: list[tuple[float, float, float]] = []  # (left, bottom, top) of cause texts
        self.bounds = _Bounds()
        self.spine = (0.0, MIN_SPINE)

    def label(self, text: str, *, size: float, **style) -> _Label:
        artist = self.ax.text(0, 0, text, fontsize=size, **style)
        extent = artist.get_window_extent(self.renderer)
        return _Label(artist, extent.width * self.points_per_pixel, extent.height * self.points_per_pixel)

    def put(self, label: _Label, x: float, y: float, *, left: float, bottom: float, pad: float = 0.0) -> None:
        """Place ``label`` at (x, y); ``left``/``bottom`` is its box corner, used for the bounds."""
        self.placed.append((label, x, y))
        self.bounds.include(left - pad, bottom - pad, left + label.width + pad, bottom + label.height + pad)

    def put_cause(self, label: _Label, right: float, bottom: float) -> None:
        self.put(label, right, bottom, left=right - label.width, bottom=bottom)
        self.cause_boxes.append((right - label.width, bottom, bottom + label.height))

    def line(self, xs: list[float], ys: list[float], **style) -> None:
        self.lines.append((xs, ys, style))
        self.bounds.include(min(xs), min(ys), max(xs), max(ys))

    def reach(self) -> float:
        """How far left of the spine point x=0 the cause text reaches, measured parallel to the bones.

        A text block at heights [bottom, top] is clear of a bone starting D points further left when
        its left edge is right of that bone at the height nearest the spine: left ≥ −D − SLOPE·|y|.
        """
        reach = 0.0
        for left, bottom, top in self.cause_boxes:
            nearest = min(abs(bottom), abs(top))
            reach = max(reach, -left - SLOPE * nearest)
        return reach


def _check_depth(categories: Sequence[FishboneCategory]) -> None:
    for category in categories:
        for cause in category.causes:
            if any(child.children for child in cause.children):
                raise ValueError(f"Fishbone causes nest at most two levels deep: {cause.text!r}")


def _cause_style(verified: bool, size: float, colour: str) -> dict:
    return {
        "size": size,
        "color": PALETTE.verified if verified else colour,
        "fontweight": "bold" if verified else "normal",
        "ha": "right",
        "va": "bottom",
    }


def _bone_x(attach: float, y: float) -> float:
    return attach - SLOPE * abs(y)


def _layout_bone(drawing: _Drawing, bone: _Bone, attach: float, side_length: float) -> None:
    """Place one bone's causes, lines and category box; the spine point is (attach, 0)."""
    side = bone.side
    # Blocks are stacked from the spine outwards; the first cause ends up next to the category box.
    distance = SPINE_CLEARANCE
    for block in reversed(bone.blocks):
        top = side * (distance + block.height) if side > 0 else -distance
        _layout_block(drawing, block, attach, top)
        distance += block.height + BLOCK_GAP

    end = side * side_length
    end_x = _bone_x(attach, end)
    drawing.line([attach, end_x], [0, end], color=PALETTE.primary, linewidth=1.6, zorder=2)
    pad = CATEGORY_PAD * CATEGORY_SIZE
    label_bottom = end + pad if side > 0 else end - pad - bone.label.height
    drawing.put(
        bone.label,
        end_x,
        label_bottom,
        left=end_x - bone.label.width / 2,
        bottom=label_bottom,
        pad=pad,
    )


def _layout_block(drawing: _Drawing, block: _CauseBlock, attach: float, top: float) -> None:
    text = block.text
    text_bottom = top - text.height
    text_right = min(_bone_x(attach, top), _bone_x(attach, text_bottom)) - BONE_PAD
    drawing.put_cause(text, text_right, text_bottom)

    line_y = text_bottom - LINE_RISE
    line_left = text_right - text.width
    verified = block.cause.verified
    # Sub-causes hang below the branch line, right-aligned on one edge SUB_INDENT left of their cause
    # (further left if the bone leans in), joined by short ticks to a vertical twig under the line.
    rows = []
    cursor = line_y
    for sub_cause, sub in block.subs:
        sub_top = cursor - SUB_GAP
        cursor = sub_top - sub.height
        rows.append((sub_cause, sub, cursor))
    if rows:
        bone_limit = min(_bone_x(attach, y) for y in (line_y, cursor)) - BONE_PAD
        sub_right = min(text_right, bone_limit) - SUB_INDENT
        twig_x = sub_right + SUB_INDENT / 2
        for sub_cause, sub, sub_bottom in rows:
            drawing.put_cause(sub, sub_right, sub_bottom)
            middle = sub_bottom + sub.height / 2
            drawing.line([sub_right + 2, twig_x], [middle, middle], color=PALETTE.spine, linewidth=0.8)
            if sub_cause.verified:
                drawing.markers.append((twig_x, middle, 5.0))
        last_middle = rows[-1][2] + rows[-1][1].height / 2
        drawing.line([twig_x, twig_x], [line_y, last_middle], color=PALETTE.spine, linewidth=0.8)
        line_left = min(line_left, twig_x)
    junction = _bone_x(attach, line_y)
    drawing.line(
        [line_left, junction],
        [line_y, line_y],
        color=PALETTE.verified if verified else PALETTE.spine,
        linewidth=1.4 if verified else 0.9,
        zorder=2,
    )
    if verified:
        drawing.markers.append((junction, line_y, 7.0))


def fishbone_figure(
    *,
    effect: str,
    categories: Sequence[FishboneCategory],
    verified_label: str,
    title: str | None = None,
) -> Figure:
    """Fishbone diagram of ``effect``: categories on alternating bones, causes nested up to two levels.

    Verified root causes are bold, coloured and marked on their bone; a legend entry names them.
    The figure grows with the content (wrapped text is measured, then placed), so no text overlaps.
    """
    _check_depth(categories)
    with house_style():
        fig = figure((8.0, 5.0), layout=None)
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_axis_off()
        drawing = _Drawing(ax, 72 / fig.dpi)
        bones = _make_bones(drawing, categories)
        columns = [bones[i : i + 2] for i in range(0, len(bones), 2)]
        above_length = max((bone.length for bone in bones if bone.side > 0), default=0.0)
        below_length = max((bone.length for bone in bones if bone.side < 0), default=0.0)

        attaches = _column_positions(drawing, columns, above_length, below_length)

        effect_label = drawing.label(
            wrap_label(effect, EFFECT_WRAP),
            size=EFFECT_SIZE,
            color="white",
            ha="left",
            va="center",
            multialignment="center",
            bbox={
                "boxstyle": f"round,pad={EFFECT_PAD}",
                "facecolor": PALETTE.primary,
                "edgecolor": PALETTE.primary,
            },
        )
        effect_pad = EFFECT_PAD * EFFECT_SIZE
        last_attach = attaches[-1] if attaches else MIN_SPINE
        effect_left = max(last_attach + 20.0, drawing.bounds.right + 14.0)
        spine_tail = (attaches[0] if attaches else 0.0) - SPINE_TAIL
        drawing.spine = (spine_tail, effect_left)
        drawing.bounds.include(spine_tail, 0.0, effect_left, 0.0)
        drawing.put(
            effect_label,
            effect_left + effect_pad,
            0.0,
            left=effect_left + effect_pad,
            bottom=-effect_label.height / 2,
            pad=effect_pad,
        )
        _finish(fig, ax, drawing, title=title, verified_label=verified_label)
    return fig


def _arrow(start: tuple[float, float], end: tuple[float, float]) -> FancyArrowPatch:
    return FancyArrowPatch(
        start,
        end,
        arrowstyle="-|>",
        mutation_scale=16,
        linewidth=2.2,
        color=PALETTE.text,
        shrinkA=0,
        shrinkB=0,
        zorder=3,
    )


def _make_bones(drawing: _Drawing, categories: Sequence[FishboneCategory]) -> list[_Bone]:
    bones = []
    for index, category in enumerate(categories):
        label = drawing.label(
            wrap_label(category.name, CATEGORY_WRAP),
            size=CATEGORY_SIZE,
            color=PALETTE.primary,
            ha="center",
            va="bottom",
            multialignment="center",
            bbox={
                "boxstyle": f"round,pad={CATEGORY_PAD}",
                "facecolor": PALETTE.box_fill,
                "edgecolor": PALETTE.primary,
                "linewidth": 1.0,
            },
        )
        bone = _Bone(category=category, label=label, side=1 if index % 2 == 0 else -1)
        for cause in category.causes:
            text = drawing.label(
                wrap_label(cause.text, CAUSE_WRAP), **_cause_style(cause.verified, CAUSE_SIZE, PALETTE.text)
            )
            subs = [
                (
                    child,
                    drawing.label(
                        wrap_label(child.text, SUB_CAUSE_WRAP),
                        **_cause_style(child.verified, SUB_CAUSE_SIZE, PALETTE.muted_text),
                    ),
                )
                for child in cause.children
            ]
            bone.blocks.append(_CauseBlock(cause=cause, text=text, subs=subs))
        bones.append(bone)
    return bones


def _column_positions(
    drawing: _Drawing, columns: list[list[_Bone]], above_length: float, below_length: float
) -> list[float]:
    """Lay the columns out left to right; returns each column's spine point.

    Each column is first laid out on a scratch drawing at x=0 to measure how far its text reaches
    left; it then goes that far (plus a gap) right of the previous column.
    """
    attaches: list[float] = []
    previous: list[_Bone] = []
    for column in columns:
        scratch = _Drawing(drawing.ax, drawing.points_per_pixel)
        for bone in column:
            _layout_bone(scratch, bone, 0.0, above_length if bone.side > 0 else below_length)
        attach = 0.0
        if attaches:
            spacing = max(scratch.reach() + COLUMN_GAP, _label_spacing(previous, column), MIN_COLUMN_SPACING)
            attach = attaches[-1] + spacing
        for bone in column:
            _layout_bone(drawing, bone, attach, above_length if bone.side > 0 else below_length)
        attaches.append(attach)
        previous = column
    return attaches


def _label_spacing(left_column: list[_Bone], right_column: list[_Bone]) -> float:
    """Same-side category boxes of neighbouring columns must not touch."""
    spacing = 0.0
    for left in left_column:
        for right in right_column:
            if left.side == right.side:
                spacing = max(spacing, (left.label_width + right.label_width) / 2 + 10.0)
    return spacing


def _finish(fig: Figure, ax: Axes, drawing: _Drawing, *, title: str | None, verified_label: str) -> None:
    """Add title and legend around the diagram, move everything into place and size the figure."""
    bounds = drawing.bounds
    title_label = None
    if title:
        title_label = drawing.label(wrap_label(title, TITLE_WRAP), size=TITLE_SIZE + 1, ha="center", va="top")
    legend_label = drawing.label(
        verified_label, size=LEGEND_SIZE, color=PALETTE.verified, fontweight="bold", ha="right", va="bottom"
    )
    legend_width = legend_label.width + 16.0
    title_width = title_label.width if title_label else 0.0
    content_width = bounds.right - bounds.left
    width = max(content_width, title_width, legend_width) + 2 * MARGIN
    title_height = title_label.height + TITLE_GAP if title_label else 0.0
    legend_height = legend_label.height + LEGEND_GAP
    height = bounds.top - bounds.bottom + title_height + legend_height + 2 * MARGIN

    dx = MARGIN + (width - 2 * MARGIN - content_width) / 2 - bounds.left
    dy = MARGIN + legend_height - bounds.bottom
    for label, x, y in drawing.placed:
        label.place(x + dx, y + dy)
    for xs, ys, style in drawing.lines:
        ax.add_line(Line2D([x + dx for x in xs], [y + dy for y in ys], solid_capstyle="round", **style))
    for x, y, size in drawing.markers:
        ax.add_line(
            Line2D(
                [x + dx],
                [y + dy],
                marker="o",
                markersize=size,
                markerfacecolor=PALETTE.verified,
                markeredgecolor="white",
                markeredgewidth=0.8,
                zorder=4,
            )
        )
    spine_start, spine_end = drawing.spine
    ax.add_patch(_arrow((spine_start + dx, dy), (spine_end + dx, dy)))

    if title_label:
        title_label.place(width / 2, height - MARGIN)
    legend_label.place(width - MARGIN, MARGIN)
    ax.add_line(
        Line2D(
            [width - MARGIN - legend_label.width - 9.0],
            [MARGIN + legend_label.height / 2],
            marker="o",
            markersize=7.0,
            markerfacecolor=PALETTE.verified,
            markeredgecolor="white",
            markeredgewidth=0.8,
        )
    )
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    fig.set_size_inches(width / 72, height / 72)
