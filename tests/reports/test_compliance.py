"""Mutu Baku compliance of the twenty hand-walked cases (tests/reports/conftest.py): every
figure below was counted by hand from the minutes in ``STEP1``, ``STEP2`` and ``STEP3``."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from jaga.reports import compliance
from jaga.reports.compliance import Dimension
from jaga.reports.models import StepRecord
from jaga.reports.periods import Period
from jaga.reports.permissions import scope_of
from jaga.reports.records import rebuild
from jaga.reports.stats import percentile
from tests.conftest import PASSWORD
from tests.reports.conftest import Rekap

pytestmark = pytest.mark.django_db


def month_of(rekap: Rekap) -> Period:
    local = rekap.month_start.astimezone(ZoneInfo("Asia/Jakarta"))
    return Period.month(local.year, local.month)


def by_label(rows: list[compliance.Row]) -> dict[str, compliance.Figures]:
    return {row.label: row.figures for row in rows}


def test_it_interpolates_percentiles_as_postgresql_does() -> None:
    assert percentile([1, 2, 3, 10], 0.5) == 2.5
    assert percentile([1, 2, 3, 10], 0.9) == pytest.approx(7.9)
    assert percentile([], 0.5) is None
    with pytest.raises(ValueError, match="within"):
        percentile([1], 1.5)


def test_it_totals_the_month_as_counted_by_hand(rekap: Rekap) -> None:
    total = compliance.summarise(compliance.records(rekap.agency, month_of(rekap)))
    # 20 + 22 + 22 step instances; 42 with a Mutu Baku (steps 1 and 3); 15 + 18 on time.
    assert (total.done, total.timed, total.on_time, total.late) == (64, 42, 33, 9)
    assert total.percent == 78.6


def test_it_gives_each_step_its_share_median_and_90th_percentile(rekap: Rekap) -> None:
    rows = by_label(
        compliance.breakdown(compliance.records(rekap.agency, month_of(rekap)), Dimension.STEP)
    )
    first = rows["rekap · 1. Disposisi"]
    # 35, 40, 60, 50 and 90 minutes are past the 30 minutes; 30 exactly is on time.
    assert (first.done, first.timed, first.on_time, first.late) == (20, 20, 15, 5)
    assert first.percent == 75.0
    # Sorted minutes: 5 5 10 10 10 10 15 15 20 20 | 25 25 29 30 30 35 40 50 60 90.
    assert first.median_actual_minutes == 22.5  # between 20 and 25
    assert first.p90_actual_minutes == 51.0  # rank 17.1: 50 + 0.1 x 10
    assert first.median_standard_minutes == 30.0
    assert first.median_percent == 75  # 22.5 of 30
    assert first.p90_percent == 170  # 51 of 30
    check = rows["rekap · 3. Pemeriksaan"]
    # Cases 1 and 2 were checked twice (returned once): 22 checks, 4 of 90 minutes late.
    assert (check.done, check.timed, check.on_time, check.late) == (22, 22, 18, 4)
    assert check.percent == 81.8
    assert (check.median_percent, check.p90_percent) == (50, 150)


def test_it_shows_only_durations_for_a_kondisional_step(rekap: Rekap) -> None:
    rows = by_label(
        compliance.breakdown(compliance.records(rekap.agency, month_of(rekap)), Dimension.STEP)
    )
    repair = rows["rekap · 2. Perbaikan"]
    # Twelve of 60 minutes (ten cases and the two redone after a return), ten of 180.
    assert (repair.done, repair.timed, repair.on_time, repair.late) == (22, 0, 0, 0)
    assert repair.share is None
    assert repair.median_ratio is None
    assert repair.median_actual_minutes == 60.0
    assert repair.p90_actual_minutes == 180.0
    assert repair.median_standard_minutes is None


def test_it_counts_each_visit_of_a_returned_step(rekap: Rekap) -> None:
    second = StepRecord.objects.filter(agency=rekap.agency, visit=2)
    assert sorted(second.values_list("step_no", flat=True)) == ["2", "2", "3", "3"]


def test_it_puts_the_worst_share_first(rekap: Rekap) -> None:
    rows = compliance.breakdown(compliance.records(rekap.agency, month_of(rekap)), Dimension.STEP)
    assert [row.label for row in rows] == [
        "rekap · 1. Disposisi",
        "rekap · 3. Pemeriksaan",
        "rekap · 2. Perbaikan",  # nothing timed: last
    ]


def test_it_groups_by_person_position_and_unit(rekap: Rekap) -> None:
    records = compliance.records(rekap.agency, month_of(rekap))
    people = by_label(compliance.breakdown(records, Dimension.PERSON))
    assert (people["Kadis rekap"].done, people["Kadis rekap"].on_time) == (20, 15)
    assert (people["Kepala Seksi Jaringan"].done, people["Kepala Seksi Jaringan"].on_time) == (
        22,
        18,
    )
    assert people["Teknisi Jaringan"].timed == 0
    units = by_label(compliance.breakdown(records, Dimension.UNIT))
    assert units["Seksi Jaringan"].done == 44
    assert units["Dinas REKAP"].done == 20
    positions = by_label(compliance.breakdown(records, Dimension.POSITION))
    assert set(positions) == {"Kepala Dinas", "Teknisi Jaringan", "Kepala Seksi Jaringan"}


def test_it_filters_by_a_dimension_and_refuses_a_malformed_key(rekap: Rekap) -> None:
    month = month_of(rekap)
    late_first = compliance.records(rekap.agency, month, {Dimension.STEP: "rekap:1"}).filter(
        on_time=False
    )
    assert sorted(r.actual_seconds // 60 for r in late_first) == [35, 40, 50, 60, 90]
    assert sorted(r.late_seconds // 60 for r in late_first) == [5, 10, 20, 30, 60]
    assert not compliance.records(rekap.agency, month, {Dimension.STEP: "rekap"}).exists()
    assert not compliance.records(rekap.agency, month, {Dimension.PERSON: "abc"}).exists()
    assert not compliance.records(rekap.agency, month, {Dimension.OPD: "-"}).exists()
    opds = by_label(compliance.breakdown(compliance.records(rekap.agency, month), Dimension.OPD))
    assert (opds["Dinas Kesehatan"].done, opds["Dinas Pendidikan"].done) == (34, 30)


def test_it_counts_nothing_in_another_period(rekap: Rekap) -> None:
    later = month_of(rekap).previous().previous()
    assert compliance.summarise(compliance.records(rekap.agency, later)).done == 0


def test_it_rebuilds_missing_records_once(rekap: Rekap) -> None:
    StepRecord.objects.filter(agency=rekap.agency, step_no="1").delete()
    assert rebuild() == 20
    assert rebuild() == 0
    total = compliance.summarise(compliance.records(rekap.agency, month_of(rekap)))
    assert (total.done, total.on_time) == (64, 33)


def test_it_limits_a_kabid_to_his_units_and_a_technician_to_himself(rekap: Rekap) -> None:
    month = month_of(rekap)
    kabid = scope_of(rekap.kabid)
    assert kabid is not None
    assert kabid.units == frozenset({rekap.bidang.pk, rekap.seksi.pk})
    mine = compliance.summarise(compliance.records(rekap.agency, month, units=kabid.units))
    assert (mine.done, mine.timed, mine.on_time) == (44, 22, 18)
    technician = scope_of(rekap.technician)
    assert technician is not None
    assert technician.person == rekap.technician.pk
    kadis = scope_of(rekap.kadis)
    assert kadis is not None
    assert kadis.is_agency_wide


def login(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def test_it_shows_the_kadis_the_table_with_links_behind_each_figure(rekap: Rekap) -> None:
    month = month_of(rekap)
    response = login("rekap.kadis").get(f"/laporan/mutu-baku/?period={month.key}&by=step")
    assert response.status_code == 200
    assert response.context["total"].on_time == 33
    page = response.content.decode()
    assert "78,6%" in page  # Indonesian decimals
    assert "75,0%" in page
    assert f"langkah/?period={month.key}&amp;step=rekap%3A1&amp;late=1" in page


def test_it_lists_the_late_steps_behind_a_figure_most_late_first(rekap: Rekap) -> None:
    month = month_of(rekap)
    response = login("rekap.kadis").get(
        f"/laporan/mutu-baku/langkah/?period={month.key}&step=rekap:1&late=1"
    )
    assert response.status_code == 200
    rows = response.context["records"]
    assert [row["late"] for row in rows] == [60.0, 30.0, 20.0, 10.0, 5.0]
    assert f'href="/kasus/{rows[0]["record"].case_id}/"' in response.content.decode()


def test_it_shows_a_technician_only_his_own_steps(rekap: Rekap) -> None:
    month = month_of(rekap)
    response = login("rekap.teknisi").get(f"/laporan/mutu-baku/?period={month.key}&person=1")
    assert response.context["total"].done == 22  # his 22 repairs, whatever ?person= says


@pytest.mark.parametrize(
    "query",
    ["period=abc", "period=2026-13", "by=nothing", "step=%00", "person=-1&opd=x", "page=zz"],
)
def test_it_answers_bad_input_with_a_page_not_an_error(rekap: Rekap, query: str) -> None:
    client = login("rekap.kadis")
    assert client.get(f"/laporan/mutu-baku/?{query}").status_code == 200
    assert client.get(f"/laporan/mutu-baku/langkah/?{query}").status_code == 200


def test_it_refuses_opd_users(rekap: Rekap) -> None:
    assert login("rekap.dinkes").get("/laporan/mutu-baku/").status_code == 403


def test_it_answers_the_report_in_a_bounded_number_of_queries(
    rekap: Rekap, django_assert_max_num_queries: Any
) -> None:
    client = login("rekap.kadis")
    month = month_of(rekap)
    for by in Dimension:
        with django_assert_max_num_queries(23):
            client.get(f"/laporan/mutu-baku/?period={month.key}&by={by.value}")
    with django_assert_max_num_queries(14):
        client.get(f"/laporan/mutu-baku/langkah/?period={month.key}")


def test_it_keeps_a_finished_periods_table_and_forgets_it_when_a_record_arrives(
    rekap: Rekap, django_assert_max_num_queries: Any
) -> None:
    from jaga.reports.models import ComplianceSnapshot

    month = month_of(rekap)
    client = login("rekap.kadis")
    first = client.get(f"/laporan/mutu-baku/?period={month.key}&by=step")
    assert ComplianceSnapshot.objects.filter(agency=rekap.agency).count() == 1
    with django_assert_max_num_queries(17):  # the table and total from the snapshot
        again = client.get(f"/laporan/mutu-baku/?period={month.key}&by=step")
    assert [r["row"] for r in again.context["table"]] == [r["row"] for r in first.context["table"]]
    assert again.context["total"] == first.context["total"]
    assert again.context["total"].p90_percent == first.context["total"].p90_percent
    # A step of that month recorded late (a rebuild, a backdated completion) forgets it.
    StepRecord.objects.filter(agency=rekap.agency, step_no="1").first().delete()  # type: ignore[union-attr]
    assert rebuild() == 1
    assert not ComplianceSnapshot.objects.filter(agency=rekap.agency).exists()
    # The current month is never kept: its records still arrive.
    client.get("/laporan/mutu-baku/?by=step")
    assert not ComplianceSnapshot.objects.filter(agency=rekap.agency).exists()


def test_it_spends_no_statement_forgetting_a_month_not_yet_over(rekap: Rekap) -> None:
    import datetime as dt

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from jaga.reports.snapshots import forget

    this_month = timezone.now().date().replace(day=1)
    with CaptureQueriesContext(connection) as captured:
        assert forget(rekap.agency.pk, [this_month, this_month + dt.timedelta(days=40)]) == 0
    assert captured.captured_queries == []  # a completion of today's costs nothing here
    with CaptureQueriesContext(connection) as captured:
        forget(rekap.agency.pk, [month_of(rekap).start])
    assert len(captured.captured_queries) == 1  # a past month's frozen tables are looked for


def test_it_reuses_a_running_periods_table_for_a_while_then_computes_it_again(
    rekap: Rekap, settings: Any
) -> None:
    import datetime as dt

    from jaga.reports import snapshots

    settings.JAGA_REPORT_REFRESH_SECONDS = 600
    month = month_of(rekap)
    after = (month.end + dt.timedelta(days=32)).replace(day=1)
    # Two months, the second of them "now": a running period of more than a month.
    running = Period(month.start, after, "quarter", "running")
    today = month.end + dt.timedelta(days=3)
    now = dt.datetime.combine(today, dt.time(10, 0), tzinfo=dt.UTC)

    def table(at: dt.datetime) -> snapshots.Table:
        return snapshots.table(
            rekap.agency, running, Dimension.STEP, {}, None, "id", today=today, now=at
        )

    first = table(now)
    assert first.as_of == now
    assert first.total.done == 64
    StepRecord.objects.filter(agency=rekap.agency, step_no="1").first().delete()  # type: ignore[union-attr]
    rebuild()  # a record of the period arrives: a running table is not forgotten
    soon = table(now + dt.timedelta(minutes=5))
    assert soon.as_of == now
    later = table(now + dt.timedelta(minutes=11))
    assert later.as_of == now + dt.timedelta(minutes=11)
    assert later.total == first.total


def test_it_names_the_active_filters(rekap: Rekap) -> None:
    month = month_of(rekap)
    opd = rekap.cases[0].opd
    assert opd is not None
    response = login("rekap.kadis").get(
        f"/laporan/mutu-baku/?period={month.key}&by=person&opd={opd.pk}&step=rekap:1"
    )
    assert [item["key"] for item in response.context["active"]] == [
        "rekap · 1. Disposisi",
        "Dinas Kesehatan",
    ]
    assert response.context["total"].done == 10  # step 1 of cases 1-10
