"""NIPs in one spelling, unique per agency (issue 13 point 9).

NIPs were accepted in any Unicode digits (Arabic-Indic, full-width) and a plain ``save()``
could store them grouped with spaces, so one NIP could be stored twice in an agency under two
spellings despite the unique constraint. This migration rewrites every stored NIP to its
canonical spelling (ASCII digits, no spaces, dots or dashes).

The choice when two employees of one agency turn out to share a NIP: the migration stops
with an error naming them and changes nothing; it does not pick one of them, because only
the agency knows which employee the NIP belongs to. Correct or clear the other NIPs in the
admin (Organisation → Employees; the running version still works on the old schema), then
run ``jaga migrate`` again. Then the constraint gets its clear admin message.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from typing import Any

from django.db import migrations, models

_SEPARATORS = re.compile(r"[\s.\-]+")


def canonical_nip(value: str) -> str:
    """``value`` without spaces, dots and dashes, its Unicode decimal digits as ASCII."""
    text = _SEPARATORS.sub("", value.strip())
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in text)


class DuplicateNips(RuntimeError):
    """Employees of one agency share a NIP; the message names them."""


def spell_nips_in_ascii(apps: Any, schema_editor: Any) -> None:
    """Rewrite stored NIPs to ``canonical_nip``; ``DuplicateNips`` (nothing changed) when
    two employees of an agency would then share one."""
    employee_model = apps.get_model("org", "Employee")
    agency_model = apps.get_model("tenancy", "Agency")
    groups: dict[tuple[int, str], list[tuple[int, str, str]]] = defaultdict(list)
    rows = employee_model.objects.exclude(nip="").order_by("pk")
    for pk, agency_id, name, nip in rows.values_list("pk", "agency_id", "name", "nip"):
        groups[(agency_id, canonical_nip(nip))].append((pk, name, nip))
    shared = {key: found for key, found in groups.items() if key[1] and len(found) > 1}
    if shared:
        slugs = dict(agency_model.objects.values_list("pk", "slug"))
        lines = [
            f"  agency {slugs.get(agency_id, agency_id)!r}, NIP {nip}: "
            + "; ".join(
                f"employee #{pk} {name!r} (stored as {stored!r})" for pk, name, stored in found
            )
            for (agency_id, nip), found in sorted(shared.items())
        ]
        raise DuplicateNips(
            "Employees of one agency share a NIP (stored in different spellings). Correct or "
            "clear the NIP of all but one employee of each group in the admin (Organisation → "
            "Employees), then run `jaga migrate` again. Nothing was changed.\n" + "\n".join(lines)
        )
    for (_agency_id, nip), found in groups.items():
        for pk, _name, stored in found:
            if nip != stored:
                employee_model.objects.filter(pk=pk).update(nip=nip)


class Migration(migrations.Migration):
    dependencies = [
        ("org", "0001_initial"),
        ("tenancy", "0002_agency_calendar_token"),
    ]

    operations = [
        migrations.RunPython(spell_nips_in_ascii, migrations.RunPython.noop),
        migrations.AlterConstraint(
            model_name="employee",
            name="nip_unique_in_agency",
            constraint=models.UniqueConstraint(
                condition=models.Q(("nip", ""), _negated=True),
                fields=("agency", "nip"),
                name="nip_unique_in_agency",
                violation_error_message="Another employee of this agency has this NIP.",
            ),
        ),
    ]
