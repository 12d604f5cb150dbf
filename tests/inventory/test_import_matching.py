"""How an import finds the stored device a row means: devices without a serial number by
their site and name (re-importing must not duplicate them), and uplinks by serial number or
by a name only one device has (issue 13 point 12)."""

from __future__ import annotations

import pytest

from jaga.inventory.importing import import_rows
from jaga.inventory.models import Device, Site
from jaga.inventory.services import save_device
from jaga.inventory.tabular import export
from jaga.org.models import User
from jaga.tenancy.models import Agency
from tests.inventory.test_tabular import DEVICE_HEADER, csv_bytes, device_row

pytestmark = pytest.mark.django_db


def run(agency: Agency, user: User, *rows: list[str]) -> tuple[int, int, int, list[str]]:
    result = import_rows(agency, user, "devices", csv_bytes([DEVICE_HEADER, *rows]), "csv")
    errors = [f"{e.line}:{e.column}: {e.reason}" for e in result.errors]
    return result.created, result.updated, result.unchanged, errors


def test_it_does_not_duplicate_devices_without_a_serial_when_a_file_is_imported_again(
    sites: Agency, admin_a: User
) -> None:
    rows = [
        device_row("", nama="AP lobby"),
        device_row("", nama="AP aula", kode_situs="gudang"),
        device_row("", nama="AP lobby", kode_situs="gudang"),  # same name, other site
    ]
    assert run(sites, admin_a, *rows) == (3, 0, 0, [])
    assert run(sites, admin_a, *rows) == (0, 0, 3, [])
    changed = [device_row("", nama="AP lobby", status="in_repair"), *rows[1:]]
    assert run(sites, admin_a, *changed) == (0, 1, 2, [])
    assert Device.objects.filter(agency=sites).count() == 3
    assert Device.objects.get(name="AP lobby", site__code="dinkes-pusat").status == "in_repair"


def test_it_gives_a_stored_device_without_a_serial_the_serial_of_its_row(
    sites: Agency, admin_a: User
) -> None:
    assert run(sites, admin_a, device_row("", nama="AP lobby"))[0] == 1
    assert run(sites, admin_a, device_row("SN-9", nama="AP lobby")) == (0, 1, 0, [])
    assert list(Device.objects.values_list("name", "serial_number")) == [("AP lobby", "SN-9")]


def test_it_refuses_two_rows_for_the_same_device_without_a_serial(
    sites: Agency, admin_a: User
) -> None:
    *_counts, errors = run(
        sites, admin_a, device_row("", nama="AP lobby"), device_row("", nama="AP lobby")
    )
    assert errors == [
        "3:nama: A device without a serial number is known by its site and name: "
        "AP lobby at dinkes-pusat is also on line 2."
    ]
    assert not Device.objects.exists()


def test_it_asks_for_serials_when_stored_devices_share_a_site_and_name(
    sites: Agency, admin_a: User
) -> None:
    site = Site.objects.get(agency=sites, code="dinkes-pusat")
    for _ in range(2):
        save_device(Device(agency=sites, site=site, name="AP lobby", kind="access_point"), None)
    *_counts, errors = run(sites, admin_a, device_row("", nama="AP lobby"))
    assert errors == [
        "2:nomor_seri: 2 devices without a serial number are named AP lobby at site "
        "dinkes-pusat; give each its serial number."
    ]
    assert Device.objects.count() == 2


def test_it_matches_an_uplink_given_by_a_name_only_one_device_has(
    sites: Agency, admin_a: User
) -> None:
    rows = [
        device_row("", nama="Core", jenis="router"),
        device_row("SN-1", uplink="Core"),
        device_row("SN-2", uplink="AP SN-1"),  # a device of the file, by its name
    ]
    assert run(sites, admin_a, *rows)[3] == []
    core = Device.objects.get(name="Core")
    assert Device.objects.get(serial_number="SN-1").uplink == core
    assert Device.objects.get(serial_number="SN-2").uplink.serial_number == "SN-1"  # type: ignore[union-attr]
    # a stored device, by its name
    assert run(sites, admin_a, device_row("SN-3", uplink="Core"))[3] == []
    assert Device.objects.get(serial_number="SN-3").uplink == core


def test_it_asks_for_the_serial_when_several_devices_have_the_uplinks_name(
    sites: Agency, admin_a: User
) -> None:
    rows = [
        device_row("", nama="Core", jenis="router"),
        device_row("", nama="Core", jenis="router", kode_situs="gudang"),
        device_row("SN-1", uplink="Core"),
    ]
    *_counts, errors = run(sites, admin_a, *rows)
    assert errors == [
        "4:uplink: 2 devices are named Core; give the uplink's serial number instead."
    ]
    assert not Device.objects.exists()


def test_it_says_the_uplink_column_wants_a_serial_number_for_an_unknown_device(
    sites: Agency, admin_a: User
) -> None:
    *_counts, errors = run(sites, admin_a, device_row("SN-1", uplink="Router lantai 3"))
    assert errors == [
        "2:uplink: Unknown device Router lantai 3: give the serial number (or the name, if no "
        "other device has it) of a device in this file or already stored."
    ]


def test_it_exports_an_uplink_without_a_serial_by_name_and_imports_it_back(
    sites: Agency, admin_a: User
) -> None:
    run(
        sites,
        admin_a,
        device_row("", nama="Core", jenis="router"),
        device_row("SN-1", uplink="Core"),
    )
    content = export("devices", Device.objects.filter(agency=sites), "csv")
    assert b",Core," in content
    again = import_rows(sites, admin_a, "devices", content, "csv")
    assert (again.created, again.updated, again.unchanged, again.errors) == (0, 0, 2, [])


def test_it_still_reports_text_that_is_too_long(sites: Agency, admin_a: User) -> None:
    *_counts, errors = run(
        sites,
        admin_a,
        device_row("SN-1", nama="x" * 151),
        device_row("SN-2", vendor="U" * 101, status="spare"),
        device_row("SN-3", nama="x" * 150),
    )
    assert errors == [
        "2:nama: Ensure this value has at most 150 characters (it has 151).",
        "3:vendor: Ensure this value has at most 100 characters (it has 101).",
    ]
