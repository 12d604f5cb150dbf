"""QR codes as inline SVG (segno), for the verification link printed on every document."""

from __future__ import annotations

import io

import segno


def qr_svg(url: str, *, size_mm: float = 22) -> str:
    """An ``<svg>`` element (no XML declaration) encoding ``url`` with error correction
    level M, drawn ``size_mm`` millimetres wide, black on white."""
    code = segno.make_qr(url, error="m")
    buffer = io.BytesIO()
    code.save(buffer, kind="svg", xmldecl=False, svgns=True, border=2, unit="mm")
    svg = buffer.getvalue().decode()
    width, _ = code.symbol_size(border=2)
    return svg.replace(
        f'width="{width}mm" height="{width}mm"', f'width="{size_mm}mm" height="{size_mm}mm"', 1
    )
