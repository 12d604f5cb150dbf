"""Each demo agency gets the library SOP of the seed it is modelled on, and the agencies
whose seed is a periodic round also get a disruption SOP for the corrective work their
rounds open (issue 14 point 4).

Kota Bogor's and Kota Batam's own disruption SOPs are not among the seeds (Batam's seed 004
names "SOP Maintenance Gangguan Jaringan" in its Keterkaitan): the demo lends each the seed
whose lanes its organisation fills, Bolaang Mongondow Utara's seed 003 to Bogor (Kadis,
Kabid, Kasi, teknisi) and Pontianak's seed 002 to Batam (Kadis, Kabid, Kasi, staf)."""

from __future__ import annotations

from pathlib import Path

from jaga.org.demo.schema import DemoAgency
from jaga.sop.services import LIBRARY, LoadResult, load_file
from jaga.tenancy.models import Agency

#: The disruption SOP lent to the demo agencies whose seed is a periodic round.
DISRUPTION_SEEDS = {"bogor": "003", "batam": "002"}
#: Format 2 examples (not transcriptions of real SOPs) a demo agency also offers in its
#: service catalogue (issue 17): Pontianak's positions fill the example's lanes.
EXAMPLES = Path(__file__).resolve().parent / "examples"
EXAMPLE_SOPS = {"pontianak": ("pemasangan-access-point.yaml",)}


def load_demo_sops(agencies: tuple[DemoAgency, ...]) -> list[LoadResult]:
    """Load ``jaga/sop/library/<seed>-*.yaml`` for each demo agency, then its format 2
    examples (``EXAMPLE_SOPS``): the library's disruption SOP loads first and becomes
    the agency's default disruption service. Unchanged content loads nothing, so running
    the demo again changes nothing."""
    results = []
    for data in agencies:
        agency = Agency.objects.get(slug=data.slug)
        seeds = [
            data.seed,
            *([DISRUPTION_SEEDS[data.slug]] if data.slug in DISRUPTION_SEEDS else []),
        ]
        for seed in seeds:
            for path in sorted(LIBRARY.glob(f"{seed}-*.yaml")):
                results.append(load_file(agency, path))
        for name in EXAMPLE_SOPS.get(data.slug, ()):
            results.append(load_file(agency, EXAMPLES / name))
    return results
