"""Chart kinds of this family (being written)."""

from .base import ChartKind

KINDS: list[ChartKind] = []
