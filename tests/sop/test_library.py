"""The shipped SOP library: one faithful, valid definition per seed SOP (no database)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import jaga.sop
from jaga.sop.schema import END, SopSpec, StartMode, Step, StepKind
from jaga.sop.validate import check_file, load_spec

LIBRARY = Path(jaga.sop.__file__).resolve().parent / "library"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEEDS = FIXTURES / "seeds"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "sop-format.md"

FILES = {
    "000-bogor-pemeliharaan-jaringan.yaml": "pemeliharaan-jaringan",
    "001-lingga-pemeliharaan-jaringan-internet.yaml": "pemeliharaan-jaringan-internet",
    "002-pontianak-pemeliharaan-komponen-jaringan.yaml": "pemeliharaan-komponen-jaringan",
    "003-bolmut-maintenance-gangguan-jaringan.yaml": "maintenance-gangguan-jaringan",
    "004-batam-pemeliharaan-jaringan-berkala.yaml": "pemeliharaan-jaringan-berkala",
}
SEED_FILES = {
    "000": "000_694545f841b1d28b.txt",
    "001": "001_842079d8eedbba96.txt",
    "002": "002_87ce37fb29722220.txt",
    "003": "003_34b2b3d726046b92.txt",
    "004": "004_228c04053a223f5c.txt",
}
#: Steps the printed tables imply but do not carry (decisions, implied actions and
#: acknowledgments); their texts are Jaga's, so they are not looked up in the seed.
IMPLIED = {
    "000": {"3a", "3b", "6a"},
    "001": {"4a"},
    "002": {"1a", "2a", "4b"},
    "003": {"6a", "9a", "11a"},
    "004": {"7a"},
}

Row = tuple[str, str | None, str, str]


def spec_of(seed: str) -> SopSpec:
    (path,) = LIBRARY.glob(f"{seed}-*.yaml")
    return load_spec(path.read_text(encoding="utf-8"), str(path))


def rows(spec: SopSpec) -> list[Row]:
    return [(step.no, step.lane, str(step.kind), step.waktu) for step in spec.steps]


def lanes(spec: SopSpec) -> list[tuple[str, str, list[str], bool]]:
    return [(lane.key, lane.label, lane.positions, lane.reporter) for lane in spec.lanes]


def branches(step: Step) -> list[tuple[str, str, str]]:
    return [(branch.key, branch.label, branch.next) for branch in step.branches]


def printed_numbers(spec: SopSpec) -> list[str]:
    return [step.no for step in spec.steps if step.no.isdigit()]


def normal(text: str) -> str:
    return " ".join(text.split())


# --- the whole library -------------------------------------------------------------------


def test_it_ships_one_file_per_seed_with_its_code() -> None:
    assert sorted(path.name for path in LIBRARY.glob("*.yaml")) == sorted(FILES)
    for name, code in FILES.items():
        spec = load_spec((LIBRARY / name).read_text(encoding="utf-8"), name)
        assert spec.code == code


@pytest.mark.parametrize("name", sorted(FILES))
def test_it_validates_every_library_file(name: str) -> None:
    assert check_file(LIBRARY / name) == []


@pytest.mark.parametrize("name", sorted(FILES))
def test_it_names_the_transcribed_seed_in_the_first_comment(name: str) -> None:
    first = (LIBRARY / name).read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# Transcription of seed ")
    assert SEED_FILES[name[:3]] in first


@pytest.mark.parametrize("seed", sorted(SEED_FILES))
def test_it_keeps_every_printed_text_as_printed(seed: str) -> None:
    """Kegiatan, Kelengkapan, Waktu and Output of every step taken from a printed row, and
    every identity text, occur verbatim (up to line breaks) in the seed."""
    text = normal(
        (SEEDS / SEED_FILES[seed])
        .read_text(encoding="utf-8")
        .replace("<i>", "")
        .replace("</i>", "")
    )
    spec = spec_of(seed)
    identity = spec.identity
    texts = [identity.nama, identity.nomor, *identity.instansi, *identity.labels.values()]
    texts += [identity.tanggal_pembuatan, identity.tanggal_revisi, identity.tanggal_efektif]
    if identity.disahkan_oleh is not None:
        official = identity.disahkan_oleh
        texts += [official.jabatan, official.nama, official.nip, official.pangkat]
    texts += identity.kualifikasi_pelaksana + identity.keterkaitan
    texts += identity.peralatan_perlengkapan + identity.peringatan
    texts += identity.pencatatan_pendataan
    texts += [item for item in identity.dasar_hukum if "Tata Kerja Dinas Daerah" not in item]
    texts += [lane.label for lane in spec.lanes]
    for step in spec.steps:
        if step.no in IMPLIED[seed]:
            assert step.waktu == "kondisional"
            assert step.transcription_note
            assert step.keterangan == ""
            assert step.output == ""
            continue
        texts += [step.kegiatan, step.kelengkapan, step.output]
        if step.no.isdigit():
            texts.append(step.waktu)
        else:  # a continued row: the document prints its Mutu Baku once, on the first line
            assert step.waktu == "kondisional"
    missing = [item for item in texts if item and normal(item) not in text]
    assert missing == []


@pytest.mark.parametrize("seed", sorted(SEED_FILES))
def test_it_explains_every_step_jaga_added(seed: str) -> None:
    spec = spec_of(seed)
    for step in spec.steps:
        if not step.no.isdigit():
            assert "tersirat" in step.transcription_note or "baris" in step.transcription_note, (
                step.no
            )


def test_it_starts_routine_rounds_on_a_schedule_and_the_others_from_a_report() -> None:
    assert spec_of("000").start == [StartMode.SCHEDULE, StartMode.MANUAL]
    assert spec_of("001").start == [StartMode.REPORT]
    assert spec_of("002").start == [StartMode.REPORT]
    assert spec_of("003").start == [StartMode.REPORT]
    assert spec_of("004").start == [StartMode.SCHEDULE, StartMode.MANUAL]


@pytest.mark.parametrize("seed", sorted(SEED_FILES))
def test_it_leaves_the_clock_to_the_agency(seed: str) -> None:
    """No seed says working time or 24x7: the agency's calendar setting decides."""
    spec = spec_of(seed)
    assert spec.calendar is None
    assert all(step.calendar is None for step in spec.steps)


