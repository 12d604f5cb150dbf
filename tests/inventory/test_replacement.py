"""The SOP's device-replacement step moves real devices (issue 6, "Cases and devices"):
seed 003 step 10 takes a spare from the store into service at the site and sends the broken
device to the store, in the step's own transaction."""

from __future__ import annotations

import pytest

from jaga.audit.models import Event
from jaga.audit.services import verify
from jaga.documents.models import Document
from jaga.inventory.models import Device, Link, Replacement, Site
from jaga.inventory.replacement import ReplacementChoice, check_choice
from jaga.monitoring.models import Check
from jaga.monitoring.topology import load_specs
from jaga.sop.schema import DocumentType
from jaga.workflow.errors import InvalidInput
from jaga.workflow.models import Case, StepInstance, StepStatus
from jaga.workflow.services import complete_step, open_step
from tests.workflow.seeds_support import prepare_inventory, run, run_until, user
from tests.workflow.test_seeds import BOLMUT_REPLACED, BROKEN_SWITCH, SPARE_SWITCH

pytestmark = pytest.mark.django_db

Row = tuple[str, str, str, str, str]


def inventory() -> list[Row]:
    """The test inventory as a table: (serial or name, status, site, uplink, addresses)."""
    rows = []
    devices = Device.objects.filter(site__code__startswith="uji-").select_related("site", "uplink")
    for device in devices.order_by("pk"):
        addresses = ",".join(device.addresses.values_list("address", flat=True))
        uplink = device.uplink.serial_number or device.uplink.name if device.uplink else "-"
        rows.append(
            (
                device.serial_number or device.name,
                device.status,
                device.site.code,
                uplink,
                addresses or "-",
            )
        )
    return rows


def show(title: str, rows: list[Row]) -> None:
    print(f"\n{title}")
    for row in rows:
        print("  " + " | ".join(f"{cell:<18}" for cell in row))


@pytest.fixture
def demo(demo_data: None, db: None) -> None:
    """The demo agencies (``jaga demo``, loaded once for the module)."""


def test_it_swaps_the_broken_switch_for_the_spare_along_seed_003(demo: None) -> None:
    prepare_inventory(BOLMUT_REPLACED)
    before = inventory()
    show("Before (seed 003, replacement branch)", before)
    assert before == [
        ("Router inti uji", "in_service", "uji-lokasi", "-", "-"),
        (BROKEN_SWITCH, "in_service", "uji-lokasi", "Router inti uji", "10.9.0.2"),
        ("Access point uji", "in_service", "uji-lokasi", BROKEN_SWITCH, "-"),
        (SPARE_SWITCH, "spare", "uji-gudang", "-", "-"),
    ]
    case = run(BOLMUT_REPLACED)
    after = inventory()
    show("After", after)
    assert after == [
        ("Router inti uji", "in_service", "uji-lokasi", "-", "-"),
        (BROKEN_SWITCH, "in_repair", "uji-gudang", "-", "-"),
        ("Access point uji", "in_service", "uji-lokasi", SPARE_SWITCH, "-"),
        (SPARE_SWITCH, "in_service", "uji-lokasi", "Router inti uji", "10.9.0.2"),
    ]
    replacement = Replacement.objects.get(case=case)
    assert replacement.step.step_no == "10"
    assert (replacement.removed.serial_number, replacement.installed.serial_number) == (
        BROKEN_SWITCH,
        SPARE_SWITCH,
    )
    assert (replacement.site.code, replacement.store.code) == ("uji-lokasi", "uji-gudang")
    assert replacement.by.username == "bolmut.teknisi1"
    assert set(case.devices.values_list("serial_number", flat=True)) == {
        BROKEN_SWITCH,
        SPARE_SWITCH,
    }
    assert list(case.sites.values_list("code", flat=True)) == ["uji-lokasi"]
    # Each device's change is in the audit log with its before and after, by the technician.
    broken = Device.objects.get(serial_number=BROKEN_SWITCH)
    changed = Event.objects.get(
        action="inventory.device.changed", object_type="inventory.device", object_id=str(broken.pk)
    )
    assert changed.actor_label == "bolmut.teknisi1"
    assert changed.before is not None
    assert changed.after is not None
    assert changed.before["status"] == "in_service"
    assert changed.after["status"] == "in_repair"
    assert changed.before["management_ips"] == ["10.9.0.2"]
    assert Event.objects.filter(action="inventory.device.replaced").count() == 1
    assert verify(case.agency).ok
    # The Berita Acara Pekerjaan (step 11, after the swap) lists both devices.
    document = Document.objects.filter(
        case=case, document_type=DocumentType.BERITA_ACARA_PEKERJAAN.value
    ).first()
    assert document is not None
    serials = [item["no_seri"] for item in document.content["items"]]
    assert serials == [BROKEN_SWITCH, SPARE_SWITCH]
    assert [item["kondisi"] for item in document.content["items"]] == ["Rusak", "Baik"]


