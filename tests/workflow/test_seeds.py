"""Every path of the five seed SOPs, run to the end in the demo agencies.

Each path is a table of (step no, actor username, action, extra) rows, one per step visit;
``tests.workflow.seeds_support.run`` drives it and checks, at every row: that the case waits
on that step, that the step's deadline is the one written here (worked out by hand from
docs/calendar.md: Perpres 21/2023 hours Mon–Thu 07:30–12:00/13:00–16:00, Fri
07:30–11:30/13:00–16:30; Thursday 24 December 2026 is cuti bersama, Friday 25 December
Christmas, Friday 1 January 2027 New Year; "N hari" is the same fraction of the working day
N working days later; kondisional has no deadline), that plausible wrong people (and the
administrator of another agency) are refused, that the right person's action is recorded on
the right ground, and that completing the step again through a stale copy raises
StepNotOpen. At the end the case is closed, its (step, outcome) sequence is the table's and
the agency's audit chain verifies.

Every case starts on Friday 20 November 2026 at 15:45 in the agency's zone (WIB for Bogor,
Lingga and Batam, Asia/Pontianak for Pontianak, WITA for Bolaang Mongondow Utara).
"""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from jaga.audit.models import Event
from jaga.audit.services import verify
from jaga.sop.services import LIBRARY
from jaga.sop.validate import load_spec
from jaga.tenancy.models import Agency
from jaga.workflow.models import CaseSource, StepInstance
from tests.workflow.seeds_support import (
    ACCEPT,
    COMPLETE,
    DECIDE,
    HOLDER,
    NAMED,
    REPORTED,
    REPORTER,
    RETURN,
    Act,
    Path,
    run,
)

START = "Fri 2026-11-20 15:45"

# --- 000 Kota Bogor: Pemeliharaan Jaringan (pengecekan rutin), WIB ---------------------------
# 1 Kadis 10 Menit, 1a Kabid kondisional, 2 Kasi 30 Menit, 3 Tim 1 Jam, 3a kondisional
# (ada kerusakan -> 3b kondisional, tidak -> 4), 4 Tim 30 Menit, 5 Kasi 10 Menit, 6 Kabid 10 Menit,
# 6a Kadis kondisional (receives the Kabid's report, issue 20 point 3).
# Steps 3, 3a, 3b run once per site of the round (fan_out "pengecekan"); step 4 opens when
# the last site's visit is done.

BOGOR_TO_2 = (
    Act(
        "1",
        "bogor.kadis",
        COMPLETE,
        at="Fri 2026-11-20 16:10",
        due="Fri 2026-11-20 15:55",
        ground=HOLDER,
        refused=("bogor.kabid", "bogor.dinkes", "lingga.kabag"),
        named=("bogor.kabid",),
    ),
    Act(
        "1a",
        "bogor.kabid",
        COMPLETE,
        at="Mon 2026-11-23 08:00",
        due=None,
        ground=NAMED,
        refused=("bogor.kadis", "bogor.kasi"),
        named=("bogor.kasi",),
    ),
    Act(
        "2",
        "bogor.kasi",
        COMPLETE,
        at="Mon 2026-11-23 08:20",
        due="Mon 2026-11-23 08:30",
        ground=NAMED,
        refused=("bogor.kabid", "bogor.teknisi1"),
        named=("bogor.teknisi1", "bogor.teknisi2"),
    ),
)

BOGOR_REPAIR = Path(
    name="000-ada-kerusakan",
    seed="000",
    slug="bogor",
    code="pemeliharaan-jaringan",
    zone="Asia/Jakarta",
    source=CaseSource.SCHEDULE,
    starter="bogor.admin",
    opd="Dinkes",
    start=START,
    sites=("dinkes", "disdik"),
    acts=(
        *BOGOR_TO_2,
        # Two visits from 08:20, each due in 1 Jam: Disdik (no damage) first.
        Act(
            "3",
            "bogor.teknisi1",
            COMPLETE,
            at="Mon 2026-11-23 10:00",
            due="Mon 2026-11-23 09:20",
            ground=NAMED,
            refused=("bogor.teknisi3", "bogor.kasi"),
            site="disdik",
            data={"lokasi": "Dinas Pendidikan", "hasil_pengecekan": "Semua perangkat normal"},
        ),
        Act(
            "3a",
            "bogor.teknisi1",
            DECIDE,
            at="Mon 2026-11-23 10:05",
            due=None,
            ground=NAMED,
            refused=("bogor.teknisi3", "bogor.disdik"),
            site="disdik",
            branch="tidak",
        ),
        Act(
            "3",
            "bogor.teknisi2",
            COMPLETE,
            at="Mon 2026-11-23 11:40",
            due="Mon 2026-11-23 09:20",
            ground=NAMED,
            refused=("bogor.teknisi3", "bogor.kasi"),
            site="dinkes",
            data={"lokasi": "Dinas Kesehatan", "hasil_pengecekan": "Switch lantai 2 tidak menyala"},
        ),
        Act(
            "3a",
            "bogor.teknisi1",
            DECIDE,
            at="Mon 2026-11-23 11:50",
            due=None,
            ground=NAMED,
            refused=("bogor.teknisi3", "bogor.dinkes"),
            site="dinkes",
            branch="ada_kerusakan",
        ),
        Act(
            "3b",
            "bogor.teknisi2",
            COMPLETE,
            at="Mon 2026-11-23 15:00",
            due=None,
            ground=NAMED,
            refused=("bogor.teknisi3", "bogor.kabid"),
            site="dinkes",
            data={"tindakan": "Penggantian", "uraian": "Switch 8 port diganti"},
        ),
        Act(
            "4",
            "bogor.teknisi1",
            COMPLETE,
            at="Mon 2026-11-23 15:50",
            due="Mon 2026-11-23 15:30",
            ground=NAMED,
            refused=("bogor.kasi", "bogor.teknisi3"),
        ),
        Act(
            "5",
            "bogor.kasi",
            COMPLETE,
            at="Mon 2026-11-23 15:58",
            due="Mon 2026-11-23 16:00",  # 10 minutes ending exactly at closing time
            ground=NAMED,
            refused=("bogor.teknisi1", "bogor.kabid"),
        ),
        Act(
            "6",
            "bogor.kabid",
            COMPLETE,
            at="Tue 2026-11-24 07:45",
            due="Tue 2026-11-24 07:38",  # 2 minutes on Monday, 8 on Tuesday
            ground=NAMED,
            refused=("bogor.kasi", "bogor.kadis"),
        ),
        Act(
            "6a",
            "bogor.kadis",
            COMPLETE,
            at="Tue 2026-11-24 09:30",
            due=None,
            ground=HOLDER,
            refused=("bogor.kabid", "bogor.dinkes"),
        ),
    ),
)

