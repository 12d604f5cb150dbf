"""How much room a text takes in the SOP document: a conservative estimate of the width of
text set in Liberation Sans (metric-compatible with Arial), and greedy line wrapping.

The SOP AP flowchart table (Permenpan-RB 35/2012) is paginated by ``jaga.sop.layout``
before the browser or WeasyPrint sees it, so each row's height must be known in advance.
The widths below are the font's advance widths rounded *up* to a few classes, times a
safety factor, so a line that fits here also fits when the real font sets it; a row is at
worst a little taller than it needs to be, never too short.
"""

from __future__ import annotations

PT_TO_MM = 25.4 / 72

# Advance widths in em, each class the widest of its members (Liberation Sans Regular).
_CLASSES: tuple[tuple[float, str], ...] = (
    (0.28, " fijltI.,:;!'|/\\[]"),
    (0.36, 'r-()"`{}'),
    (0.5, "cksvxyzJ*^"),
    (0.56, "abdeghnopqu0123456789?$#_L"),
    (0.59, "+=<>~"),
    (0.62, "FTZ"),
    (0.67, "ABEKPSVXY&"),
    (0.73, "wCDHNRU"),
    (0.78, "GOQ"),
    (0.89, "mM%"),
    (1.02, "W@—"),
)
_WIDTH: dict[str, float] = {char: width for width, chars in _CLASSES for char in chars}
_OTHER = 0.6  # letters with diacritics, typographic quotes, anything not listed
_BOLD = 1.1  # Liberation Sans Bold is up to ~10 % wider
SAFETY = 1.04


def text_width(text: str, size_pt: float, *, bold: bool = False) -> float:
    """Estimated width in mm of ``text`` on one line at ``size_pt`` points."""
    ems = sum(_WIDTH.get(char, _OTHER) for char in text)
    return ems * size_pt * PT_TO_MM * SAFETY * (_BOLD if bold else 1.0)


def _split_word(word: str, width: float, size_pt: float, bold: bool) -> list[str]:
    """``word`` cut into pieces no wider than ``width`` (CSS ``overflow-wrap: anywhere``)."""
    pieces: list[str] = []
    current = ""
    for char in word:
        if current and text_width(current + char, size_pt, bold=bold) > width:
            pieces.append(current)
            current = char
        else:
            current += char
    if current:
        pieces.append(current)
    return pieces


def wrap(text: str, width: float, size_pt: float, *, bold: bool = False) -> list[str]:
    """``text`` broken into lines no wider than ``width`` mm at ``size_pt`` points, the way a
    browser fills a line: greedily at spaces, cutting a word only when it is longer than a
    whole line. Explicit newlines start new lines. An empty text is no lines."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current = ""
        for word in paragraph.split():
            candidate = f"{current} {word}" if current else word
            if text_width(candidate, size_pt, bold=bold) <= width:
                current = candidate
                continue
            if current:
                lines.append(current)
            pieces = _split_word(word, width, size_pt, bold)
            lines.extend(pieces[:-1])
            current = pieces[-1]
        if current:
            lines.append(current)
    return lines


def text_height(
    text: str, width: float, size_pt: float, line_height: float, *, bold: bool = False
) -> float:
    """Height in mm of ``text`` wrapped to ``width`` mm, ``line_height`` being the CSS
    ``line-height`` factor."""
    return len(wrap(text, width, size_pt, bold=bold)) * size_pt * PT_TO_MM * line_height
