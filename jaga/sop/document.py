"""The SOP AP document of one SOP definition (Permenpan-RB 35/2012), drawn from the very
``SopSpec`` the engine runs: the identity page, then the flowchart table on landscape pages
with the symbols drawn over the lane columns.

``build_document`` makes the template context (``SopDocument``); the templates
``sop/document.html`` (PDF) and ``sop/detail.html`` (web page) share the partials
``sop/_identity.html`` and ``sop/_flowchart_page.html`` and the stylesheet
``sop/_document.css``. Pagination is computed in ``jaga.sop.layout``, so every size passed
to the templates is a ready CSS length in mm (text, never a localised number).
"""

from __future__ import annotations

import base64
import mimetypes
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from jaga.documents.pdf import font_face_css, render_pdf
from jaga.org.nip import format_nip
from jaga.sop.drawing import flowchart_svgs
from jaga.sop.layout import A4_LANDSCAPE, RULE, Layout, Page, PageSize, labels_of, layout
from jaga.sop.schema import SopSpec
from jaga.tenancy.models import Agency

#: The identity page's printed labels (the official form's wording), by label key.
IDENTITY_LABELS: dict[str, str] = {
    "nomor": "Nomor SOP",
    "tanggal_pembuatan": "Tanggal Pembuatan",
    "tanggal_revisi": "Tanggal Revisi",
    "tanggal_efektif": "Tanggal Efektif",
    "disahkan_oleh": "Disahkan oleh",
    "nama": "Nama SOP",
    "dasar_hukum": "Dasar Hukum",
    "kualifikasi_pelaksana": "Kualifikasi Pelaksana",
    "keterkaitan": "Keterkaitan",
    "peralatan_perlengkapan": "Peralatan/Perlengkapan",
    "peringatan": "Peringatan",
    "pencatatan_pendataan": "Pencatatan dan Pendataan",
}
#: The identity page, portrait A4 with 15 mm margins.
IDENTITY_PAGE = "210mm 297mm"
IDENTITY_MARGIN = "15mm"
BORDER = RULE  # mm, the table rules; the body starts half a rule below the table's top


def mm(value: float) -> str:
    """A length as CSS text: ``12.5`` → ``"12.5mm"``."""
    return f"{value:.2f}".rstrip("0").rstrip(".") + "mm"


@dataclass(frozen=True)
class Field:
    """One labelled line of the identity block."""

    label: str
    value: str


@dataclass(frozen=True)
class Pair:
    """One paired row of the identity page: two labels, two lists of items."""

    left: str
    left_items: list[str]
    right: str
    right_items: list[str]


@dataclass(frozen=True)
class Official:
    """Disahkan oleh: ``jabatan``, ``nama``, ``pangkat`` and the grouped NIP."""

    jabatan: str
    nama: str
    pangkat: str
    nip: str


@dataclass(frozen=True)
class RowView:
    """One step's row as the table prints it; ``height`` is a CSS length."""

    no: str
    kegiatan: str
    kelengkapan: str
    waktu: str
    output: str
    keterangan: str
    height: str
    caption: str = ""  # the first row of a fan-out: "Untuk setiap lokasi: <label>"
    fan_out: str = ""  # the key of the fan-out holding the step


@dataclass(frozen=True)
class PageView:
    """One flowchart page: its rows, its connector bands (CSS lengths, "" when none), and
    the SVG overlay with its position."""

    number: int
    rows: list[RowView]
    top_band: str
    bottom_band: str
    svg: SafeString


@dataclass(frozen=True)
class SopDocument:
    """Everything the SOP AP templates print, ready to render."""

    spec: SopSpec
    layout: Layout
    labels: dict[str, str]
    id_labels: dict[str, str]
    judul: str
    title: str
    instansi: list[str]
    logo: str
    fields: list[Field]
    official: Official | None
    pairs: list[Pair]
    lanes: list[str]
    numbers: list[int]
    column_widths: list[str]
    table_width: str
    header_heights: tuple[str, str, str]
    page_size: str
    sheet_width: str
    page_margin: str
    identity_page: str
    identity_margin: str
    pages: list[PageView]

    @property
    def page_count(self) -> int:
        """Number of flowchart pages."""
        return len(self.pages)


def _logo(agency: Agency | None) -> str:
    """The agency's logo as a ``data:`` URL (no file access at render time), or ""."""
    if agency is None or not agency.logo:
        return ""
    try:
        with agency.logo.open("rb") as handle:
            content = handle.read()
    except (OSError, ValueError):
        return ""
    kind = mimetypes.guess_type(agency.logo.name)[0] or "image/png"
    return f"data:{kind};base64,{base64.b64encode(content).decode('ascii')}"