BOGOR_NO_DAMAGE = Path(
    name="000-tidak",
    seed="000",
    slug="bogor",
    code="pemeliharaan-jaringan",
    zone="Asia/Jakarta",
    source=CaseSource.MANUAL,
    starter="bogor.admin",
    opd="Kec. Bogor Tengah",
    start=START,
    sites=("kec-bogor-tengah",),
    acts=(
        *BOGOR_TO_2,
        Act(
            "3",
            "bogor.teknisi2",
            COMPLETE,
            at="Mon 2026-11-23 11:40",
            due="Mon 2026-11-23 09:20",
            ground=NAMED,
            refused=("bogor.teknisi3", "bogor.kasi"),
            site="kec-bogor-tengah",
            data={"lokasi": "Kecamatan Bogor Tengah", "hasil_pengecekan": "Normal"},
        ),
        Act(
            "3a",
            "bogor.teknisi1",
            DECIDE,
            at="Mon 2026-11-23 11:50",
            due=None,
            ground=NAMED,
            refused=("bogor.teknisi3", "bogor.kecbogortengah"),
            site="kec-bogor-tengah",
            branch="tidak",
        ),
        Act(
            "4",
            "bogor.teknisi1",
            COMPLETE,
            at="Mon 2026-11-23 13:10",
            due="Mon 2026-11-23 13:20",  # 10 minutes before the break, 20 after
            ground=NAMED,
            refused=("bogor.kasi", "bogor.teknisi3"),
        ),
        Act(
            "5",
            "bogor.kasi",
            COMPLETE,
            at="Mon 2026-11-23 13:30",
            due="Mon 2026-11-23 13:20",
            ground=NAMED,
            refused=("bogor.teknisi2", "bogor.kabid"),
        ),
        Act(
            "6",
            "bogor.kabid",
            COMPLETE,
            at="Mon 2026-11-23 14:00",
            due="Mon 2026-11-23 13:40",
            ground=NAMED,
            refused=("bogor.kasi", "bogor.kecbogortengah"),
        ),
        Act(
            "6a",
            "bogor.kadis",
            COMPLETE,
            at="Mon 2026-11-23 14:30",
            due=None,
            ground=HOLDER,
            refused=("bogor.kabid", "bogor.teknisi1"),
        ),
    ),
)

# --- 001 Kabupaten Lingga: Pemeliharaan Jaringan Internet, WIB --------------------------------
# No decision, no check, no reporter lane: one path. 1 Kabag 5 menit, 2 Kasubbag 15 menit,
# 3 Staf kondisional, 4 Kasubbag 5 menit, 4a Kabag kondisional (receives the report, issue
# 20 point 3).

LINGGA = Path(
    name="001-satu-jalur",
    seed="001",
    slug="lingga",
    code="pemeliharaan-jaringan-internet",
    zone="Asia/Jakarta",
    source=CaseSource.REPORT,
    starter="lingga.dinkes",
    opd="Dinkes",
    start=START,
    acts=(
        Act(
            "1",
            "lingga.kabag",
            COMPLETE,
            at="Fri 2026-11-20 16:28",
            due="Fri 2026-11-20 15:50",
            ground=HOLDER,
            refused=("lingga.kasubbag", "lingga.dinkes", "bogor.kadis"),
            named=("lingga.kasubbag",),
        ),
        Act(
            "2",
            "lingga.kasubbag",
            COMPLETE,
            at="Mon 2026-11-23 07:40",
            due="Mon 2026-11-23 07:43",  # 2 minutes on Friday, 13 on Monday
            ground=NAMED,
            refused=("lingga.kabag", "lingga.teknisi1"),
            data={
                "unit_kerja": "Dinas Kesehatan",
                "cara_pengaduan": "Tertulis",
                "uraian_gangguan": "Internet di ruang pelayanan terputus sejak Jumat sore",
            },
        ),
        Act(
            "3",
            "lingga.teknisi2",
            COMPLETE,
            at="Mon 2026-11-23 14:00",
            due=None,
            ground=HOLDER,
            refused=("lingga.kasubbag", "lingga.dinkes"),
        ),
        Act(
            "4",
            "lingga.kasubbag",
            COMPLETE,
            at="Mon 2026-11-23 14:03",
            due="Mon 2026-11-23 14:05",
            ground=NAMED,
            refused=("lingga.teknisi2", "lingga.kabag"),
        ),
        Act(
            "4a",
            "lingga.kabag",
            COMPLETE,
            at="Mon 2026-11-23 15:00",
            due=None,
            ground=HOLDER,
            refused=("lingga.kasubbag", "lingga.teknisi2"),
        ),
    ),
)

# --- 002 Kota Pontianak: Pemeliharaan Komponen Jaringan, Asia/Pontianak -----------------------
# 1 Kadis 1 hari, 1a Kabid kondisional, 2 Seksi 2 jam, 2a kondisional (ringan -> 4 3 jam;
# sedang -> 4a kondisional -> 4b Kabid kondisional -> 3; berat -> 3), 3 Seksi 1 hari,
# 5 Seksi 1 jam.

