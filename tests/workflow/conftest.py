"""An agency with a Kadis, a Kabid, a Kasi, two technicians, an OPD reporter and an
admin, and a small SOP that uses every step kind."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from jaga.org.models import Employee, Opd, OrgUnit, Position, User
from jaga.sop.models import SopDefinition
from jaga.sop.services import load_definition
from jaga.tenancy.models import Agency
from tests.conftest import PASSWORD, make_agency

MINI_SOP = """
format: jaga-sop/1
code: mini
identity:
  nama: Penanganan Gangguan (uji)
  instansi: [DINAS UJI]
start: [report, manual]
lanes:
  - {key: opd, label: OPD Pelapor, reporter: true}
  - {key: kadis, label: Kadis, positions: [kadis]}
  - {key: kabid, label: Kabid, positions: [kabid]}
  - {key: kasi, label: Kasi, positions: [kasi]}
  - {key: teknis, label: Tim Teknis, positions: [teknisi]}
steps:
  - {no: 1, kegiatan: Laporan masuk, lane: opd, waktu: 30 Menit, output: Laporan}
  - {no: 2, kegiatan: Kadis mendisposisikan, lane: kadis, kind: disposition, to_lane: kabid,
     waktu: 30 Menit, output: Disposisi, document: lembar_disposisi}
  - {no: 3, kegiatan: Kabid mendisposisikan, lane: kabid, kind: disposition, to_lane: kasi,
     waktu: 15 menit, output: Disposisi}
  - {no: 4, kegiatan: Kasi menunjuk tim, lane: kasi, kind: assignment, to_lane: teknis,
     max_assignees: 2, waktu: 15 Menit, output: Memo}
  - no: 5
    kegiatan: Tim memeriksa
    lane: teknis
    kind: decision
    waktu: 1 Jam
    fields:
      - {key: lokasi, label: Lokasi gangguan}
      - {key: tingkat, label: Tingkat kerusakan, type: choice, choices: [ringan, berat]}
    branches:
      - {key: perbaiki, label: Diperbaiki, next: 7}
      - {key: ganti, label: Diganti, next: 6}
  - no: 6
    kegiatan: Formulir penggantian
    lane: teknis
    kind: form
    waktu: 3 Jam
    fields:
      - {key: nama_barang, label: Nama barang}
      - {key: jumlah, label: Jumlah, type: integer}
  - {no: 7, kegiatan: Berita acara pekerjaan, lane: teknis, waktu: 1 jam, output: Berita Acara}
  - {no: 8, kegiatan: OPD mengetahui, lane: opd, kind: acknowledgment, waktu: kondisional}
  - {no: 9, kegiatan: Kasi memeriksa, lane: kasi, kind: check, return_to: [7], waktu: 30 menit}
  - {no: 10, kegiatan: Kadis review, lane: kadis, kind: report, waktu: 2x24 jam}
"""


@dataclass
class World:
    agency: Agency
    definition: SopDefinition
    opd: Opd
    reporter: User
    kadis: User
    kabid: User
    kasi: User
    tech1: User
    tech2: User
    admin: User
    outsider: User


def add_holder(
    agency: Agency, code: str, title: str, unit: OrgUnit, username: str, nip: str
) -> User:
    position, _ = Position.objects.get_or_create(
        agency=agency, code=code, defaults={"title": title, "unit": unit}
    )
    user = User.objects.create_user(username, password=PASSWORD, agency=agency)
    employee = Employee.objects.create(agency=agency, name=username, nip=nip, user=user)
    employee.positions.add(position)
    return user


@pytest.fixture
def world(db: None) -> World:
    agency = make_agency("gamma")
    unit = OrgUnit.objects.get(agency=agency, kind="dinas")
    kabid = add_holder(agency, "kabid", "Kepala Bidang", unit, "gamma.kabid", "197001012000031001")
    kasi = add_holder(agency, "kasi", "Kepala Seksi", unit, "gamma.kasi", "198001012005031002")
    tech1 = add_holder(agency, "teknisi", "Teknisi", unit, "gamma.tek1", "199001012015031003")
    tech2 = add_holder(agency, "teknisi", "Teknisi", unit, "gamma.tek2", "199101012016032004")
    return World(
        agency=agency,
        definition=load_definition(agency, MINI_SOP, path="mini.yaml").definition,
        opd=Opd.objects.get(agency=agency),
        reporter=User.objects.get(username="gamma.dinkes"),
        kadis=User.objects.get(username="gamma.kadis"),
        kabid=kabid,
        kasi=kasi,
        tech1=tech1,
        tech2=tech2,
        admin=User.objects.get(username="gamma.admin"),
        outsider=make_agency_user(),
    )


def make_agency_user() -> User:
    other = make_agency("delta")
    return User.objects.get(username="delta.kadis", agency=other)
