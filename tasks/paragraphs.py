"""Paragraphs first: a hard-wrapped text dump (a text browser's output, lines cut at a fixed
width) re-joined into paragraphs before any line is judged.

A dump is hard-wrapped when its line widths pile up just under one width W: the browser put
as many words on a line as fitted. A line then continues on the next exactly when the next
line's first word would not have fitted after it (width + 1 + first word > W): the classic
re-flow test, which needs no punctuation and so works in any language and script. A browser's
own dump (one paragraph a line) has no such pile-up and is left as it is.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

# Too few long lines to tell a wrap width from chance.
MIN_LONG_LINES = 8
# A wrapped dump's full lines sit within this many columns of the width...
FULL_LINE_SLACK = 12
# ...and at least this share of its lines of W/2 columns or more are full.
MIN_FULL_SHARE = 0.45
# Widths a text browser wraps at; wider "wraps" are a browser dump's long paragraphs.
MAX_WRAP_WIDTH = 200
MIN_WRAP_WIDTH = 40
# Bullets and list markers a text browser puts in front of a list item: a new paragraph.
_ITEM_MARKERS = ("•", "□", "☆", "◦", "▪", "■", "*", "-", "·", "–", "—", "○", "●")


@dataclass(frozen=True, slots=True)
class Paragraph:
    line_no: int        # 1-based number of its first line in the input
    text: str           # its lines joined by one space; "" for a blank line


def display_width(text: str) -> int:
    """Columns a terminal gives the text: wide East Asian characters take two, combining
    marks none."""
    width = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def wrap_width(lines: list[str]) -> int | None:
    """The width the dump was hard-wrapped at, or None when it was not."""
    widths = [display_width(line.rstrip()) for line in lines if line.strip()]
    if len(widths) < MIN_LONG_LINES:
        return None
    # The width most long lines reach but do not pass: the top of the pile-up.
    ranked = sorted(widths)
    width = ranked[int(0.98 * (len(ranked) - 1))]
    if not MIN_WRAP_WIDTH <= width <= MAX_WRAP_WIDTH:
        return None
    long_lines = [w for w in widths if w >= width / 2]
    full = sum(1 for w in long_lines if width - FULL_LINE_SLACK <= w <= width)
    if len(long_lines) < MIN_LONG_LINES or full < MIN_FULL_SHARE * len(long_lines):
        return None
    # Lines past the width are rare in a wrapped dump (an unbreakable URL).
    if sum(1 for w in widths if w > width) > 0.02 * len(widths) + 1:
        return None
    return width


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def rejoin(lines: list[str]) -> list[Paragraph]:
    """The dump's paragraphs: its lines as they are, unless it is hard-wrapped (wrap_width);
    then each run of lines the wrapping cut is one paragraph again."""
    width = wrap_width(lines)
    if width is None:
        return [Paragraph(no, line.strip()) for no, line in enumerate(lines, start=1)]
    out: list[Paragraph] = []
    current: list[str] = []
    start = 0
    previous = ""
    for no, line in enumerate(lines, start=1):
        text = line.strip()
        if current and text and _continues(previous, line, width):
            current.append(text)
        else:
            if current:
                out.append(Paragraph(start, " ".join(current)))
            current, start = ([text], no) if text else ([], no)
            if not text:
                out.append(Paragraph(no, ""))
        previous = line
    if current:
        out.append(Paragraph(start, " ".join(current)))
    return out


def _continues(previous: str, line: str, width: int) -> bool:
    """Whether `line` is the rest of the paragraph `previous` was cut from."""
    text = line.strip()
    if text.startswith(_ITEM_MARKERS) or _indent(line) > _indent(previous) + 4:
        return False
    first_word = text.split(maxsplit=1)[0]
    return display_width(previous.rstrip()) + 1 + display_width(first_word) > width
