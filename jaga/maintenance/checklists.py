"""Checklist templates: which one applies, and saving one with its items (issue 14 point 4).

``template_for`` answers "which checklist does this device get": the plan's own choice for
the device kind (``PlanChecklist``) when it is active, else the agency's active template for
the kind (the first by name). ``save_template`` is the only writer of templates and items
outside the admin: one transaction, one audit event with the items before and after.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction

from jaga.audit.services import record
from jaga.maintenance.models import ChecklistItem, ChecklistTemplate, MaintenancePlan, PlanChecklist
from jaga.org.models import User
from jaga.tenancy.models import Agency


def template_for(
    plan: MaintenancePlan | None, agency: Agency | int, device_kind: str
) -> ChecklistTemplate | None:
    """The checklist for a device of ``device_kind`` (a ``DeviceKind`` value) of
    ``agency``: the active template ``plan`` names for that kind (``PlanChecklist``),
    else the agency's active template for the kind, first by name then id; None when
    the agency has none. At most two queries."""
    agency_id = agency if isinstance(agency, int) else agency.pk
    if plan is not None:
        chosen = (
            PlanChecklist.objects.filter(
                plan=plan,
                device_kind=device_kind,
                template__is_active=True,
                template__device_kind=device_kind,
            )
            .select_related("template")
            .first()
        )
        if chosen is not None and chosen.template.agency_id == agency_id:
            return chosen.template
    return (
        ChecklistTemplate.objects.filter(
            agency_id=agency_id, device_kind=device_kind, is_active=True
        )
        .order_by("name", "pk")
        .first()
    )


def _decimal(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def item_state(item: ChecklistItem) -> dict[str, Any]:
    """An item as stored in audit events: position, kind, label, required, unit, range."""
    return {
        "id": item.pk,
        "position": item.position,
        "kind": item.kind,
        "label": item.label,
        "required": item.required,
        "unit": item.unit,
        "minimum": _decimal(item.minimum),
        "maximum": _decimal(item.maximum),
    }


def template_state(template: ChecklistTemplate) -> dict[str, Any]:
    """A template and its items (from the database) as stored in audit events."""
    return {
        "name": template.name,
        "device_kind": template.device_kind,
        "is_active": template.is_active,
        "description": template.description,
        "items": [item_state(item) for item in template.items.order_by("position", "pk")],
    }


def save_template(
    template: ChecklistTemplate,
    items: list[ChecklistItem],
    deleted: list[ChecklistItem],
    by: User,
) -> ChecklistTemplate:
    """Save ``template`` (already validated, of ``by``'s agency), its ``items`` (new or
    changed, validated; the template and agency are set here) and delete ``deleted``, in
    one transaction with one audit event ``maintenance.checklist_template.created`` or
    ``.changed`` (before/after: ``template_state``). Answers already given keep their own
    copy of each item (``InspectionAnswer``), so past inspections keep their meaning; a
    deleted item's answers lose only their link to it. Returns the template."""
    if by.agency_id is None or template.agency_id not in (None, by.agency_id):
        raise ValueError("the template belongs to another agency")
    with transaction.atomic():
        created = template.pk is None
        before = None if created else template_state(ChecklistTemplate.objects.get(pk=template.pk))
        template.agency_id = by.agency_id
        template.save()
        for item in deleted:
            if item.pk is not None and item.template_id == template.pk:
                item.delete()
        for item in items:
            item.template = template
            item.agency_id = template.agency_id
            item.save()
        after = template_state(template)
        if before != after:
            record(
                agency=template.agency,
                actor=by,
                action="maintenance.checklist_template." + ("created" if created else "changed"),
                obj=template,
                before=before,
                after=after,
            )
    return template