# --- seed 000: Kota Bogor, Pemeliharaan Jaringan -----------------------------------------


def test_it_transcribes_the_bogor_identity() -> None:
    identity = spec_of("000").identity
    assert identity.nomor == "008"
    assert identity.nama == "Pemeliharaan Jaringan"
    assert identity.instansi == [
        "KOTA BOGOR",
        "PEMERINTAH KOTA BOGOR",
        "Dinas Komunikasi, Informatika, Statistik dan Persandian Kota Bogor",
    ]
    assert identity.tanggal_pembuatan == "November 2017"
    assert identity.tanggal_revisi == identity.tanggal_efektif == ""
    assert identity.disahkan_oleh is not None
    assert identity.disahkan_oleh.nama == "Drs. Firdaus, M.Si"
    assert identity.disahkan_oleh.nip == "19671226 198603 1 002"
    assert len(identity.dasar_hukum) == 7
    assert identity.keterkaitan == ["Semua Pengembangan Aplikasi"]
    assert identity.peralatan_perlengkapan == [
        "Komputer",
        "Jaringan Internet",
        "Sistem Informasi Manajemen",
    ]
    assert identity.pencatatan_pendataan == []
    assert identity.labels["nama"] == "Judul SOP"


def test_it_transcribes_the_bogor_lanes() -> None:
    assert lanes(spec_of("000")) == [
        ("opd", "Perangkat Daerah", [], True),
        ("kadis", "Kepala Diskominfo standi", ["kadis"], False),
        ("kabid", "Kabid", ["kabid"], False),
        ("kasi", "Kasi", ["kasi"], False),
        ("teknis", "Tim Pemeliharaan (Pengecekan) / Teknisi", ["teknisi"], False),
    ]


def test_it_transcribes_the_bogor_steps() -> None:
    spec = spec_of("000")
    assert printed_numbers(spec) == ["1", "2", "3", "4", "5", "6"]
    assert rows(spec) == [
        ("1", "kadis", "disposition", "10 Menit"),
        ("1a", "kabid", "disposition", "kondisional"),
        ("2", "kasi", "assignment", "30 Menit"),
        ("3", "teknis", "activity", "1 Jam"),
        ("3a", "teknis", "decision", "kondisional"),
        ("3b", "teknis", "activity", "kondisional"),
        ("4", "teknis", "report", "30 Menit"),
        ("5", "kasi", "report", "10 Menit"),
        ("6", "kabid", "report", "10 Menit"),
        ("6a", "kadis", "activity", "kondisional"),
    ]