PONTIANAK_KADIS = Act(
    "1",
    "pontianak.kadis",
    COMPLETE,
    at="Mon 2026-11-23 09:00",
    due="Mon 2026-11-23 15:15",  # 405 of Friday's 450 minutes -> 405 of Monday's
    ground=HOLDER,
    refused=("pontianak.kabid", "pontianak.dinkes", "bolmut.kadis"),
    named=("pontianak.kabid",),
)


def pontianak_survey(seksi: str, bystander: str, branch: str) -> tuple[Act, ...]:
    """Steps 1a, 2 and 2a: the Kabid names ``seksi`` for the Seksi's lane, who surveys and
    grades the damage ``branch``; ``bystander`` (another holder of the lane) is refused."""
    return (
        Act(
            "1a",
            "pontianak.kabid",
            COMPLETE,
            at="Mon 2026-11-23 10:00",
            due=None,
            ground=NAMED,
            refused=("pontianak.kadis", "pontianak.teknisi3"),
            named=(seksi,),
        ),
        Act(
            "2",
            seksi,
            COMPLETE,
            at="Mon 2026-11-23 13:30",
            due="Mon 2026-11-23 12:00",  # 2 hours ending exactly at the break
            ground=NAMED,
            refused=(bystander, "pontianak.kabid"),
            data={"lokasi": "Dinas Kesehatan, ruang server", "hasil_survey": "Router tidak stabil"},
        ),
        Act(
            "2a",
            seksi,
            DECIDE,
            at="Mon 2026-11-23 13:45",
            due=None,
            ground=NAMED,
            refused=(bystander, "pontianak.dinkes"),
            branch=branch,
        ),
    )


PONTIANAK_LIGHT = Path(
    name="002-ringan",
    seed="002",
    slug="pontianak",
    code="pemeliharaan-komponen-jaringan",
    zone="Asia/Pontianak",
    source=CaseSource.REPORT,
    starter="pontianak.dinkes",
    opd="Dinkes",
    start=START,
    acts=(
        PONTIANAK_KADIS,
        *pontianak_survey("pontianak.kasi", "pontianak.teknisi1", "ringan"),
        Act(
            "4",
            "pontianak.kasi",
            COMPLETE,
            at="Tue 2026-11-24 08:00",
            due="Tue 2026-11-24 08:15",  # 135 minutes on Monday, 45 on Tuesday
            ground=NAMED,
            refused=("pontianak.teknisi1", "pontianak.kabid"),
        ),
        Act(
            "5",
            "pontianak.kasi",
            COMPLETE,
            at="Tue 2026-11-24 08:45",
            due="Tue 2026-11-24 09:00",
            ground=NAMED,
            refused=("pontianak.teknisi2", "pontianak.kadis"),
        ),
    ),
)

PONTIANAK_MEDIUM = Path(
    name="002-sedang",
    seed="002",
    slug="pontianak",
    code="pemeliharaan-komponen-jaringan",
    zone="Asia/Pontianak",
    source=CaseSource.REPORT,
    starter="pontianak.dinkes",
    opd="Dinkes",
    start=START,
    acts=(
        PONTIANAK_KADIS,
        *pontianak_survey("pontianak.kasi", "pontianak.teknisi2", "sedang"),
        Act(
            "4a",
            "pontianak.kasi",
            COMPLETE,
            at="Mon 2026-11-23 14:00",
            due=None,
            ground=NAMED,
            refused=("pontianak.teknisi2", "pontianak.kabid"),
        ),
        # The Kabid named at step 1 receives the Seksi's report (issue 20 point 3).
        Act(
            "4b",
            "pontianak.kabid",
            COMPLETE,
            at="Mon 2026-11-23 14:30",
            due=None,
            ground=NAMED,
            refused=("pontianak.kasi", "pontianak.kadis"),
            note="Ganti router dari stok gudang",
        ),
        Act(
            "3",
            "pontianak.kasi",
            COMPLETE,
            at="Tue 2026-11-24 10:00",
            due="Tue 2026-11-24 14:30",
            ground=NAMED,
            refused=("pontianak.teknisi2", "pontianak.kadis"),
        ),
        Act(
            "5",
            "pontianak.kasi",
            COMPLETE,
            at="Tue 2026-11-24 10:30",
            due="Tue 2026-11-24 11:00",
            ground=NAMED,
            refused=("pontianak.teknisi1", "pontianak.dinkes"),
        ),
    ),
)

PONTIANAK_HEAVY = Path(
    name="002-berat",
    seed="002",
    slug="pontianak",
    code="pemeliharaan-komponen-jaringan",
    zone="Asia/Pontianak",
    source=CaseSource.REPORT,
    starter="pontianak.dinkes",
    opd="Dinkes",
    start=START,
    acts=(
        PONTIANAK_KADIS,
        # The Kabid names a staff member: from then on the Kasi is not the Seksi's actor.
        *pontianak_survey("pontianak.teknisi1", "pontianak.kasi", "berat"),
        Act(
            "3",
            "pontianak.teknisi1",
            COMPLETE,
            at="Wed 2026-11-25 09:00",
            due="Tue 2026-11-24 13:45",
            ground=NAMED,
            refused=("pontianak.kasi", "pontianak.teknisi2"),
        ),
        Act(
            "5",
            "pontianak.teknisi1",
            COMPLETE,
            at="Wed 2026-11-25 09:30",
            due="Wed 2026-11-25 10:00",
            ground=NAMED,
            refused=("pontianak.kasi", "pontianak.kabid"),
        ),
    ),
)

