"""A snapshot as downloads: its file names and its data as CSV (shared by the pages and the API)."""

from __future__ import annotations

import csv
import io

from django.utils import translation

from .kinds import ChartKind
from .models import ChartSnapshot


def filename(snapshot: ChartSnapshot, extension: str, language: str = "") -> str:
    """``<kind>-<scope>-<period>[-<language>].<extension>``, e.g. ``kpi_trend-team-3-2026-W48-en.png``."""
    parts = [snapshot.kind, snapshot.scope.replace(":", "-"), snapshot.period, language]
    return "-".join(part for part in parts if part) + f".{extension}"


def csv_bytes(kind: ChartKind, snapshot: ChartSnapshot, language: str) -> bytes:
    """The snapshot's data as its kind tabulates it, headings in ``language``, UTF-8 with a BOM (so
    Excel reads Chinese names correctly)."""
    with translation.override(language):
        header, rows = kind.table(snapshot.data)
        buffer = io.StringIO()
        buffer.write("\ufeff")
        writer = csv.writer(buffer)
        writer.writerow([str(cell) for cell in header])
        writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")
