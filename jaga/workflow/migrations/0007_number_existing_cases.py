"""Case numbers per agency (issue 13 point 12), step 2 of 3: number the existing cases of
each agency 1, 2, 3… in the order they were started (then by id), and set each agency's
counter to its last number."""

from typing import Any

from django.db import migrations

BATCH = 1000


def number_cases(apps: Any, schema_editor: Any) -> None:
    Case = apps.get_model("workflow", "Case")
    CaseCounter = apps.get_model("workflow", "CaseCounter")
    agencies = Case.objects.order_by().values_list("agency_id", flat=True).distinct()
    for agency_id in list(agencies):
        cases = Case.objects.filter(agency_id=agency_id).order_by("started_at", "pk")
        batch = []
        number = 0
        for case in cases.only("pk").iterator(chunk_size=BATCH):
            number += 1
            case.number = number
            batch.append(case)
            if len(batch) == BATCH:
                Case.objects.bulk_update(batch, ["number"])
                batch = []
        Case.objects.bulk_update(batch, ["number"])
        CaseCounter.objects.update_or_create(agency_id=agency_id, defaults={"last": number})


def forget_numbers(apps: Any, schema_editor: Any) -> None:
    apps.get_model("workflow", "Case").objects.update(number=None)
    apps.get_model("workflow", "CaseCounter").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("workflow", "0006_case_number_counter"),
    ]

    operations = [
        migrations.RunPython(number_cases, forget_numbers),
    ]