def test_it_splits_bogor_row_1_into_the_order_and_the_disposition() -> None:
    spec = spec_of("000")
    assert spec.step("1").to_lane == "kabid"
    assert spec.step("1a").kegiatan == "Kepala bidang mendisposisikan ke kepala seksi"
    assert spec.step("1a").to_lane == "kasi"
    assert spec.step("2").to_lane == "teknis"


def test_it_keeps_the_bogor_quirks_and_notes_them() -> None:
    spec = spec_of("000")
    assert spec.step("1").output == "1. NIK 2. Nama 3. Alamat 4. No Telp"
    assert "formulir pengaduan" in spec.step("1").transcription_note
    assert spec.step("4").output == "Disposisi"
    assert "laporan tim" in spec.step("4").transcription_note


def test_it_makes_the_bogor_damage_decision_explicit() -> None:
    spec = spec_of("000")
    assert branches(spec.step("3a")) == [
        ("ada_kerusakan", "Ada yang rusak / trouble", "3b"),
        ("tidak", "Tidak", "4"),
    ]
    assert spec.following(spec.step("3b")) == "4"
    assert spec.following(spec.step("6")) == "6a"
    assert spec.following(spec.step("6a")) == END


# --- seed 001: Kabupaten Lingga, Pemeliharaan Jaringan Internet --------------------------


def test_it_transcribes_the_lingga_identity() -> None:
    identity = spec_of("001").identity
    assert identity.nomor == "SOP-21.04.1.3.1.2-1"
    assert identity.nama == "Pemeliharaan Jaringan Internet di Lingkungan Kantor Pemerintah Daerah"
    assert identity.instansi == ["PEMERINTAH KABUPATEN", "SEKRETARIAT DAERAH"]
    assert (
        identity.tanggal_pembuatan,
        identity.tanggal_revisi,
        identity.tanggal_efektif,
    ) == ("01-09-2017", "02-09-2017", "02-09-2017")
    assert identity.disahkan_oleh is not None
    assert identity.disahkan_oleh.jabatan == "Kepala Bagian Kominfo dan Humas"
    assert identity.disahkan_oleh.nip == ""
    assert len(identity.kualifikasi_pelaksana) == 4
    assert identity.labels["kegiatan"] == "Aktivitas"


def test_it_transcribes_the_lingga_lanes() -> None:
    assert lanes(spec_of("001")) == [
        ("kabag", "Kepala Bagian Kominfo dan Humas", ["kabag"], False),
        ("kasubbag", "Kepala Sub Bagian Informatika", ["kasubbag"], False),
        ("staf", "Staf Sub Bagian Informatika", ["staf"], False),
    ]


def test_it_transcribes_the_lingga_steps() -> None:
    spec = spec_of("001")
    assert rows(spec) == [
        ("1", "kabag", "disposition", "5 menit"),
        ("2", "kasubbag", "form", "15 menit"),
        ("3", "staf", "activity", "kondisional"),
        ("4", "kasubbag", "report", "5 menit"),
        ("4a", "kabag", "activity", "kondisional"),
    ]
    assert spec.step("1").to_lane == "kasubbag"
    assert spec.step("2").kelengkapan == "Disposisi, pengaduan"
    assert "kondial" in spec.step("4").kegiatan
    assert "kondisi" in spec.step("4").transcription_note


# --- seed 002: Kota Pontianak, Pemeliharaan Komponen Jaringan ----------------------------


def test_it_transcribes_the_pontianak_identity() -> None:
    identity = spec_of("002").identity
    assert identity.nomor == "/TKPBET.DKI/2020"
    assert identity.tanggal_efektif == "2020"
    assert identity.disahkan_oleh is not None
    assert identity.disahkan_oleh.pangkat == "Pembina Utama Muda"
    assert identity.disahkan_oleh.nip == "19610329 198903 1 004"
    assert identity.labels["pencatatan_pendataan"] == "Pencacatan dan Pendataan"
    assert identity.labels["kualifikasi_pelaksana"] == "Kualifikasi Pelaksanaan"
    assert len(identity.pencatatan_pendataan) == 3


def test_it_transcribes_the_pontianak_lanes() -> None:
    assert lanes(spec_of("002")) == [
        ("opd", "PEMOHON", [], True),
        ("kadis", "KEPALA DINAS", ["kadis"], False),
        ("kabid", "KEPALA BIDANG", ["kabid"], False),
        ("seksi", "KEPALA SEKSI & STAF", ["kasi", "staf"], False),
    ]


