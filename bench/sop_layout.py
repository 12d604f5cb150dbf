"""Benchmark of the SOP flowchart's drawing cache (``jaga.sop.drawing.flowchart_svgs``).

Run: ``.venv/bin/python -m bench.sop_layout [--rounds 3]`` (no database needed).

Each round draws every library SOP (``jaga/sop/library``: layout, routing with the label
placement, SVG) ``--rounds`` times over: *cold* with the cache emptied before each SOP (what
the first view of an SOP's content in a process costs), *warm* from the cache (every later
page view, PDF or builder preview of the same content: a digest of the spec and a lookup).
The specs are parsed once beforehand, as the models do (``SopDefinition.spec`` is cached per
content hash). Prints the median time of one pass over the library, cold and warm, per SOP
cold, and the ratio cold / warm; both are measured in the same run because these machines
are noisy.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from datetime import UTC, datetime

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jaga.settings")
django.setup()

from jaga.sop.drawing import _drawn, flowchart_svgs  # noqa: E402
from jaga.sop.schema import SopSpec  # noqa: E402
from jaga.sop.services import LIBRARY  # noqa: E402
from jaga.sop.validate import load_spec  # noqa: E402

PASSES = 5


def library() -> dict[str, SopSpec]:
    """Every library SOP, parsed, by file stem."""
    return {
        path.stem: load_spec(path.read_text(encoding="utf-8"), str(path))
        for path in sorted(LIBRARY.glob("*.yaml"))
    }


def one_pass(specs: dict[str, SopSpec], *, cold: bool) -> float:
    """Seconds to draw every spec once; ``cold`` empties the cache before each."""
    started = time.perf_counter()
    for spec in specs.values():
        if cold:
            _drawn.cache_clear()
        flowchart_svgs(spec)
    return time.perf_counter() - started


def per_spec_cold(specs: dict[str, SopSpec], rounds: int) -> dict[str, float]:
    """Median seconds to draw each spec with an empty cache."""
    samples: dict[str, list[float]] = {name: [] for name in specs}
    for _ in range(rounds):
        for name, spec in specs.items():
            _drawn.cache_clear()
            started = time.perf_counter()
            flowchart_svgs(spec)
            samples[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds of passes (default 3)")
    args = parser.parse_args()
    specs = library()
    one_pass(specs, cold=True)  # imports and font metrics warmed up
    cold, warm = [], []
    for _ in range(args.rounds):
        cold += [one_pass(specs, cold=True) for _ in range(PASSES)]
        _drawn.cache_clear()
        one_pass(specs, cold=False)  # fills the cache
        warm += [one_pass(specs, cold=False) for _ in range(PASSES)]
    cold_s, warm_s = statistics.median(cold), statistics.median(warm)
    print(
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {len(specs)} library SOPs, "
        f"median of {args.rounds}x{PASSES} passes"
    )
    for name, seconds in per_spec_cold(specs, args.rounds).items():
        print(f"  cold {name:<48} {seconds * 1e3:>8.2f} ms")
    print(f"{'one pass, cold (layout + routing + SVG)':<42} {cold_s * 1e3:>9.2f} ms")
    print(f"{'one pass, warm (digest + cache lookup)':<42} {warm_s * 1e3:>9.2f} ms")
    print(f"{'ratio cold / warm':<42} {cold_s / warm_s:>8.0f}x")


if __name__ == "__main__":
    main()
