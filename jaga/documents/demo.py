"""The demo agencies' number patterns (issue 18 point 3): each numbers its documents on the
shipped patterns built on the kode klasifikasi arsip (``jaga.documents.numbering``) with the
unit code its letters carry, as a Diskominfo's secretariat sets them up."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from jaga.documents.models import DOCUMENT_TYPE_CHOICES, NumberPattern
from jaga.documents.numbering import SHIPPED_PATTERNS
from jaga.org.demo.schema import DemoAgency
from jaga.tenancy.models import Agency

#: The unit code in the numbers of each demo agency's letters (its usual abbreviation).
UNIT_CODES = {
    "bogor": "Diskominfostandi",
    "lingga": "Kominfo-Humas",
    "pontianak": "Diskominfo",
    "bolmut": "DKIP",
    "batam": "Diskominfo",
}


def load_demo_number_patterns(agencies: Iterable[DemoAgency]) -> int:
    """Give each demo agency a number pattern per document type (the shipped pattern and
    classification with its unit code), unless it has one already (an administrator's
    change is kept). Returns how many were created; running it again creates none."""
    created = 0
    with transaction.atomic():
        for data in agencies:
            agency = Agency.objects.get(slug=data.slug)
            unit = UNIT_CODES.get(data.slug, data.short_name.split()[0])
            for document_type, _label in DOCUMENT_TYPE_CHOICES:
                shipped = SHIPPED_PATTERNS[document_type]
                _row, made = NumberPattern.objects.get_or_create(
                    agency=agency,
                    document_type=document_type,
                    defaults={
                        "pattern": shipped.pattern,
                        "klasifikasi": shipped.klasifikasi,
                        "unit_code": unit,
                        "digits": 3,
                    },
                )
                created += made
    return created