def test_it_transcribes_the_pontianak_steps() -> None:
    spec = spec_of("002")
    assert printed_numbers(spec) == ["1", "2", "3", "4", "5"]
    assert rows(spec) == [
        ("1", "kadis", "disposition", "1 hari"),
        ("1a", "kabid", "disposition", "kondisional"),
        ("2", "seksi", "activity", "2 jam"),
        ("2a", "seksi", "decision", "kondisional"),
        ("3", "seksi", "activity", "1 hari"),
        ("4", "seksi", "activity", "3 jam"),
        ("4a", "seksi", "report", "kondisional"),
        ("4b", "kabid", "activity", "kondisional"),
        ("5", "seksi", "report", "1 jam"),
    ]
    assert {step.output for step in spec.steps if step.no.isdigit()} == {
        "Pelayanan informasi dapat kembali berfungsi"
    }


def test_it_routes_pontianak_damage_by_severity() -> None:
    spec = spec_of("002")
    assert branches(spec.step("2a")) == [
        ("ringan", "Ringan", "4"),
        ("sedang", "Sedang", "4a"),
        ("berat", "Berat", "3"),
    ]
    assert spec.following(spec.step("4")) == "5"
    assert spec.following(spec.step("4a")) == "4b"
    assert spec.following(spec.step("4b")) == "3"
    assert spec.following(spec.step("3")) == "5"
    assert spec.following(spec.step("5")) == END


# --- seed 003: Kabupaten Bolaang Mongondow Utara, Maintenance Gangguan Jaringan ----------


def test_it_transcribes_the_bolmut_identity() -> None:
    identity = spec_of("003").identity
    assert identity.nomor == ""
    assert identity.nama == "Maintenance Gangguan Jaringan"
    assert identity.tanggal_pembuatan == "Januari 2021"
    assert identity.disahkan_oleh is not None
    assert identity.disahkan_oleh.nama == "Aang Wardiman, AK.CA"
    assert len(identity.dasar_hukum) == 6
    assert len(identity.kualifikasi_pelaksana) == 5
    assert len(identity.peralatan_perlengkapan) == 10
    assert identity.keterkaitan[0] == "SOP Pemeliharaan Server"
    assert identity.peringatan[0].startswith("Pencatatan dan Pendokumentasian")
    assert identity.pencatatan_pendataan[0].startswith("Pencatatan dan pendataan dilakukan")


def test_it_transcribes_the_bolmut_lanes() -> None:
    assert lanes(spec_of("003")) == [
        ("kadis", "Kadis Kominfo", ["kadis"], False),
        ("kabid", "Kabid Aptika", ["kabid"], False),
        ("kasi", "Kasie e-Gov", ["kasi"], False),
        ("teknis", "Tenaga Teknis Kominfo", ["teknisi"], False),
        ("opd", "OPD Pelapor", [], True),
    ]


def test_it_transcribes_the_bolmut_steps() -> None:
    spec = spec_of("003")
    assert printed_numbers(spec) == [str(n) for n in range(1, 15)]
    assert rows(spec) == [
        ("1", "opd", "report", "30 Menit"),
        ("2", "kadis", "disposition", "30 Menit"),
        ("3", "kabid", "disposition", "15 menit"),
        ("4", "kasi", "assignment", "15 Menit"),
        ("5", "teknis", "activity", "1 Jam"),
        ("6", "teknis", "decision", "1 Jam"),
        ("6a", "teknis", "activity", "kondisional"),
        ("7", "teknis", "activity", "1 jam"),
        ("8", "teknis", "decision", "2 jam"),
        ("9", "teknis", "decision", "3 Jam"),
        ("9a", "opd", "form", "kondisional"),
        ("10", "teknis", "activity", "1 Jam"),
        ("11", "teknis", "report", "1 jam"),
        ("11a", "opd", "acknowledgment", "kondisional"),
        ("12", "kasi", "check", "30 menit"),
        ("13", "kabid", "check", "30 Menit"),
        ("14", "kadis", "check", "30 Menit"),
    ]


