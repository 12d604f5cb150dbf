"""Each demo agency gets the library SOP of the seed it is modelled on."""

from __future__ import annotations

from jaga.org.demo.schema import DemoAgency
from jaga.sop.services import LIBRARY, LoadResult, load_file
from jaga.tenancy.models import Agency


def load_demo_sops(agencies: tuple[DemoAgency, ...]) -> list[LoadResult]:
    """Load ``jaga/sop/library/<seed>-*.yaml`` for each demo agency (unchanged content
    loads nothing, so running the demo again changes nothing)."""
    results = []
    for data in agencies:
        agency = Agency.objects.get(slug=data.slug)
        for path in sorted(LIBRARY.glob(f"{data.seed}-*.yaml")):
            results.append(load_file(agency, path))
    return results