# --- 003 Kabupaten Bolaang Mongondow Utara: Maintenance Gangguan Jaringan, WITA ---------------
# 1 OPD 30 Menit (the report), 2 Kadis 30 Menit, 3 Kabid 15 menit, 4 Kasi 15 Menit, 5 Tim 1 Jam,
# 6 Tim 1 Jam (ya -> 7, tidak -> 6a kondisional -> 11), 7 Tim 1 jam, 8 Tim 2 jam (diperbaiki
# -> 11, diganti -> 9), 9 Tim 3 Jam (ya -> 9a OPD form kondisional -> 10, tidak -> 11),
# 10 Tim 1 Jam, 11 Tim 1 jam, 11a OPD kondisional, checks 12 Kasi (-> 11), 13 Kabid (-> 12),
# 14 Kadis (-> 13), 30 menit each.


def bolmut_to_6(team: tuple[str, ...], bystander: str, branch: str) -> tuple[Act, ...]:
    """Steps 1 to 6: the report, the two dispositions, the Kasi appointing ``team``, the
    team's check and its decision ``branch``; ``bystander`` (a technician not appointed) is
    refused."""
    return (
        Act(
            "1",
            "bolmut.dinkes",
            REPORTED,
            at=START,
            due="Fri 2026-11-20 16:15",
            ground=REPORTER,
        ),
        Act(
            "2",
            "bolmut.kadis",
            COMPLETE,
            at="Fri 2026-11-20 16:20",
            due="Fri 2026-11-20 16:15",
            ground=HOLDER,
            refused=("bolmut.kabid", "bolmut.dinkes", "bolmut.teknisi1", "pontianak.kadis"),
            named=("bolmut.kabid",),
        ),
        Act(
            "3",
            "bolmut.kabid",
            COMPLETE,
            at="Mon 2026-11-23 07:50",
            due="Mon 2026-11-23 07:35",  # 10 minutes on Friday, 5 on Monday
            ground=NAMED,
            refused=("bolmut.kadis", "bolmut.kasi"),
            named=("bolmut.kasi",),
        ),
        Act(
            "4",
            "bolmut.kasi",
            COMPLETE,
            at="Mon 2026-11-23 08:00",
            due="Mon 2026-11-23 08:05",
            ground=NAMED,
            refused=("bolmut.kabid", "bolmut.teknisi1"),
            named=team,
        ),
        Act(
            "5",
            team[0],
            COMPLETE,
            at="Mon 2026-11-23 11:30",
            due="Mon 2026-11-23 09:00",
            ground=NAMED,
            refused=(bystander, "bolmut.kasi"),
            data={"jenis_gangguan": "Koneksi putus", "lokasi_gangguan": "Ruang pelayanan"},
        ),
        Act(
            "6",
            team[-1],
            DECIDE,
            at="Mon 2026-11-23 13:10",
            due="Mon 2026-11-23 13:30",  # 30 minutes before the break, 30 after
            ground=NAMED,
            refused=(bystander, "bolmut.dinkes"),
            branch=branch,
        ),
    )


def bolmut_on_site(technician: str, bystander: str, branch: str) -> tuple[Act, ...]:
    """Steps 7 and 8 (branch ``ya`` of 6): the check on site and the decision ``branch``."""
    return (
        Act(
            "7",
            technician,
            COMPLETE,
            at="Mon 2026-11-23 15:30",
            due="Mon 2026-11-23 14:10",
            ground=NAMED,
            refused=(bystander, "bolmut.dinkes"),
        ),
        Act(
            "8",
            technician,
            DECIDE,
            at="Tue 2026-11-24 08:30",
            due="Tue 2026-11-24 09:00",  # 30 minutes on Monday, 90 on Tuesday
            ground=NAMED,
            refused=(bystander, "bolmut.kasi"),
            branch=branch,
        ),
    )


BOLMUT_REPAIRED = Path(
    name="003-ya-diperbaiki",
    seed="003",
    slug="bolmut",
    code="maintenance-gangguan-jaringan",
    zone="Asia/Makassar",
    source=CaseSource.REPORT,
    starter="bolmut.dinkes",
    opd="Dinkes",
    start=START,
    acts=(
        *bolmut_to_6(("bolmut.teknisi1",), "bolmut.teknisi2", "ya"),
        *bolmut_on_site("bolmut.teknisi1", "bolmut.teknisi2", "diperbaiki"),
        Act(
            "11",
            "bolmut.teknisi1",
            COMPLETE,
            at="Tue 2026-11-24 09:15",
            due="Tue 2026-11-24 09:30",
            ground=NAMED,
            refused=("bolmut.teknisi2", "bolmut.kasi"),
        ),
        Act(
            "11a",
            "bolmut.dinkes",
            COMPLETE,
            at="Tue 2026-11-24 10:00",
            due=None,
            ground=REPORTER,
            refused=("bolmut.disdikbud", "bolmut.teknisi1"),
        ),
        Act(
            "12",
            "bolmut.kasi",
            ACCEPT,
            at="Tue 2026-11-24 10:20",
            due="Tue 2026-11-24 10:30",
            ground=NAMED,
            refused=("bolmut.teknisi1", "bolmut.kabid"),
        ),
        Act(
            "13",
            "bolmut.kabid",
            ACCEPT,
            at="Tue 2026-11-24 11:45",
            due="Tue 2026-11-24 10:50",
            ground=NAMED,
            refused=("bolmut.kasi", "bolmut.kadis"),
        ),
        Act(
            "14",
            "bolmut.kadis",
            ACCEPT,
            at="Tue 2026-11-24 13:05",
            due="Tue 2026-11-24 13:15",  # 15 minutes before the break, 15 after
            ground=HOLDER,
            refused=("bolmut.kabid", "pontianak.kadis"),
        ),
    ),
)

#: Serial numbers of the devices seed 003's replacement step swaps (prepare_inventory).
BROKEN_SWITCH = "SN22010RSK"
SPARE_SWITCH = "SN22020CDG"
BOLMUT_FINDINGS = "Port 3 switch terbakar tersambar petir\nKabel patch ke router longgar"
BOLMUT_WORK = "Switch diganti dengan cadangan dari gudang\nKabel patch dikrimp ulang dan diuji"