def _page_view(document_layout: Layout, page: Page, overlay: str) -> PageView:
    """``page`` as the templates print it, with its SVG ``overlay`` placed over the lanes."""
    columns = document_layout.columns
    header = document_layout.header
    left = columns.lanes_x + BORDER / 2
    top = header.height + BORDER / 2
    style = f"left: {mm(left)}; top: {mm(top)}"
    markup = overlay.replace("<svg ", f'<svg style="{style}" ', 1)
    rows = [
        RowView(
            no=row.step.no,
            kegiatan=row.step.kegiatan,
            kelengkapan=row.step.kelengkapan,
            waktu=row.step.waktu,
            output=row.step.output,
            keterangan=row.step.keterangan,
            height=mm(row.height),
            caption=row.caption,
            fan_out=row.fan_out,
        )
        for row in page.rows
    ]
    return PageView(
        number=page.number,
        rows=rows,
        top_band=mm(page.top_band) if page.top_band else "",
        bottom_band=mm(page.bottom_band) if page.bottom_band else "",
        svg=mark_safe(markup),  # built from escaped parts (jaga.sop.drawing)
    )


def build_document(
    spec: SopSpec, agency: Agency | None = None, size: PageSize = A4_LANDSCAPE
) -> SopDocument:
    """The SOP AP document of ``spec``; ``agency`` supplies the logo (none for a library
    template). Flowchart pages are ``size`` (A4 landscape by default)."""
    identity = spec.identity
    id_labels = {**IDENTITY_LABELS, **identity.labels}
    document_layout = layout(spec, size)
    columns = document_layout.columns
    header = document_layout.header
    official = None
    if identity.disahkan_oleh is not None:
        signer = identity.disahkan_oleh
        official = Official(
            jabatan=signer.jabatan,
            nama=signer.nama,
            pangkat=signer.pangkat,
            nip=format_nip(signer.nip) if signer.nip else "",
        )
    return SopDocument(
        spec=spec,
        layout=document_layout,
        labels=labels_of(spec),
        id_labels=id_labels,
        judul=identity.labels.get("judul", ""),
        title=identity.labels.get("lampiran", "") or identity.nama,
        instansi=list(identity.instansi),
        logo=_logo(agency),
        fields=[
            Field(id_labels["nomor"], identity.nomor),
            Field(id_labels["tanggal_pembuatan"], identity.tanggal_pembuatan),
            Field(id_labels["tanggal_revisi"], identity.tanggal_revisi),
            Field(id_labels["tanggal_efektif"], identity.tanggal_efektif),
        ],
        official=official,
        pairs=[
            Pair(
                id_labels["dasar_hukum"],
                list(identity.dasar_hukum),
                id_labels["kualifikasi_pelaksana"],
                list(identity.kualifikasi_pelaksana),
            ),
            Pair(
                id_labels["keterkaitan"],
                list(identity.keterkaitan),
                id_labels["peralatan_perlengkapan"],
                list(identity.peralatan_perlengkapan),
            ),
            Pair(
                id_labels["peringatan"],
                list(identity.peringatan),
                id_labels["pencatatan_pendataan"],
                list(identity.pencatatan_pendataan),
            ),
        ],
        lanes=[lane.label for lane in spec.lanes],
        numbers=list(range(1, len(columns.all) + 1)),
        column_widths=[mm(column.width) for column in columns.all],
        table_width=mm(columns.width),
        header_heights=(mm(header.groups), mm(header.labels), mm(header.numbers)),
        page_size=f"{mm(size.width)} {mm(size.height)}",
        sheet_width=mm(size.width),
        page_margin=mm(size.margin),
        identity_page=IDENTITY_PAGE,
        identity_margin=IDENTITY_MARGIN,
        pages=[
            _page_view(document_layout, page, overlay)
            for page, overlay in zip(document_layout.pages, flowchart_svgs(spec, size), strict=True)
        ],
    )


def render_html(document: SopDocument) -> str:
    """The standalone HTML of ``document`` (what WeasyPrint prints)."""
    return render_to_string(
        "sop/document.html", {"doc": document, "font_face_css": font_face_css()}
    )


def render_document_pdf(spec: SopSpec, agency: Agency | None = None) -> bytes:
    """The SOP AP document of ``spec`` as PDF bytes (identity page, then flowchart pages)."""
    return render_pdf("sop/document.html", {"doc": build_document(spec, agency)})