def test_it_makes_the_bolmut_decisions_explicit() -> None:
    spec = spec_of("003")
    assert branches(spec.step("6")) == [("ya", "Ya", "7"), ("tidak", "Tidak", "6a")]
    assert spec.following(spec.step("6a")) == "11"
    assert branches(spec.step("8")) == [
        ("diperbaiki", "Diperbaiki", "11"),
        ("diganti", "Diganti", "9"),
    ]
    # Row 9 ("Apabila perangkat harus diganti ...") is the team's own decision, with its
    # printed Mutu Baku: the confirmation that the device must be replaced.
    nine = spec.step("9")
    assert nine.kegiatan == (
        "Apabila perangkat harus diganti Tim Teknis menginformasikan kepada OPD pelapor untuk"
        " mengisi formulir Berita Acara Pengajuan penggantian Perangkat"
    )
    assert (nine.kelengkapan, nine.waktu, nine.output) == (
        "Peralatan Jaringan",
        "3 Jam",
        "Dokumen Formulir",
    )
    assert branches(nine) == [
        ("ya", "Ya, harus diganti", "9a"),
        ("tidak", "Tidak, dapat diperbaiki", "11"),
    ]
    assert nine.transcription_note
    assert "9a" in nine.transcription_note
    assert nine.fields == []
    assert nine.document is None
    assert spec.step("9a").next is None  # the table's order: on to 10
    assert spec.following(spec.step("9a")) == "10"
    assert spec.following(spec.step("10")) == "11"


def test_it_has_the_reporter_fill_in_the_bolmut_replacement_form() -> None:
    spec = spec_of("003")
    step = spec.step("9a")
    assert spec.lane(step.lane or "").reporter
    assert (step.kind, step.waktu, step.output) == (StepKind.FORM, "kondisional", "")
    assert "menginformasikan kepada OPD pelapor untuk mengisi formulir" in normal(
        step.transcription_note
    )
    assert step.document == "berita_acara_penggantian"
    assert [field.key for field in step.fields] == [
        "nama_barang",
        "merk_tipe",
        "no_seri",
        "jumlah",
        "kondisi",
        "alasan",
    ]
    assert step.fields[3].type == "integer"


def test_it_has_the_bolmut_reporter_acknowledge_the_berita_acara() -> None:
    spec = spec_of("003")
    assert spec.step("11").document == "berita_acara_pekerjaan"
    assert spec.following(spec.step("11")) == "11a"
    assert spec.lane(spec.step("11a").lane or "").reporter
    assert "diketahui oleh OPD pelapor" in spec.step("11a").transcription_note


def test_it_lets_each_bolmut_superior_send_the_report_back() -> None:
    spec = spec_of("003")
    assert spec.step("12").return_to == ["11"]
    assert spec.step("13").return_to == ["12"]
    assert spec.step("14").return_to == ["13"]
    assert spec.following(spec.step("14")) == END


def test_it_names_the_bolmut_documents() -> None:
    spec = spec_of("003")
    assert {step.no: step.document for step in spec.steps if step.document} == {
        "2": "lembar_disposisi",
        "3": "lembar_disposisi",
        "4": "surat_tugas",
        "9a": "berita_acara_penggantian",
        "11": "berita_acara_pekerjaan",
    }


# --- seed 004: Kota Batam, Pemeliharaan Jaringan Berkala ---------------------------------


def test_it_transcribes_the_batam_identity() -> None:
    identity = spec_of("004").identity
    assert identity.nomor == "05/SOP/Kominfo-PE/10/2018"
    assert (
        identity.tanggal_pembuatan,
        identity.tanggal_revisi,
        identity.tanggal_efektif,
    ) == ("08 OKTOBER 2018", "09 MARET 2020", "15 OKTOBER 2018")
    assert identity.disahkan_oleh is not None
    assert identity.disahkan_oleh.pangkat == "Pembina"
    assert len(identity.dasar_hukum) == 14
    assert identity.dasar_hukum[12].endswith("Susunan Organisasi dan Tata Kerja Dinas Daerah")
    assert len(identity.keterkaitan) == 8
    assert len(identity.peralatan_perlengkapan) == 9
    assert identity.labels["kegiatan"] == "Uraian Prosedur"


def test_it_names_the_batam_lanes_after_the_kualifikasi_pelaksana() -> None:
    spec = spec_of("004")
    assert lanes(spec) == [
        ("kadis", "Kepala Dinas Komunikasi dan Informatika", ["kadis"], False),
        ("kabid", "Kepala Bidang Penyelenggaraan e Government", ["kabid"], False),
        ("kasi", "Kepala Seksi Infrastruktur dan Teknologi", ["kasi"], False),
        ("teknis", "Tim Data Center", ["staf", "tim_dc"], False),
        ("opd", "Kepala OPD Pemohon", [], True),
    ]
    qualified = spec.identity.kualifikasi_pelaksana
    for number, lane in enumerate(spec.lanes):
        assert re.split(r" : ", qualified[number])[0] == lane.label


