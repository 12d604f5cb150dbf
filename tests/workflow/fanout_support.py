"""A round SOP with a fan-out (steps 3, 4, 5 run once per site, joining at 6) and an
agency world to run it in: two OPDs, each with a site and a user (for test_fan_out.py and
the concurrency test)."""

from __future__ import annotations

from dataclasses import dataclass

from jaga.inventory.models import Site
from jaga.org.models import Opd, User
from jaga.sop.models import SopDefinition
from jaga.sop.services import load_definition
from tests.conftest import PASSWORD
from tests.workflow.conftest import World

ROUND_SOP = """
format: jaga-sop/1
code: ronde
identity:
  nama: Pemeliharaan Berkala (uji)
  instansi: [DINAS UJI]
start: [schedule, manual]
lanes:
  - {key: kasi, label: Kasi, positions: [kasi]}
  - {key: teknis, label: Tim Teknis, positions: [teknisi]}
  - {key: opd, label: OPD lokasi, reporter: true}
steps:
  - {no: 1, kegiatan: Kasi menyusun rencana, lane: kasi, waktu: 1 jam}
  - {no: 2, kegiatan: Kasi menunjuk tim, lane: kasi, kind: assignment, to_lane: teknis,
     max_assignees: 2, waktu: 1 jam}
  - {no: 3, kegiatan: Tim memelihara, lane: teknis, waktu: 1 jam}
  - {no: 4, kegiatan: Tim membuat Berita Acara, lane: teknis, kind: report, waktu: 1 jam,
     document: berita_acara_pekerjaan}
  - {no: 5, kegiatan: OPD lokasi mengetahui, lane: opd, kind: acknowledgment,
     waktu: kondisional}
  - {no: 6, kegiatan: Kasi memeriksa, lane: kasi, kind: check, return_to: [4], waktu: 1 jam}
  - {no: 7, kegiatan: Kasi melaporkan, lane: kasi, kind: report, waktu: 1 jam}
fan_out:
  - {key: kunjungan, label: Kunjungan per lokasi, over: sites, steps: [3, 4, 5]}
"""


@dataclass
class Round:
    """The world plus the round SOP, two sites of two OPDs and those OPDs' users."""

    world: World
    definition: SopDefinition
    puskesmas: Site  # Dinas Kesehatan's site ("Puskesmas Utara")
    kantor: Site  # Kecamatan Barat's site ("Kantor Camat Barat")
    dinkes: User
    camat: User


def make_round(world: World) -> Round:
    agency = world.agency
    kecamatan = Opd.objects.create(agency=agency, name="Kecamatan Barat", abbreviation="Kec")
    camat = User.objects.create_user("gamma.camat", password=PASSWORD, agency=agency, opd=kecamatan)
    puskesmas = Site.objects.create(
        agency=agency, code="pkm-utara", name="Puskesmas Utara", opd=world.opd
    )
    kantor = Site.objects.create(
        agency=agency, code="kantor-barat", name="Kantor Camat Barat", opd=kecamatan
    )
    definition = load_definition(agency, ROUND_SOP, path="ronde.yaml").definition
    return Round(world, definition, puskesmas, kantor, world.reporter, camat)
