"""The SOP's flowchart table as plain text (``jaga sop show``): No | Kegiatan | one column
per lane (the swimlanes) | Waktu | Output | where the step leads."""

from __future__ import annotations

import textwrap

from jaga.sop.schema import END, SopSpec, Step, StepKind

SYMBOL = {
    StepKind.DECISION: "◇",
    StepKind.CHECK: "◇",
}
PROCESS = "□"
KEGIATAN_WIDTH = 38
LANE_WIDTH = 11
OUTPUT_WIDTH = 22


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _leads(spec: SopSpec, step: Step) -> str:
    if step.kind is StepKind.DECISION:
        return ", ".join(f"{b.label}→{b.next}" for b in step.branches)
    following = spec.following(step)
    text = "selesai" if following == END else f"→{following}"
    if step.kind is StepKind.CHECK:
        text += " (kembali: " + ", ".join(step.return_to) + ")"
    elif step.next is not None:
        text = f"→{step.next}" if step.next != END else "selesai"
    return text


def text_table(spec: SopSpec) -> str:
    """The table of ``spec`` as lines of text (wrapped cells, ``□`` process, ``◇``
    decision or check in the step's lane columns)."""
    lanes = spec.lanes
    header = [
        "No".ljust(4),
        "Kegiatan".ljust(KEGIATAN_WIDTH),
        *(_clip(lane.label, LANE_WIDTH).ljust(LANE_WIDTH) for lane in lanes),
        "Waktu".ljust(12),
        "Output".ljust(OUTPUT_WIDTH),
        "Lanjut",
    ]
    rows = [" | ".join(header), "-+-".join("-" * len(cell) for cell in header)]
    for step in spec.steps:
        kegiatan = textwrap.wrap(step.kegiatan, KEGIATAN_WIDTH) or [""]
        output = textwrap.wrap(step.output, OUTPUT_WIDTH) or [""]
        height = max(len(kegiatan), len(output))
        symbol = SYMBOL.get(step.kind, PROCESS)
        for line in range(height):
            cells = [
                (step.no if line == 0 else "").ljust(4),
                (kegiatan[line] if line < len(kegiatan) else "").ljust(KEGIATAN_WIDTH),
                *(
                    (symbol if line == 0 and lane.key in step.all_lanes else "").center(LANE_WIDTH)
                    for lane in lanes
                ),
                (step.waktu if line == 0 else "").ljust(12),
                (output[line] if line < len(output) else "").ljust(OUTPUT_WIDTH),
                _leads(spec, step) if line == 0 else "",
            ]
            rows.append(" | ".join(cells).rstrip())
    return "\n".join(rows)
