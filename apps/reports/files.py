"""Where a snapshot's images live, and writing them so that no reader ever sees half a file.

Paths are fixed by (kind, scope, period, language): regenerating overwrites the same names. Each file
is written to a temporary name in the same folder, flushed to disk, then renamed over the old one;
rename within one file system is atomic, so a worker killed mid-write leaves the old image (or none)
and a stray temporary file that the next run of the same chart removes.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from django.conf import settings

ROOT = "reports"
_TEMP_PREFIX = ".tmp-"


def folder(kind: str, scope: str, period: str) -> str:
    """A snapshot's folder under MEDIA_ROOT, e.g. ``reports/qa_score_trend/team-3/2026-W48``."""
    return f"{ROOT}/{kind}/{scope.replace(':', '-')}/{period}"


def relative_path(kind: str, scope: str, period: str, language: str, extension: str) -> str:
    """The image's name under MEDIA_ROOT, e.g. ``reports/qa_score_trend/team-3/2026-W48/zh-hans.svg``."""
    return f"{folder(kind, scope, period)}/{language}.{extension}"


def absolute(relative: str) -> Path:
    return Path(settings.MEDIA_ROOT) / relative


def write_atomically(relative: str, content: bytes) -> None:
    target = absolute(relative)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(dir=target.parent, prefix=_TEMP_PREFIX)
    try:
        with os.fdopen(handle, "wb") as temp:
            temp.write(content)
            temp.flush()
            os.fsync(temp.fileno())
        os.chmod(temp_name, 0o644)
        os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def remove_leftovers(relative_folder: str) -> int:
    """Delete temporary files a killed worker left in a snapshot's folder; returns how many."""
    folder = absolute(relative_folder)
    removed = 0
    if folder.is_dir():
        for leftover in folder.glob(f"{_TEMP_PREFIX}*"):
            leftover.unlink(missing_ok=True)
            removed += 1
    return removed


def read(relative: str) -> bytes | None:
    try:
        return absolute(relative).read_bytes()
    except FileNotFoundError:
        return None
