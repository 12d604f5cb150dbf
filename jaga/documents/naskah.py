"""The naskah dinas metadata of each document: jenis, sifat, urgensi, klasifikasi, hal and
lampiran (issue 18 points 2 and 4), frozen as ``content["naskah"]`` when it is issued.

The shape: ``{"jenis", "sifat", "urgensi", "klasifikasi", "hal", "lampiran", "header"}``,
strings except ``header``, the list of the head lines the type prints under its title
("nomor", "sifat", "lampiran", "hal"; docs/documents.md, "Tata naskah dinas").

Sources: Permendagri 1/2023 (Tata Naskah Dinas di Lingkungan Pemerintah Daerah), Lampiran,
the formats of naskah dinas: a Surat Tugas and a Berita Acara carry their number under the
title; a Laporan and a Nota Dinas also carry Sifat, Lampiran and Hal; the Lembar Disposisi
prints its Sifat among the boxes of the sheet. SRIKANDI (Perpres 95/2018, ANRI's
application for naskah dinas) registers each naskah with the same jenis, sifat
(Biasa, Terbatas, Rahasia, Sangat Rahasia: the security class), urgensi (Biasa, Segera,
Amat Segera) and klasifikasi (Permendagri 83/2022, Kode Klasifikasi Arsip).
"""

from __future__ import annotations

from typing import Any

from jaga.documents.models import AnyDocumentType, ReportType
from jaga.sop.schema import DocumentType

#: SRIKANDI's jenis naskah of each document type.
JENIS: dict[AnyDocumentType, str] = {
    DocumentType.LEMBAR_DISPOSISI: "Lembar Disposisi",
    DocumentType.SURAT_TUGAS: "Surat Tugas",
    DocumentType.BERITA_ACARA_PENGGANTIAN: "Berita Acara",
    DocumentType.BERITA_ACARA_PEKERJAAN: "Berita Acara",
    DocumentType.LAPORAN_TINDAK_LANJUT: "Laporan",
    DocumentType.RENCANA_KERJA: "Nota Dinas",
    ReportType.LAPORAN_KETERSEDIAAN: "Laporan",
    ReportType.REKAPITULASI: "Laporan",
    ReportType.LAPORAN_BERKALA: "Laporan",
    ReportType.DAFTAR_BUKTI_DUKUNG: "Laporan",
}

#: The head lines each type prints under its title (Permendagri 1/2023, Lampiran).
HEADER: dict[str, list[str]] = {
    "Lembar Disposisi": [],
    "Surat Tugas": ["nomor"],
    "Berita Acara": ["nomor"],
    "Laporan": ["nomor", "sifat", "lampiran", "hal"],
    "Nota Dinas": ["nomor", "sifat", "lampiran", "hal"],
}

SIFAT = ("Biasa", "Terbatas", "Rahasia", "Sangat Rahasia")
URGENSI = ("Biasa", "Segera", "Amat Segera")

#: A Lembar Disposisi's Sifat box (``jaga.workflow.models.DISPOSITION_SIFAT``) as the
#: naskah's sifat and urgensi.
FROM_DISPOSITION = {
    "Sangat Segera": ("Biasa", "Amat Segera"),
    "Segera": ("Biasa", "Segera"),
    "Rahasia": ("Rahasia", "Biasa"),
    "Biasa": ("Biasa", "Biasa"),
}


def lampiran(count: int) -> str:
    """The Lampiran line: "-" without annexes, else "1 (satu) berkas" and so on."""
    from jaga.documents.indonesian import terbilang

    return "-" if count <= 0 else f"{count} ({terbilang(count)}) berkas"


def metadata(
    document_type: AnyDocumentType,
    hal: str,
    klasifikasi: str = "",
    disposition_sifat: str = "",
    annexes: int = 0,
) -> dict[str, Any]:
    """The naskah metadata of a document of ``document_type`` about ``hal`` (one line),
    numbered under classification code ``klasifikasi``; ``disposition_sifat`` is the Sifat
    a disposition chose ("" when none), ``annexes`` the number of annexes (photos)."""
    jenis = JENIS[document_type]
    sifat, urgensi = FROM_DISPOSITION.get(disposition_sifat, ("Biasa", "Biasa"))
    return {
        "jenis": jenis,
        "sifat": sifat,
        "urgensi": urgensi,
        "klasifikasi": klasifikasi,
        "hal": " ".join(hal.split())[:300],
        "lampiran": lampiran(annexes),
        "header": list(HEADER[jenis]),
    }
