"""Wrapping chart labels by display width: a CJK character is as wide as two Latin ones."""

from __future__ import annotations

import unicodedata

# Wide closing punctuation must not start a line (the Chinese line-breaking rule, 禁则); it stays on the
# line before even if that line becomes one character too long. Narrow punctuation is part of its word.
_NO_LINE_START = set("，。、；：！？）」』》】〕〉’”％")


def char_width(char: str) -> int:
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def display_width(text: str) -> int:
    """Width in Latin-character units: CJK (wide/full-width) characters count 2, others 1."""
    return sum(char_width(char) for char in text)


def _tokens(text: str) -> list[str]:
    """Break opportunities: whitespace runs, runs of narrow characters (words), single wide characters."""
    tokens: list[str] = []
    for char in text:
        previous = tokens[-1] if tokens else ""
        narrow_word = not char.isspace() and char_width(char) == 1
        if narrow_word and previous and not previous.isspace() and char_width(previous[-1]) == 1:
            tokens[-1] = previous + char
        elif char.isspace() and previous.isspace():
            tokens[-1] = previous + char
        else:
            tokens.append(char)
    return tokens


def longest_word_width(text: str) -> int:
    """The width of the widest unbreakable piece: a Latin word (CJK text can break at any character)."""
    return max((display_width(token) for token in _tokens(str(text)) if not token.isspace()), default=0)


def wrap_lines(text: str, width: int) -> list[str]:
    """Greedy wrap into lines of at most ``width`` units; words longer than a line are split."""
    text, width = str(text), max(width, 2)  # str(): callers may pass lazy translations
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line, used = "", 0
        for token in _tokens(paragraph.strip()):
            size = display_width(token)
            if token.isspace():
                if line:
                    line, used = line + " ", used + 1
                continue
            if used + size <= width or (token in _NO_LINE_START and line):
                line, used = line + token, used + size
                continue
            if line.strip():
                lines.append(line.rstrip())
            line, used = "", 0
            while size > width:  # a single word wider than the line: split it
                cut, cut_width = 0, 0
                while cut < len(token) and cut_width + char_width(token[cut]) <= width:
                    cut_width += char_width(token[cut])
                    cut += 1
                lines.append(token[:cut])
                token = token[cut:]
                size = display_width(token)
            line, used = token, size
        lines.append(line.rstrip())
    return lines


def balanced_lines(text: str, width: int) -> list[str]:
    """As wrap_lines, but as narrow as possible for the same number of lines (no one-character orphan)."""
    lines = wrap_lines(text, width)
    # Never narrower than the widest word: same number of lines, but with a word cut in two.
    while width > max(2, longest_word_width(text)):
        narrower = wrap_lines(text, width - 1)
        if len(narrower) > len(lines):
            break
        lines, width = narrower, width - 1
    return lines


def wrap_label(text: str, width: int) -> str:
    """``text`` wrapped to ``width`` display units with balanced lines, joined with newlines."""
    return "\n".join(balanced_lines(text, width))