BOLMUT_REPLACED = Path(
    name="003-ya-diganti-ya-kasi-mengembalikan",
    seed="003",
    slug="bolmut",
    code="maintenance-gangguan-jaringan",
    zone="Asia/Makassar",
    source=CaseSource.REPORT,
    starter="bolmut.dinkes",
    opd="Dinkes",
    start=START,
    acts=(
        *bolmut_to_6(("bolmut.teknisi1",), "bolmut.teknisi3", "ya"),
        *bolmut_on_site("bolmut.teknisi1", "bolmut.teknisi3", "diganti"),
        Act(
            "9",
            "bolmut.teknisi1",
            DECIDE,
            at="Tue 2026-11-24 09:40",
            due="Tue 2026-11-24 11:30",
            ground=NAMED,
            refused=("bolmut.dinkes", "bolmut.teknisi3"),
            branch="ya",
        ),
        Act(
            "9a",
            "bolmut.dinkes",
            COMPLETE,
            at="Tue 2026-11-24 11:00",
            due=None,
            ground=REPORTER,
            refused=("bolmut.disdikbud", "bolmut.teknisi1"),
            data={
                "nama_barang": "Switch 8 port",
                "merk_tipe": "TP-Link TL-SG1008D",
                "jumlah": 1,
                "kondisi": "Rusak berat",
                "alasan": "Port terbakar tersambar petir",
            },
        ),
        Act(
            "10",
            "bolmut.teknisi1",
            COMPLETE,
            at="Tue 2026-11-24 13:30",
            due="Tue 2026-11-24 12:00",  # 1 hour ending exactly at the break
            ground=NAMED,
            refused=("bolmut.dinkes", "bolmut.teknisi3"),
            replaces=(BROKEN_SWITCH, SPARE_SWITCH, "in_repair"),
        ),
        Act(
            "11",
            "bolmut.teknisi1",
            COMPLETE,
            at="Tue 2026-11-24 14:00",
            due="Tue 2026-11-24 14:30",
            ground=NAMED,
            refused=("bolmut.teknisi3", "bolmut.kasi"),
        ),
        Act(
            "11a",
            "bolmut.dinkes",
            COMPLETE,
            at="Tue 2026-11-24 14:10",
            due=None,
            ground=REPORTER,
            refused=("bolmut.disdikbud", "bolmut.teknisi1"),
        ),
        Act(
            "12",
            "bolmut.kasi",
            RETURN,
            at="Tue 2026-11-24 14:30",
            due="Tue 2026-11-24 14:40",
            ground=NAMED,
            refused=("bolmut.teknisi1", "bolmut.kabid"),
            to="11",
            note="Berita Acara belum mencantumkan nomor seri perangkat pengganti",
        ),
        Act(
            "11",
            "bolmut.teknisi1",
            COMPLETE,
            at="Tue 2026-11-24 15:55",
            due="Tue 2026-11-24 15:30",
            ground=NAMED,
            refused=("bolmut.teknisi3", "bolmut.kasi"),
            # What the documents print of the work (tests/documents): the findings and the
            # work done with their line breaks; the note is for colleagues, never printed.
            data={"temuan": BOLMUT_FINDINGS, "tindakan": BOLMUT_WORK},
            note="BA sudah dicetak untuk ditandatangani",
        ),
        Act(
            "11a",
            "bolmut.dinkes",
            COMPLETE,
            at="Wed 2026-11-25 08:00",
            due=None,
            ground=REPORTER,
            refused=("bolmut.bappeda", "bolmut.teknisi1"),
        ),
        Act(
            "12",
            "bolmut.kasi",
            ACCEPT,
            at="Wed 2026-11-25 08:10",
            due="Wed 2026-11-25 08:30",
            ground=NAMED,
            refused=("bolmut.teknisi1", "bolmut.kadis"),
        ),
        Act(
            "13",
            "bolmut.kabid",
            ACCEPT,
            at="Wed 2026-11-25 08:20",
            due="Wed 2026-11-25 08:40",
            ground=NAMED,
            refused=("bolmut.kasi", "bolmut.kadis"),
        ),
        Act(
            "14",
            "bolmut.kadis",
            ACCEPT,
            at="Wed 2026-11-25 08:30",
            due="Wed 2026-11-25 08:50",
            ground=HOLDER,
            refused=("bolmut.kabid", "bolmut.kasi"),
        ),
    ),
)

BOLMUT_NOT_REPLACED = Path(
    name="003-ya-diganti-tidak",
    seed="003",
    slug="bolmut",
    code="maintenance-gangguan-jaringan",
    zone="Asia/Makassar",
    source=CaseSource.REPORT,
    starter="bolmut.dinkes",
    opd="Dinkes",
    start=START,
    acts=(
        *bolmut_to_6(("bolmut.teknisi2", "bolmut.teknisi3"), "bolmut.teknisi1", "ya"),
        *bolmut_on_site("bolmut.teknisi3", "bolmut.teknisi1", "diganti"),
        # Row 9 does not confirm the replacement: no form for the OPD, on to the Berita Acara.
        Act(
            "9",
            "bolmut.teknisi2",
            DECIDE,
            at="Tue 2026-11-24 10:45",
            due="Tue 2026-11-24 11:30",
            ground=NAMED,
            refused=("bolmut.dinkes", "bolmut.teknisi1"),
            branch="tidak",
        ),
        Act(
            "11",
            "bolmut.teknisi3",
            COMPLETE,
            at="Tue 2026-11-24 13:10",
            due="Tue 2026-11-24 11:45",
            ground=NAMED,
            refused=("bolmut.teknisi1", "bolmut.kasi"),
        ),
        Act(
            "11a",
            "bolmut.dinkes",
            COMPLETE,
            at="Tue 2026-11-24 13:30",
            due=None,
            ground=REPORTER,
            refused=("bolmut.bpkad", "bolmut.teknisi3"),
        ),
        Act(
            "12",
            "bolmut.kasi",
            ACCEPT,
            at="Tue 2026-11-24 13:45",
            due="Tue 2026-11-24 14:00",
            ground=NAMED,
            refused=("bolmut.teknisi2", "bolmut.kabid"),
        ),
        Act(
            "13",
            "bolmut.kabid",
            ACCEPT,
            at="Tue 2026-11-24 15:50",
            due="Tue 2026-11-24 14:15",
            ground=NAMED,
            refused=("bolmut.kasi", "bolmut.kadis"),
        ),
        Act(
            "14",
            "bolmut.kadis",
            ACCEPT,
            at="Wed 2026-11-25 07:40",
            due="Wed 2026-11-25 07:50",  # 10 minutes on Tuesday, 20 on Wednesday
            ground=HOLDER,
            refused=("bolmut.kabid", "bolmut.kasi"),
        ),
    ),
)