def test_it_transcribes_the_batam_steps() -> None:
    spec = spec_of("004")
    assert printed_numbers(spec) == [str(n) for n in range(1, 11)]
    assert rows(spec) == [
        ("1", "kasi", "report", "3 Hari"),
        ("2", "kabid", "report", "1 hari"),
        ("3", "kadis", "disposition", "1 hari"),
        ("4", "kabid", "disposition", "1 hari"),
        ("5", "kasi", "assignment", "1 hari"),
        ("6", "teknis", "activity", "1 hari"),
        ("7", "teknis", "report", "1 hari"),
        ("7a", "opd", "acknowledgment", "kondisional"),
        ("8", "kasi", "check", "1 hari"),
        ("9", "kabid", "report", "1 Hari"),
        ("10", "kadis", "check", "1 Hari"),
    ]
    assert spec.step("1").document == "rencana_kerja"
    assert spec.step("5").to_lane == "teknis"
    assert spec.step("8").return_to == ["7"]


def test_it_ends_batam_at_the_review_not_at_a_selesai_step() -> None:
    spec = spec_of("004")
    assert all(step.kegiatan != "Selesai" for step in spec.steps)
    last = spec.steps[-1]
    assert last.kegiatan == "Kepala Dinas melakukan review"
    assert spec.following(last) == END
    assert "Selesai" in last.transcription_note


# --- the format's own examples -----------------------------------------------------------


def test_it_validates_the_helpdesk_fixture() -> None:
    path = FIXTURES / "helpdesk.yaml"
    assert check_file(path) == []
    spec = load_spec(path.read_text(encoding="utf-8"), str(path))
    (decision,) = [step for step in spec.steps if step.kind is StepKind.DECISION]
    assert [branch.label for branch in decision.branches] == [
        "Gangguan",
        "Permintaan",
        "Informasi",
    ]
    (check,) = [step for step in spec.steps if step.kind is StepKind.CHECK]
    assert check.return_to == ["5", "6"]
    assert any(step.kind is StepKind.ASSIGNMENT for step in spec.steps)
    assert any(step.kind is StepKind.FORM and step.fields for step in spec.steps)


def test_it_validates_the_complete_example_in_the_docs() -> None:
    text = DOCS.read_text(encoding="utf-8")
    section = text.split("## A complete example", 1)[1]
    example = section.split("```yaml\n", 1)[1].split("\n```", 1)[0]
    spec = load_spec(example, "docs/sop-format.md")
    assert {str(step.kind) for step in spec.steps} == {str(kind) for kind in StepKind}
    # The docs print the example file the demo loads, unchanged.
    shipped = Path("jaga/sop/examples/pemasangan-access-point.yaml")
    assert example + "\n" == (Path(__file__).resolve().parents[2] / shipped).read_text()


# --- fan-outs (issue 14): the per-site steps of the two maintenance rounds ---------------


@pytest.mark.parametrize(
    ("seed", "key", "label", "steps", "join"),
    [
        ("000", "pengecekan", "Pengecekan per lokasi", ["3", "3a", "3b"], "4"),
        ("004", "kunjungan", "Kunjungan per lokasi", ["6", "7", "7a"], "8"),
    ],
)
def test_it_runs_the_per_site_steps_of_a_round_once_per_site(
    seed: str, key: str, label: str, steps: list[str], join: str
) -> None:
    spec = spec_of(seed)
    (fan,) = spec.fan_out
    assert (fan.key, fan.label, fan.over, fan.steps) == (key, label, "sites", steps)
    assert spec.join_of(fan) == join


def test_it_lets_each_batam_site_opd_acknowledge_without_a_case_opd() -> None:
    spec = spec_of("004")
    assert spec.reporter_steps_outside_fan_outs() == []
    assert spec.step("8").return_to == ["7"]  # into a visit: one site's work is redone


@pytest.mark.parametrize("seed", ["001", "002", "003"])
def test_it_keeps_the_disruption_sops_on_one_trunk(seed: str) -> None:
    assert spec_of(seed).fan_out == []
