"""An agency with a real chain of units (Dinas > Bidang > Seksi), its heads, two
technicians, an OPD with two users, and an SOP of the seed's shape whose steps have
known Mutu Baku; e-mail goes to an SMTP server on loopback (aiosmtpd) when a test asks."""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.test import override_settings

from jaga.org.models import Employee, Opd, OrgUnit, Position, User
from jaga.sop.models import SopDefinition
from jaga.sop.services import load_definition
from jaga.tenancy.models import Agency
from jaga.workflow.models import Case, CaseSource, StepInstance
from jaga.workflow.services import open_step, start_case
from tests.conftest import PASSWORD, make_agency

WIB = ZoneInfo("Asia/Jakarta")

SOP = """
format: jaga-sop/1
code: gangguan
identity:
  nama: Penanganan Gangguan Jaringan (uji notifikasi)
  instansi: [DINAS UJI]
start: [report, manual]
lanes:
  - {key: opd, label: OPD Pelapor, reporter: true}
  - {key: kadis, label: Kadis, positions: [kadis]}
  - {key: kabid, label: Kabid, positions: [kabid]}
  - {key: kasi, label: Kasi, positions: [kasi]}
  - {key: teknis, label: Tim Teknis, positions: [teknisi]}
steps:
  - {no: 1, kegiatan: Laporan masuk, lane: opd, waktu: 30 Menit}
  - {no: 2, kegiatan: Kadis mendisposisikan, lane: kadis, kind: disposition, to_lane: kabid,
     waktu: 30 Menit}
  - {no: 3, kegiatan: Kabid mendisposisikan, lane: kabid, kind: disposition, to_lane: kasi,
     waktu: 1 hari}
  - {no: 4, kegiatan: Kasi menunjuk tim, lane: kasi, kind: assignment, to_lane: teknis,
     max_assignees: 2, waktu: 1 hari, reminders: [25]}
  - {no: 5, kegiatan: Tim memperbaiki dan membuat Berita Acara, lane: teknis, waktu: 4 jam,
     calendar: 24x7, document: berita_acara_pekerjaan}
  - {no: 6, kegiatan: OPD mengetahui Berita Acara, lane: opd, kind: acknowledgment,
     waktu: kondisional}
  - {no: 7, kegiatan: Kasi memeriksa, lane: kasi, kind: check, return_to: [5], waktu: 30 menit}
  - {no: 8, kegiatan: Kadis review, lane: kadis, kind: report, waktu: 2x24 jam}
"""


@dataclass
class Org:
    """The agency and its people (usernames ``nt.<role>``)."""

    agency: Agency
    definition: SopDefinition
    opd: Opd
    reporter: User
    opd_colleague: User
    kadis: User
    kabid: User
    kasi: User
    tech1: User
    tech2: User
    sekretaris: User
    units: dict[str, OrgUnit] = field(default_factory=dict)

    def report(self, at: dt.datetime) -> Case:
        """A disruption report by the OPD at ``at`` (the case waits on the Kadis)."""
        return start_case(
            self.definition,
            source=CaseSource.REPORT,
            title="Internet mati di ruang pelayanan",
            reporter=self.reporter,
            description="Sejak pagi tidak ada koneksi",
            at=at,
        )


def waiting(case: Case) -> StepInstance:
    """The step the case's trunk waits on."""
    step = open_step(case)
    assert step is not None
    return step


def person(
    agency: Agency, unit: OrgUnit, code: str, title: str, name: str, nip: str, head: bool
) -> User:
    """A user holding position ``code`` in ``unit`` (its head when ``head``), with an
    e-mail address."""
    position, _ = Position.objects.get_or_create(
        agency=agency, code=code, defaults={"title": title, "unit": unit, "is_head": head}
    )
    user = User.objects.create_user(
        f"nt.{name}", password=PASSWORD, agency=agency, email=f"{name}@diskominfo.test"
    )
    user.first_name = name.title()
    user.save()
    employee = Employee.objects.create(agency=agency, name=name.title(), nip=nip, user=user)
    employee.positions.add(position)
    return user


@pytest.fixture
def org(db: None) -> Org:
    """The agency ``nt`` with Kadis > Kabid > Kasi > technicians, a Sekretaris (who acts
    as Plt), and the OPD's reporter and a colleague, all with addresses."""
    return build_org()


def build_org() -> Org:
    """The ``org`` fixture's organisation (for tests on another database fixture)."""
    agency = make_agency("nt")
    dinas = OrgUnit.objects.get(agency=agency, kind="dinas")
    bidang = OrgUnit.objects.create(agency=agency, name="Bidang TIK", kind="bidang", parent=dinas)
    seksi = OrgUnit.objects.create(
        agency=agency, name="Seksi Infrastruktur", kind="seksi", parent=bidang
    )
    kadis = User.objects.get(username="nt.kadis")
    kadis.email = "kadis@diskominfo.test"
    kadis.save()
    opd = Opd.objects.get(agency=agency)
    reporter = User.objects.get(username="nt.dinkes")
    reporter.email = "dinkes@opd.test"
    reporter.save()
    colleague = User.objects.create_user(
        "nt.dinkes2", password=PASSWORD, agency=agency, opd=opd, email="dinkes2@opd.test"
    )
    kabid = person(
        agency, bidang, "kabid", "Kepala Bidang TIK", "kabid", "197001012000031001", True
    )
    kasi = person(agency, seksi, "kasi", "Kepala Seksi", "kasi", "198001012005031002", True)
    tech1 = person(agency, seksi, "teknisi", "Teknisi", "tek1", "199001012015031003", False)
    tech2 = person(agency, seksi, "teknisi", "Teknisi", "tek2", "199101012016032004", False)
    sekretaris = person(
        agency, dinas, "sekretaris", "Sekretaris", "sekretaris", "197501012001031005", False
    )
    return Org(
        agency=agency,
        definition=load_definition(agency, SOP, path="gangguan.yaml").definition,
        opd=opd,
        reporter=reporter,
        opd_colleague=colleague,
        kadis=kadis,
        kabid=kabid,
        kasi=kasi,
        tech1=tech1,
        tech2=tech2,
        sekretaris=sekretaris,
        units={"dinas": dinas, "bidang": bidang, "seksi": seksi},
    )


@dataclass
class Mailbox:
    """What the loopback SMTP server accepted: one entry per message, with its
    Message-ID, recipients and raw content."""

    port: int
    messages: list[Envelope] = field(default_factory=list)

    def message_ids(self) -> list[str]:
        ids = []
        for envelope in self.messages:
            content = envelope.original_content or b""
            for line in content.decode("utf-8", "replace").splitlines():
                if line.lower().startswith("message-id:"):
                    ids.append(line.split(":", 1)[1].strip())
        return ids


class _Handler:
    def __init__(self, box: Mailbox) -> None:
        self.box = box

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.box.messages.append(envelope)
        return "250 OK"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    """An SMTP server (aiosmtpd) on 127.0.0.1, and Django's e-mail pointed at it."""
    box = Mailbox(port=free_port())
    controller = Controller(_Handler(box), hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=box.port,
            EMAIL_USE_TLS=False,
            EMAIL_HOST_USER="",
            EMAIL_HOST_PASSWORD="",
            EMAIL_TIMEOUT=10,
        ):
            yield box
    finally:
        controller.stop()