BOLMUT_SERVER = Path(
    name="003-tidak-kabid-dan-kadis-mengembalikan",
    seed="003",
    slug="bolmut",
    code="maintenance-gangguan-jaringan",
    zone="Asia/Makassar",
    source=CaseSource.REPORT,
    starter="bolmut.dinkes",
    opd="Dinkes",
    start=START,
    acts=(
        # Two technicians appointed: either may act, the third may not.
        *bolmut_to_6(("bolmut.teknisi2", "bolmut.teknisi3"), "bolmut.teknisi1", "tidak"),
        Act(
            "6a",
            "bolmut.teknisi2",
            COMPLETE,
            at="Mon 2026-11-23 15:00",
            due=None,
            ground=NAMED,
            refused=("bolmut.teknisi1", "bolmut.kasi"),
        ),
        Act(
            "11",
            "bolmut.teknisi3",
            COMPLETE,
            at="Mon 2026-11-23 15:40",
            due="Mon 2026-11-23 16:00",  # 1 hour ending exactly at closing time
            ground=NAMED,
            refused=("bolmut.teknisi1", "bolmut.dinkes"),
        ),
        Act(
            "11a",
            "bolmut.dinkes",
            COMPLETE,
            at="Mon 2026-11-23 15:50",
            due=None,
            ground=REPORTER,
            refused=("bolmut.bappeda", "bolmut.teknisi2"),
        ),
        Act(
            "12",
            "bolmut.kasi",
            ACCEPT,
            at="Tue 2026-11-24 08:00",
            due="Tue 2026-11-24 07:50",  # 10 minutes on Monday, 20 on Tuesday
            ground=NAMED,
            refused=("bolmut.teknisi2", "bolmut.kabid"),
        ),
        Act(
            "13",
            "bolmut.kabid",
            RETURN,
            at="Tue 2026-11-24 08:15",
            due="Tue 2026-11-24 08:30",
            ground=NAMED,
            refused=("bolmut.kasi", "bolmut.kadis"),
            to="12",
            note="Periksa kembali lampiran Berita Acara",
        ),
        Act(
            "12",
            "bolmut.kasi",
            ACCEPT,
            at="Tue 2026-11-24 08:40",
            due="Tue 2026-11-24 08:45",
            ground=NAMED,
            refused=("bolmut.kabid", "bolmut.teknisi3"),
        ),
        Act(
            "13",
            "bolmut.kabid",
            ACCEPT,
            at="Tue 2026-11-24 09:00",
            due="Tue 2026-11-24 09:10",
            ground=NAMED,
            refused=("bolmut.kasi", "bolmut.kadis"),
        ),
        Act(
            "14",
            "bolmut.kadis",
            RETURN,
            at="Tue 2026-11-24 09:20",
            due="Tue 2026-11-24 09:30",
            ground=HOLDER,
            refused=("bolmut.kabid", "pontianak.kadis"),
            to="13",
            note="Ringkasan penanganan server belum ada",
        ),
        Act(
            "13",
            "bolmut.kabid",
            ACCEPT,
            at="Tue 2026-11-24 09:45",
            due="Tue 2026-11-24 09:50",
            ground=NAMED,
            refused=("bolmut.kasi", "bolmut.teknisi3"),
        ),
        Act(
            "14",
            "bolmut.kadis",
            ACCEPT,
            at="Tue 2026-11-24 10:00",
            due="Tue 2026-11-24 10:15",
            ground=HOLDER,
            refused=("bolmut.kabid", "bolmut.kasi"),
        ),
    ),
)

# --- 004 Kota Batam: Pemeliharaan Jaringan Berkala, WIB ---------------------------------------
# 1 Kasi 3 Hari, 2 Kabid, 3 Kadis, 4 Kabid, 5 Kasi, 6 Tim, 7 Tim: 1 hari each; 7a OPD
# kondisional; checks 8 Kasi (-> 7) and 10 Kadis (-> 9), 9 Kabid: 1 hari each.
# Steps 6, 7, 7a run once per site of the round (fan_out "kunjungan"), each site's OPD
# acknowledging its own Berita Acara; step 8 opens when the last visit is done, and its
# return to 7 reopens one site's visit. The round names no case OPD.

