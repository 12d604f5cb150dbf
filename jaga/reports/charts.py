"""Small charts as inline SVG, for the report documents (WeasyPrint renders inline SVG) and
any page: no chart library, no script, no network (architecture.md: documents are rendered
from the shipped fonts and their own data only).

``bar_chart`` draws horizontal bars, one per labelled value, with the value printed at the
end of each bar and a scale of ticks along the bottom. The SVG is sized in millimetres
(``width_mm``; the height follows the number of bars) and drawn in a user space of 1 unit =
0.1 mm, so text sizes are in tenths of a millimetre. Every text is XML-escaped: a label
(a device's name) can hold any character.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

#: The font the documents ship (``jaga.documents.pdf.FONT_FAMILY``).
FONT_FAMILY = "Liberation Sans"
#: Units per millimetre of the drawing's user space.
_SCALE = 10
_BAR_H = 42  # 4.2 mm per bar
_GAP = 18  # 1.8 mm between bars
_TEXT = 30  # 3.0 mm text, about 8.5 pt
_TOP = 12
_AXIS = 60  # room for the tick labels under the bars


@dataclass(frozen=True)
class Bar:
    """One bar: its ``label`` and ``value`` (None: no data, drawn as an empty row with
    ``empty_text``); ``text``: what is printed at the bar's end (default: the value as
    ``bar_chart``'s ``value_text`` formats it)."""

    label: str
    value: float | None
    text: str = ""


def nice_floor(values: Sequence[float | None], step: float = 10.0) -> float:
    """The largest multiple of ``step`` at or below the smallest value, at least 0 (0 when
    no value is given): a scale's start that keeps small differences near the top visible
    (e.g. 97.1 % and 99.9 % on a scale from 90 %)."""
    known = [value for value in values if value is not None]
    if not known:
        return 0.0
    return max(0.0, math.floor(min(known) / step) * step)


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    span = high - low
    return [low + span * i / (count - 1) for i in range(count)]


def bar_chart(
    bars: Sequence[Bar],
    *,
    low: float = 0.0,
    high: float = 100.0,
    width_mm: float = 160.0,
    label_mm: float = 55.0,
    value_text: Callable[[float], str] = lambda value: f"{value:g}",
    tick_text: Callable[[float], str] = lambda value: f"{value:g}",
    empty_text: str = "-",
    title: str = "",
    color: str = "#206bc4",
    low_color: str = "#d63939",
    threshold: float | None = None,
    fluid: bool = False,
) -> str:
    """An SVG document (a string starting ``<svg``) of horizontal ``bars`` on a scale
    from ``low`` to ``high`` (values outside are drawn at the nearer end; ``high`` must
    exceed ``low``, else ``ValueError``). ``width_mm`` is the whole width in millimetres,
    ``label_mm`` the column of labels on the left (longer labels are cut with "…"). Bars
    below ``threshold`` (when given) are drawn in ``low_color``. ``title`` becomes the
    SVG's ``<title>`` (read by screen readers). ``fluid``: as wide as its container (a
    page), the height following; else ``width_mm`` wide (a document). With no bars: a
    chart of no rows."""
    if not high > low:
        raise ValueError(f"the scale's high end ({high}) must exceed its low end ({low})")
    width = round(width_mm * _SCALE)
    left = round(label_mm * _SCALE)
    right_room = 160  # 16 mm for the value printed after a full bar
    plot = width - left - right_room
    rows = max(len(bars), 1)
    height = _TOP + rows * (_BAR_H + _GAP) + _AXIS
    size = (
        'width="100%"' if fluid else f'width="{width / _SCALE:g}mm" height="{height / _SCALE:g}mm"'
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" {size} viewBox="0 0 {width} {height}" '
        f'font-family="{FONT_FAMILY}" font-size="{_TEXT}" role="img">'
    ]
    if title:
        parts.append(f"<title>{escape(title)}</title>")
    bottom = _TOP + rows * (_BAR_H + _GAP)
    for tick in _ticks(low, high):
        x = left + round((tick - low) / (high - low) * plot)
        parts.append(
            f'<line x1="{x}" y1="{_TOP - 4}" x2="{x}" y2="{bottom}" stroke="#cccccc" '
            'stroke-width="3"/>'
        )
        parts.append(
            f'<text x="{x}" y="{bottom + 36}" text-anchor="middle" fill="#333333">'
            f"{escape(tick_text(tick))}</text>"
        )
    max_chars = max(4, int(left / (_TEXT * 0.55)))
    for index, bar in enumerate(bars):
        y = _TOP + index * (_BAR_H + _GAP)
        label = bar.label if len(bar.label) <= max_chars else bar.label[: max_chars - 1] + "…"
        parts.append(
            f'<text x="{left - 20}" y="{y + _BAR_H - 11}" text-anchor="end" fill="#000000">'
            f"{escape(label)}</text>"
        )
        if bar.value is None:
            parts.append(
                f'<text x="{left + 10}" y="{y + _BAR_H - 11}" fill="#666666">'
                f"{escape(bar.text or empty_text)}</text>"
            )
            continue
        clipped = min(max(bar.value, low), high)
        length = max(round((clipped - low) / (high - low) * plot), 2)
        fill = low_color if threshold is not None and bar.value < threshold else color
        parts.append(
            f'<rect x="{left}" y="{y}" width="{length}" height="{_BAR_H}" fill={quoteattr(fill)}/>'
        )
        parts.append(
            f'<text x="{left + length + 12}" y="{y + _BAR_H - 11}" fill="#000000">'
            f"{escape(bar.text or value_text(bar.value))}</text>"
        )
    parts.append(
        f'<line x1="{left}" y1="{_TOP - 4}" x2="{left}" y2="{bottom}" stroke="#000000" '
        'stroke-width="4"/>'
    )
    parts.append("</svg>")
    return "".join(parts)