def _to_step_10(demo: None) -> tuple[Case, StepInstance]:
    """Seed 003 along the replacement branch up to its replacement step 10."""
    prepare_inventory(BOLMUT_REPLACED)
    case = run_until(BOLMUT_REPLACED, "10")
    step = open_step(case)
    assert step is not None
    return case, step


def _choice(removed: str = BROKEN_SWITCH, installed: str = SPARE_SWITCH) -> ReplacementChoice:
    return ReplacementChoice(
        Device.objects.get(serial_number=removed),
        Device.objects.get(serial_number=installed),
        "retired",
    )


def test_it_requires_the_replacement_in_a_step_that_declares_it(demo: None) -> None:
    _case, step = _to_step_10(demo)
    with pytest.raises(InvalidInput) as refused:
        complete_step(step, user("bolmut.teknisi1"))
    assert set(refused.value.errors) == {"removed", "installed"}
    step.refresh_from_db()
    assert step.status == StepStatus.OPEN


def test_it_refuses_a_replacement_in_a_step_that_does_not_declare_one(demo: None) -> None:
    case, step = _to_step_10(demo)
    complete_step(step, user("bolmut.teknisi1"), replacement=_choice())
    following = open_step(case)
    assert following is not None
    assert following.step_no == "11"
    Device.objects.filter(serial_number=BROKEN_SWITCH).update(status="in_service")
    with pytest.raises(InvalidInput) as refused:
        complete_step(following, user("bolmut.teknisi1"), replacement=_choice())
    assert "replacement" in refused.value.errors


def test_it_refuses_a_device_that_is_not_a_spare_and_changes_nothing(demo: None) -> None:
    _case, step = _to_step_10(demo)
    Device.objects.filter(serial_number=SPARE_SWITCH).update(status="in_repair")
    before = inventory()
    with pytest.raises(InvalidInput) as refused:
        complete_step(step, user("bolmut.teknisi1"), replacement=_choice())
    assert set(refused.value.errors) == {"installed"}
    assert inventory() == before
    step.refresh_from_db()
    assert step.status == StepStatus.OPEN
    assert not Replacement.objects.exists()


def test_it_refuses_a_spare_outside_the_store_a_broken_device_not_in_service_and_itself(
    demo: None,
) -> None:
    case, _ = _to_step_10(demo)
    spare = Device.objects.get(serial_number=SPARE_SWITCH)
    spare.site = Site.objects.get(code="uji-lokasi")
    spare.save()
    broken = Device.objects.get(serial_number=BROKEN_SWITCH)
    broken.status = "retired"
    broken.save()
    errors = check_choice(case, ReplacementChoice(broken, spare, "in_service"))
    assert set(errors) == {"removed", "installed", "removed_status"}
    assert set(check_choice(case, ReplacementChoice(spare, spare, "retired"))) == {
        "removed",
        "installed",
    }


def test_it_does_not_give_one_spare_to_two_cases(demo: None) -> None:
    case, step = _to_step_10(demo)
    stale = _choice()
    complete_step(step, user("bolmut.teknisi1"), replacement=stale)
    assert set(check_choice(case, stale)) == {"removed", "installed"}


def test_it_moves_the_links_of_the_broken_device_to_the_spare(demo: None) -> None:
    _case, step = _to_step_10(demo)
    broken = Device.objects.get(serial_number=BROKEN_SWITCH)
    link = Link.objects.create(
        agency=broken.agency,
        a_device=broken,
        medium="fibre",
        bandwidth_mbps=100,
        provider="Telkom",
        circuit_id="C-1",
    )
    complete_step(step, user("bolmut.teknisi1"), replacement=_choice())
    link.refresh_from_db()
    assert link.a_device.serial_number == SPARE_SWITCH
    event = Event.objects.get(action="inventory.link.changed", object_id=str(link.pk))
    assert event.before is not None
    assert event.after is not None
    assert (event.before["a_device_id"], event.after["a_device_id"]) == (
        broken.pk,
        link.a_device_id,
    )


def test_the_checks_of_the_broken_device_follow_the_spare(demo: None) -> None:
    _case, step = _to_step_10(demo)
    broken = Device.objects.get(serial_number=BROKEN_SWITCH)
    check = Check.objects.create(agency=broken.agency, name="Ping", kind="icmp", device=broken)
    complete_step(step, user("bolmut.teknisi1"), replacement=_choice())
    check.refresh_from_db()
    assert check.device is not None
    assert check.device.serial_number == SPARE_SWITCH
    event = Event.objects.get(action="inventory.device.replaced")
    assert event.after is not None
    assert event.after["checks"] == [check.pk]
    spec = next(s for s in load_specs(agencies=[broken.agency_id]) if s.id == check.pk)
    assert spec.address == "10.9.0.2"  # the spare took over the address: same target