BATAM_TO_5 = (
    Act(
        "1",
        "batam.kasi",
        COMPLETE,
        at="Tue 2026-11-24 10:00",
        due="Wed 2026-11-25 15:15",  # 405 of Friday's 450 minutes -> 405 of the 3rd day's
        ground=HOLDER,
        refused=("batam.kabid", "batam.staf1", "bogor.kasi"),
    ),
    Act(
        "2",
        "batam.kabid",
        COMPLETE,
        at="Tue 2026-11-24 15:00",
        due="Wed 2026-11-25 10:00",
        ground=HOLDER,
        refused=("batam.kasi", "batam.kadis"),
    ),
    Act(
        "3",
        "batam.kadis",
        COMPLETE,
        at="Wed 2026-11-25 08:00",
        due="Wed 2026-11-25 15:00",
        ground=HOLDER,
        refused=("batam.kabid", "batam.dinkes"),
        named=("batam.kabid",),
    ),
    Act(
        "4",
        "batam.kabid",
        COMPLETE,
        at="Thu 2026-11-26 16:00",
        due="Thu 2026-11-26 08:00",
        ground=NAMED,
        refused=("batam.kadis", "batam.kasi"),
        named=("batam.kasi",),
    ),
    Act(
        "5",
        "batam.kasi",
        COMPLETE,
        at="Fri 2026-11-27 09:00",
        due="Fri 2026-11-27 16:30",  # opened at Thursday's closing time: all of Friday
        ground=NAMED,
        refused=("batam.kabid", "batam.teknisi2"),
        named=("batam.staf1", "batam.teknisi1"),  # one of each position of the lane
    ),
)

BATAM_ACCEPTED = Path(
    name="004-diterima",
    seed="004",
    slug="batam",
    code="pemeliharaan-jaringan-berkala",
    zone="Asia/Jakarta",
    source=CaseSource.SCHEDULE,
    starter="batam.admin",
    opd="",
    start=START,
    sites=("dinkes", "disdik"),
    acts=(
        *BATAM_TO_5,
        # Two visits from Friday 09:00, each 6 due 1 hari later.
        Act(
            "6",
            "batam.teknisi1",
            COMPLETE,
            at="Mon 2026-11-30 10:00",
            due="Mon 2026-11-30 09:00",
            ground=NAMED,
            refused=("batam.staf2", "batam.teknisi2", "batam.kasi"),
            site="disdik",
            data={"lokasi": "Dinas Pendidikan", "hasil_pemeliharaan": "Switch dibersihkan"},
        ),
        Act(
            "6",
            "batam.staf1",
            COMPLETE,
            at="Mon 2026-11-30 14:00",
            due="Mon 2026-11-30 09:00",
            ground=NAMED,
            refused=("batam.staf2", "batam.teknisi2", "batam.kasi"),
            site="dinkes",
            data={
                "lokasi": "Dinas Kesehatan",
                "hasil_pemeliharaan": "Kabel dirapikan, AP diperbarui",
            },
        ),
        Act(
            "7",
            "batam.staf1",
            COMPLETE,
            at="Mon 2026-11-30 15:00",
            due="Tue 2026-12-01 10:00",
            ground=NAMED,
            refused=("batam.staf2", "batam.disdik"),
            site="disdik",
        ),
        Act(
            "7a",
            "batam.disdik",
            COMPLETE,
            at="Tue 2026-12-01 08:00",
            due=None,
            ground=REPORTER,
            refused=("batam.dinkes", "batam.teknisi1"),  # another site's OPD is refused
            site="disdik",
        ),
        Act(
            "7",
            "batam.teknisi1",
            COMPLETE,
            at="Tue 2026-12-01 09:00",
            due="Tue 2026-12-01 14:00",
            ground=NAMED,
            refused=("batam.staf2", "batam.dinkes"),
            site="dinkes",
        ),
        Act(
            "7a",
            "batam.dinkes",
            COMPLETE,
            at="Tue 2026-12-01 11:00",
            due=None,
            ground=REPORTER,
            refused=("batam.disdik", "batam.teknisi1"),
            site="dinkes",
        ),
        Act(
            "8",
            "batam.kasi",
            ACCEPT,
            at="Wed 2026-12-02 08:00",
            due="Wed 2026-12-02 11:00",
            ground=NAMED,
            refused=("batam.kabid", "batam.teknisi1"),
        ),
        Act(
            "9",
            "batam.kabid",
            COMPLETE,
            at="Wed 2026-12-02 13:30",
            due="Thu 2026-12-03 08:00",
            ground=NAMED,
            refused=("batam.kasi", "batam.kadis"),
        ),
        Act(
            "10",
            "batam.kadis",
            ACCEPT,
            at="Thu 2026-12-03 09:00",
            due="Thu 2026-12-03 13:30",
            ground=HOLDER,
            refused=("batam.kabid", "bogor.kadis"),
        ),
    ),
)

