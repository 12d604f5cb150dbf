"""Each agency's SOPs that start by report become its catalogue's services (issue 17 point
1), as ``jaga.catalogue.services.register_service`` registers a format 1 SOP: a disruption
service requested by OPDs and recorded by the help desk. The default disruption service is
the first by code, the SOP the "Lapor Gangguan" form started before the catalogue existed,
so nothing changes for running agencies. Existing disruption reports become requests of
their SOP's service."""

from __future__ import annotations

from typing import Any

from django.db import migrations


def forwards(apps: Any, schema_editor: Any) -> None:
    definition_model = apps.get_model("sop", "SopDefinition")
    service_model = apps.get_model("catalogue", "Service")
    request_model = apps.get_model("catalogue", "Request")
    incident_model = apps.get_model("incidents", "Incident")
    defaults: set[int] = set()
    services: dict[tuple[int, str], Any] = {}
    current = definition_model.objects.filter(is_current=True, starts_by_report=True)
    for definition in current.order_by("agency_id", "code"):
        service = service_model.objects.create(
            agency_id=definition.agency_id,
            code=definition.code,
            name=definition.name[:250],
            category="disruption",
            sop_code=definition.code,
            requesters=["opd", "staff"],
            is_default=definition.agency_id not in defaults,
        )
        defaults.add(definition.agency_id)
        services[(definition.agency_id, definition.code)] = service
    for incident in incident_model.objects.select_related("case__definition").iterator():
        service = services.get((incident.agency_id, incident.case.definition.code))
        if service is None:
            continue
        request_model.objects.create(
            agency_id=incident.agency_id,
            case_id=incident.case_id,
            service=service,
            channel="web",
            opd_id=incident.opd_id,
            requester_id=incident.reporter_id,
            caller_name=incident.contact_name[:150],
            caller_contact=incident.contact_phone[:150],
            created_at=incident.created_at,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0001_initial"),
        ("sop", "0001_initial"),
        ("incidents", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
