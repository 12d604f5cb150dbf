"""Operational figures of the twenty hand-walked cases (tests/reports/conftest.py): MTTA
and MTTR counted by hand from ``STEP1`` and ``STEP2`` (and the two returns), the cases by
SOP, OPD, source and outcome, the backlog's age, failures, replacements and spare stock."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from jaga.inventory.models import Device, Site, SpareMinimum
from jaga.monitoring.models import Check, Outage
from jaga.monitoring.signals import outage_ended
from jaga.org.models import Opd
from jaga.reports import operations
from jaga.reports.models import CaseRecord, Restoration
from jaga.reports.periods import Period
from jaga.workflow.models import CaseSource
from jaga.workflow.services import start_case
from tests.conftest import PASSWORD
from tests.reports.conftest import Rekap

pytestmark = pytest.mark.django_db


def month_of(rekap: Rekap) -> Period:
    local = rekap.month_start.astimezone(ZoneInfo("Asia/Jakarta"))
    return Period.month(local.year, local.month)


def test_it_gives_mtta_and_mttr_as_counted_by_hand(rekap: Rekap) -> None:
    overall, per_opd = operations.service_times(rekap.agency, month_of(rekap))
    # MTTA: step 1 + the first step 2 of each case, 2,934 minutes over 20 cases.
    assert (overall.acted, overall.mtta_minutes) == (20, 146.7)
    # Sorted: 65 … 120 | 185 … 270; the middle two are 120 and 185.
    assert overall.median_action_minutes == 152.5
    # MTTR: cases 1 and 2 add the check (30) and the redone repair (60): 3,114 minutes.
    assert (overall.restored, overall.mttr_minutes) == (20, 155.7)
    assert overall.median_restore_minutes == 172.5  # between 160 and 185
    opds = {row.opd.name: row for row in per_opd if row.opd is not None}
    assert opds["Dinas Kesehatan"].mtta_minutes == 87.0  # 870 minutes over cases 1-10
    assert opds["Dinas Kesehatan"].mttr_minutes == 105.0  # 870 + 2 x 90
    assert opds["Dinas Pendidikan"].mtta_minutes == 206.4  # 2,064 over cases 11-20
    assert opds["Dinas Pendidikan"].mttr_minutes == 206.4
    assert [row.opd.name for row in per_opd if row.opd] == ["Dinas Pendidikan", "Dinas Kesehatan"]


def test_it_takes_the_monitors_recovery_as_the_restoration(rekap: Rekap) -> None:
    case = rekap.cases[0]
    site = Site.objects.create(agency=rekap.agency, code="aula", name="Aula")
    device = Device.objects.create(
        agency=rekap.agency, name="AP Aula", kind="access_point", site=site
    )
    check = Check.objects.create(agency=rekap.agency, name="Ping AP", kind="icmp", device=device)
    broke = case.started_at - dt.timedelta(minutes=10)
    outage = Outage.objects.create(
        agency=rekap.agency,
        monitor_check=check,
        kind="down",
        started_at=broke,
        confirmed_at=broke + dt.timedelta(minutes=1),
        ended_at=case.started_at + dt.timedelta(minutes=50),
        case=case,
    )
    outage_ended.send(Outage, outage=outage, at=outage.ended_at)
    record = CaseRecord.objects.get(case=case)
    assert record.restored_by == Restoration.MONITOR
    assert record.restore_seconds == 60 * 60  # from the outage's start, 10 + 50 minutes
    assert record.action_seconds == 65 * 60  # still the technician's first step


def test_it_counts_cases_by_sop_opd_source_and_outcome(rekap: Rekap) -> None:
    month = month_of(rekap)
    counts = {
        field: [(item.key, item.count) for item in operations.cases_by(rekap.agency, month, field)]
        for field in ("sop", "opd", "source", "status")
    }
    opds = {opd.abbreviation: str(opd.pk) for opd in Opd.objects.filter(agency=rekap.agency)}
    assert counts["sop"] == [("rekap", 20)]
    assert sorted(counts["opd"]) == sorted([(opds["Dinkes"], 10), (opds["Disdik"], 10)])
    assert counts["source"] == [("manual", 20)]
    assert counts["status"] == [("closed", 20)]
    # Late steps: step 1 of cases 8, 9, 10, 18 and 19, step 3 of cases 17 to 20.
    outcome = {item.key: item.count for item in operations.cases_by(rekap.agency, month, "outcome")}
    assert outcome == {"closed_on_time": 13, "closed_late": 7, "open": 0, "cancelled": 0}


def test_it_ages_the_backlog(rekap: Rekap) -> None:
    now = timezone.now()
    for days in (0.5, 2, 2.5, 40):
        start_case(
            rekap.definition,
            source=CaseSource.MANUAL,
            title="Terbuka",
            by=rekap.kadis,
            at=now - dt.timedelta(days=days),
        )
    ageing = [item.count for item in operations.backlog_ageing(rekap.agency, now)]
    assert ageing == [1, 2, 0, 0, 1]


def test_it_counts_failures_by_device_and_warns_of_low_spares(rekap: Rekap) -> None:
    site = Site.objects.create(agency=rekap.agency, code="gudang", name="Gudang")
    router = Device.objects.create(
        agency=rekap.agency, name="R1", kind="router", vendor="MikroTik", model="RB4011", site=site
    )
    switch = Device.objects.create(
        agency=rekap.agency, name="S1", kind="switch", vendor="Cisco", model="C1000", site=site
    )
    rekap.cases[0].devices.add(router, switch)
    rekap.cases[1].devices.add(router)
    month = month_of(rekap)
    kinds = [
        (item.label, item.count) for item in operations.failures_by(rekap.agency, month, "kind")
    ]
    assert kinds == [("Router", 2), ("Switch", 1)]
    vendors = operations.failures_by(rekap.agency, month, "vendor")
    assert [(item.label, item.count) for item in vendors] == [("MikroTik", 2), ("Cisco", 1)]
    Device.objects.create(agency=rekap.agency, name="R2", kind="router", status="spare", site=site)
    SpareMinimum.objects.create(agency=rekap.agency, device_kind="router", minimum=2)
    SpareMinimum.objects.create(agency=rekap.agency, device_kind="switch", minimum=0)
    stock = {
        item.kind: (item.spares, item.minimum, item.below)
        for item in operations.spare_stock(rekap.agency)
    }
    assert stock == {"router": (1, 2, True), "switch": (0, 0, False)}


def login(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def test_it_shows_the_figures_to_the_kadis_not_to_a_technician(
    rekap: Rekap, django_assert_max_num_queries: Any
) -> None:
    month = month_of(rekap)
    client = login("rekap.kadis")
    with django_assert_max_num_queries(25):
        response = client.get(f"/laporan/operasional/?period={month.key}")
    assert response.status_code == 200
    assert response.context["overall"].mtta_minutes == 146.7
    assert "146,7" in response.content.decode()
    assert login("rekap.teknisi").get("/laporan/operasional/").status_code == 403
    assert login("rekap.dinkes").get("/laporan/operasional/").status_code == 403
    assert client.get("/laporan/operasional/?period=zz").status_code == 200


def test_it_rebuilds_the_case_records_as_the_events_wrote_them(rekap: Rekap) -> None:
    from django.core.management import call_command

    from jaga.reports.models import StepRecord

    before = {
        row.case_id: (row.action_seconds, row.restore_seconds)
        for row in CaseRecord.objects.filter(agency=rekap.agency)
    }
    CaseRecord.objects.filter(agency=rekap.agency).delete()
    StepRecord.objects.filter(agency=rekap.agency, step_no="2").delete()
    out = io.StringIO()
    call_command("reports", "rebuild", stdout=out)
    assert out.getvalue().strip() == "ok: 22 step records and 20 case records written"
    after = {
        row.case_id: (row.action_seconds, row.restore_seconds)
        for row in CaseRecord.objects.filter(agency=rekap.agency)
    }
    assert after == before