BATAM_RETURNED = Path(
    name="004-kasi-dan-kadis-mengembalikan",
    seed="004",
    slug="batam",
    code="pemeliharaan-jaringan-berkala",
    zone="Asia/Jakarta",
    source=CaseSource.MANUAL,
    starter="batam.admin",
    opd="",
    start=START,
    sites=("disdik",),
    acts=(
        *BATAM_TO_5,
        Act(
            "6",
            "batam.staf1",
            COMPLETE,
            at="Mon 2026-11-30 14:00",
            due="Mon 2026-11-30 09:00",
            ground=NAMED,
            refused=("batam.staf2", "batam.teknisi2", "batam.kasi"),
            site="disdik",
            data={"lokasi": "Dinas Pendidikan", "hasil_pemeliharaan": "Kabel dirapikan"},
        ),
        Act(
            "7",
            "batam.teknisi1",
            COMPLETE,
            at="Mon 2026-12-21 10:00",
            due="Tue 2026-12-01 14:00",
            ground=NAMED,
            refused=("batam.staf2", "batam.disdik"),
            site="disdik",
        ),
        Act(
            "7a",
            "batam.disdik",
            COMPLETE,
            at="Mon 2026-12-21 11:00",
            due=None,
            ground=REPORTER,
            refused=("batam.dinkes", "batam.staf1"),
            site="disdik",
        ),
        Act(
            "8",
            "batam.kasi",
            RETURN,
            at="Tue 2026-12-22 10:00",
            due="Tue 2026-12-22 11:00",
            ground=NAMED,
            refused=("batam.kabid", "batam.teknisi1"),
            to="7",
            reopens="disdik",
            note="Foto dokumentasi belum dilampirkan",
        ),
        Act(
            "7",
            "batam.teknisi1",
            COMPLETE,
            at="Wed 2026-12-23 09:00",
            due="Wed 2026-12-23 10:00",
            ground=NAMED,
            refused=("batam.teknisi2", "batam.kasi"),
            site="disdik",
        ),
        Act(
            "7a",
            "batam.disdik",
            COMPLETE,
            at="Wed 2026-12-23 10:00",
            due=None,
            ground=REPORTER,
            refused=("batam.rsudembungfatimah", "batam.staf1"),
            site="disdik",
        ),
        Act(
            "8",
            "batam.kasi",
            ACCEPT,
            at="Mon 2026-12-28 08:00",
            due="Mon 2026-12-28 10:00",  # skips cuti bersama 24/12, Christmas 25/12, weekend
            ground=NAMED,
            refused=("batam.kabid", "batam.staf1"),
        ),
        Act(
            "9",
            "batam.kabid",
            COMPLETE,
            at="Mon 2026-12-28 09:00",
            due="Tue 2026-12-29 08:00",
            ground=NAMED,
            refused=("batam.kasi", "batam.kadis"),
        ),
        Act(
            "10",
            "batam.kadis",
            RETURN,
            at="Mon 2026-12-28 15:00",
            due="Tue 2026-12-29 09:00",
            ground=HOLDER,
            refused=("batam.kabid", "bogor.kadis"),
            to="9",
            note="Laporan belum memuat rekap per OPD",
        ),
        Act(
            "9",
            "batam.kabid",
            COMPLETE,
            at="Thu 2026-12-31 11:00",
            due="Tue 2026-12-29 15:00",
            ground=NAMED,
            refused=("batam.kasi", "batam.kadis"),
        ),
        Act(
            "10",
            "batam.kadis",
            ACCEPT,
            at="Mon 2027-01-04 08:00",
            due="Mon 2027-01-04 11:00",  # skips New Year (Friday) and the weekend
            ground=HOLDER,
            refused=("batam.kabid", "batam.kasi"),
        ),
    ),
)

PATHS = (
    BOGOR_REPAIR,
    BOGOR_NO_DAMAGE,
    LINGGA,
    PONTIANAK_LIGHT,
    PONTIANAK_MEDIUM,
    PONTIANAK_HEAVY,
    BOLMUT_REPAIRED,
    BOLMUT_REPLACED,
    BOLMUT_NOT_REPLACED,
    BOLMUT_SERVER,
    BATAM_ACCEPTED,
    BATAM_RETURNED,
)


@pytest.fixture
def demo(demo_data: None, db: None) -> None:
    """The five demo agencies with their seed SOPs (``jaga demo``, loaded once for the
    module)."""


@pytest.mark.parametrize("path", PATHS, ids=[path.name for path in PATHS])
def test_it_runs_the_path_to_the_end(demo: None, path: Path) -> None:
    run(path)


#: Every (decision, branch) of each seed SOP, written out so that a transcription losing a
#: decision (or a branch) fails here too.
DECISIONS = {
    "000": {("3a", "ada_kerusakan"), ("3a", "tidak")},
    "001": set(),
    "002": {("2a", "ringan"), ("2a", "sedang"), ("2a", "berat")},
    "003": {
        ("6", "ya"),
        ("6", "tidak"),
        ("8", "diperbaiki"),
        ("8", "diganti"),
        ("9", "ya"),
        ("9", "tidak"),
    },
    "004": set(),
}


@pytest.mark.parametrize("seed", ["000", "001", "002", "003", "004"])
def test_it_covers_every_step_branch_and_return_of_the_seed(seed: str) -> None:
    """The paths of a seed together visit every step, take every branch of every decision
    (those of ``DECISIONS``), and at every check both accept and return to each step it may
    return to."""
    (file,) = LIBRARY.glob(f"{seed}-*.yaml")
    spec = load_spec(file.read_text(encoding="utf-8"), str(file))
    acts = [act for path in PATHS if path.seed == seed for act in path.acts]
    assert {path.code for path in PATHS if path.seed == seed} == {spec.code}
    assert {act.step for act in acts} == {step.no for step in spec.steps}
    decisions = {(step.no, branch.key) for step in spec.steps for branch in step.branches}
    assert decisions == DECISIONS[seed]
    assert {(act.step, act.branch) for act in acts if act.action == DECIDE} == decisions
    checks = {(step.no, "") for step in spec.steps if step.kind == "check"}
    returns = {
        (step.no, to) for step in spec.steps if step.kind == "check" for to in step.return_to
    }
    assert {(act.step, act.to) for act in acts if act.action == ACCEPT} == checks
    assert {(act.step, act.to) for act in acts if act.action == RETURN} == returns


def test_it_names_the_tampered_event_when_audit_verify_fails(demo: None) -> None:
    case = run(LINGGA)
    agency = Agency.objects.get(slug="lingga")
    disposition = StepInstance.objects.get(case=case, step_no="1")
    event = Event.objects.get(
        agency=agency, object_type="workflow.stepinstance", object_id=str(disposition.pk)
    )
    assert event.after is not None
    assert event.after["named"] == ["lingga.kasubbag"]
    out, err = StringIO(), StringIO()
    call_command("audit", "verify", stdout=out, stderr=err)
    assert out.getvalue().startswith("ok: ")

    forged = {**event.after, "named": ["lingga.teknisi3"]}
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE audit_event SET {connection.ops.quote_name('after')} = %s WHERE id = %s",
            [json.dumps(forged), event.pk],
        )

    result = verify(agency)
    assert not result.ok
    assert result.broken is not None
    assert (result.broken.seq, result.broken.event_id) == (event.seq, event.pk)
    out, err = StringIO(), StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("audit", "verify", stdout=out, stderr=err)
    assert exited.value.code == 1
    assert out.getvalue() == ""
    assert err.getvalue() == (
        f"broken: agency lingga, event #{event.seq} (id {event.pk}): "
        "hash does not match its contents\n"
    )
