"""The one house style of every chart: palette, fonts and rc settings (no Django imports).

Chinese text needs a CJK font. Noto Sans CJK SC is registered once with matplotlib's font manager and
listed after DejaVu Sans: matplotlib ≥ 3.6 falls back per glyph, so Latin text keeps DejaVu Sans and
Chinese characters are drawn with Noto.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import matplotlib
from matplotlib import font_manager

logger = logging.getLogger(__name__)

FONT_PATH_ENV = "QA_CENTER_CJK_FONT"
LATIN_FAMILY = "DejaVu Sans"
# The font file carried by the `mplfonts` package; only the file is used, never the package's code.
_MPLFONTS_FILE = ("fonts", "NotoSansCJKsc-Regular.otf")
_SYSTEM_FAMILY_HINTS = ("CJK SC", "WenQuanYi")


@dataclass(frozen=True)
class Palette:
    primary: str = "#1f5f8b"  # bars; the "vital few"
    primary_light: str = "#a9c8df"  # the remaining bars
    other: str = "#b5b5b5"  # the merged "Other" bar
    accent: str = "#e07b24"  # cumulative-percent and measured lines
    reference: str = "#6b6b6b"  # reference lines (80 % line, centre line)
    limit: str = "#b03a2e"  # control limits
    alert: str = "#d62728"  # out-of-control points
    verified: str = "#c0392b"  # verified root causes
    text: str = "#222222"
    muted_text: str = "#555555"
    grid: str = "#e3e3e3"
    spine: str = "#8a8a8a"
    box_fill: str = "#eef4f9"


PALETTE = Palette()

TITLE_SIZE = 13.0
LABEL_SIZE = 10.5
TICK_SIZE = 9.0
ANNOTATION_SIZE = 8.5


@dataclass(frozen=True)
class _CjkFont:
    family: str
    path: Path


_registration_lock = threading.Lock()
_registered = False
_cjk_font: _CjkFont | None = None

# rcParams are process-global: rc_context() changes them for everyone while it is active. Charts are
# built and rendered under this lock so two threads (e.g. a threaded dev server) never mix styles.
# Re-entrant because rendering helpers open house_style() again inside a chart function.
_style_lock = threading.RLock()


def _candidate_font_files() -> Iterator[Path]:
    configured = os.environ.get(FONT_PATH_ENV, "").strip()
    if configured:
        yield Path(configured)
    spec = importlib.util.find_spec("mplfonts")  # locates the package without importing it
    if spec is not None and spec.submodule_search_locations:
        yield Path(next(iter(spec.submodule_search_locations))).joinpath(*_MPLFONTS_FILE)


def _register_file(path: Path) -> _CjkFont | None:
    if not path.is_file():
        logger.warning("CJK font file %s does not exist; trying the next candidate", path)
        return None
    try:
        font_manager.fontManager.addfont(str(path))
        family = font_manager.get_font(str(path)).family_name
    except (OSError, RuntimeError, ValueError) as exc:
        logger.warning("Cannot load CJK font %s (%s); trying the next candidate", path, exc)
        return None
    return _CjkFont(family=family, path=path)


def _installed_system_font() -> _CjkFont | None:
    for entry in font_manager.fontManager.ttflist:
        if any(hint in entry.name for hint in _SYSTEM_FAMILY_HINTS):
            return _CjkFont(family=entry.name, path=Path(entry.fname))
    return None


def _alias_bold_weight(font: _CjkFont) -> None:
    """Let bold lookups of a regular-only CJK family find the regular face without a warning.

    Matplotlib would pick the regular face anyway, but logs "Failed to find font weight bold" for every
    bold title or label; the alias is the same entry with weight 700, as addfont() itself adds aliases.
    """
    manager = font_manager.fontManager
    entries = [entry for entry in manager.ttflist if entry.name == font.family]
    if not entries or any(_numeric_weight(entry.weight) >= 600 for entry in entries):
        return
    manager.ttflist.append(dataclasses.replace(entries[0], weight=700))
    manager._findfont_cached.cache_clear()  # as addfont() does: earlier lookups must not be reused


def _numeric_weight(weight: str | int) -> int:
    return weight if isinstance(weight, int) else font_manager.weight_dict.get(weight, 400)


def register_cjk_font() -> None:
    """Find and register a CJK font once: $QA_CENTER_CJK_FONT, then mplfonts' Noto, then a system font."""
    global _registered, _cjk_font
    if _registered:
        return
    with _registration_lock:
        if _registered:
            return
        found = None
        for path in _candidate_font_files():
            found = _register_file(path)
            if found is not None:
                break
        if found is None:
            found = _installed_system_font()
        if found is None:
            logger.warning("No CJK font found: Chinese text in charts will be drawn as empty boxes")
        else:
            _alias_bold_weight(found)
        _cjk_font = found
        _registered = True


def cjk_font_available() -> bool:
    register_cjk_font()
    return _cjk_font is not None


def cjk_font_file() -> Path | None:
    """The file Chinese glyphs are drawn from, or None when no CJK font was found."""
    register_cjk_font()
    return _cjk_font.path if _cjk_font else None


def font_family() -> list[str]:
    """Font families in fallback order, e.g. ["DejaVu Sans", "Noto Sans CJK SC"]."""
    register_cjk_font()
    return [LATIN_FAMILY, _cjk_font.family] if _cjk_font else [LATIN_FAMILY]


def _rc() -> dict[str, object]:
    return {
        "font.family": font_family(),
        "font.size": 10.0,
        "axes.titlesize": TITLE_SIZE,
        # Titles are not bold: the CJK font has one weight, and a bold "2025" inside a regular Chinese
        # title looks like a mistake.
        "axes.titleweight": "normal",
        "axes.titlepad": 10.0,
        "figure.titlesize": TITLE_SIZE + 1,
        "figure.titleweight": "normal",
        "axes.labelsize": LABEL_SIZE,
        "xtick.labelsize": TICK_SIZE,
        "ytick.labelsize": TICK_SIZE,
        "legend.fontsize": TICK_SIZE,
        "legend.frameon": False,
        # Labels come from users: "$" in "Refund $20" must stay text, not start mathtext.
        "text.parse_math": False,
        "text.color": PALETTE.text,
        "axes.labelcolor": PALETTE.text,
        "axes.edgecolor": PALETTE.spine,
        "axes.linewidth": 0.8,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "axes.grid.axis": "y",
        "axes.axisbelow": True,
        "grid.color": PALETTE.grid,
        "grid.linewidth": 0.8,
        "xtick.color": PALETTE.muted_text,
        "ytick.color": PALETTE.muted_text,
        "xtick.major.size": 3.0,
        "ytick.major.size": 3.0,
        "axes.unicode_minus": False,
        "figure.dpi": 100,
        "figure.facecolor": "white",
        "savefig.facecolor": "white",
        "savefig.bbox": None,
        "svg.fonttype": "path",  # glyphs as paths: the SVG shows the same text on any machine
        "svg.hashsalt": "qa-center-charts",  # fixed ids: the same data gives byte-identical SVG
        "pdf.fonttype": 3,
        "path.simplify": True,
    }


@contextmanager
def house_style() -> Iterator[None]:
    """Apply the house rc settings; create and render figures inside it (fonts are fixed at creation)."""
    register_cjk_font()
    with _style_lock, matplotlib.rc_context(rc=_rc()):
        yield
