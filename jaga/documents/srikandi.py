"""SRIKANDI-ready documents (issue 18 point 4).

SRIKANDI (Sistem Informasi Kearsipan Dinamis Terintegrasi, ANRI; Perpres 95/2018 on SPBE
names it the general application for naskah dinas) is where an agency registers its naskah
dinas. Jaga does not call it (it offers no API to regions); it prepares what the
secretariat registers there:

- ``metadata``: a document's registration record (the shape below), from its frozen
  ``naskah`` metadata (``jaga.documents.naskah``) and its signatory;
- ``write_zip``: a package of documents: each PDF (the signed version when there is one
  is the signatures app's; here the archived PDF), ``metadata.json`` and ``metadata.csv``;
- ``register``: for a type the agency has SRIKANDI number (``NumberedBy.SRIKANDI``), the
  number and date SRIKANDI gave, entered once after registration; the PDF is rendered
  then (it prints them).

The record: ``{"nomor", "tanggal" (ISO date), "jenis_naskah", "sifat", "urgensi",
"klasifikasi", "hal", "penandatangan", "jabatan_penandatangan", "nip_penandatangan",
"tujuan" (names, "; "), "versi", "menggantikan" (number or ""), "berkas" (file name in the
package or ""), "sha256", "verifikasi" (URL), "dinomori_oleh" ("jaga" or "srikandi"),
"status" ("terdaftar", "menunggu_registrasi")}``, all strings.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from collections.abc import Iterable
from typing import IO, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jaga.audit.services import record
from jaga.documents import content as contents
from jaga.documents.indonesian import pembuka_berita_acara
from jaga.documents.models import NUMBER_MAX_LENGTH, Document
from jaga.documents.services import queue_render
from jaga.org.models import User

FIELDS = (
    "nomor",
    "tanggal",
    "jenis_naskah",
    "sifat",
    "urgensi",
    "klasifikasi",
    "hal",
    "penandatangan",
    "jabatan_penandatangan",
    "nip_penandatangan",
    "tujuan",
    "versi",
    "menggantikan",
    "berkas",
    "sha256",
    "verifikasi",
    "dinomori_oleh",
    "status",
)


class NotRegistrable(ValueError):
    """The registration cannot be recorded: the document is not waiting for one, or the
    number or date is not acceptable (the message, in the active language, says which)."""


def metadata(document: Document, filename: str = "") -> dict[str, str]:
    """The registration record of ``document`` (shape in the module docstring);
    ``filename`` is its PDF's name in an export package."""
    from jaga.documents.services import verify_url

    content = document.content or {}
    naskah = content.get("naskah") or {}
    signer = content.get("signer") or {}
    recipients = content.get("recipients") or content.get("parties") or []
    return {
        "nomor": document.number,
        "tanggal": document.issued_on.isoformat(),
        "jenis_naskah": str(naskah.get("jenis", document.title)),
        "sifat": str(naskah.get("sifat", "Biasa")),
        "urgensi": str(naskah.get("urgensi", "Biasa")),
        "klasifikasi": str(naskah.get("klasifikasi", "")),
        "hal": str(naskah.get("hal", document.title)),
        "penandatangan": str(signer.get("name", "")),
        "jabatan_penandatangan": str(signer.get("position", "")),
        "nip_penandatangan": str(signer.get("nip", "")),
        "tujuan": "; ".join(
            str(person.get("name") or person.get("position") or "")
            for person in recipients
            if isinstance(person, dict)
        ),
        "versi": str(document.version),
        "menggantikan": document.supersedes.number if document.supersedes is not None else "",
        "berkas": filename,
        "sha256": document.sha256,
        "verifikasi": verify_url(document),
        "dinomori_oleh": document.numbered_by,
        "status": "menunggu_registrasi" if document.awaiting_registration else "terdaftar",
    }


def package_name(document: Document) -> str:
    """The PDF's name in an export package (``jaga.documents.views.filename``)."""
    from jaga.documents.views import filename

    return filename(document)


def write_zip(documents: Iterable[Document], target: IO[bytes]) -> None:
    """A ZIP of ``documents`` for registration in SRIKANDI: each archived PDF (rendered
    first when needed) under its download name, ``metadata.json`` (a list of records) and
    ``metadata.csv`` (the same, a header row of ``FIELDS``, UTF-8 with BOM for
    spreadsheets). Documents awaiting registration have no PDF and are listed with
    ``"berkas": ""``. Written into ``target`` (the page's temporary file: a month of a
    province's PDFs need not fit in memory). Raises
    ``jaga.documents.services.ArchiveMissing`` when an archived PDF is gone."""
    from jaga.documents.services import pdf_bytes

    records: list[dict[str, str]] = []
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for document in documents:
            name = ""
            if not document.awaiting_registration:
                name = package_name(document)
                archive.writestr(name, pdf_bytes(document))
            records.append(metadata(document, name))
        archive.writestr("metadata.json", json.dumps(records, ensure_ascii=False, indent=2) + "\n")
        table = io.StringIO()
        writer = csv.DictWriter(table, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(records)
        archive.writestr("metadata.csv", "\ufeff" + table.getvalue())


def _clean_number(number: str) -> str:
    text = " ".join(number.split())
    if not text:
        raise NotRegistrable(_("Enter the number SRIKANDI gave the document."))
    if len(text) > NUMBER_MAX_LENGTH:
        raise NotRegistrable(
            _("A document number has at most %(max)d characters.") % {"max": NUMBER_MAX_LENGTH}
        )
    if any(not character.isprintable() for character in text):
        raise NotRegistrable(_("The number holds characters that cannot be printed."))
    return text


def register(
    document: Document, user: User, number: str, on: dt.date, at: dt.datetime | None = None
) -> Document:
    """Record the ``number`` and the date ``on`` (the agency's local date) that SRIKANDI gave
    ``document`` at registration, by ``user`` at ``at`` (aware, default now); the printed
    date follows it, and the PDF is rendered after commit. Once only (compare-and-set on
    the empty number), in one transaction with the audit event
    ``document.registered``. Raises ``NotRegistrable`` when the document is not waiting,
    the number is empty, too long or already another document's of the agency, or the date
    is before the document was issued or after today."""
    at = at or timezone.now()
    text = _clean_number(number)
    today = contents.local(document.agency, at).date()
    if on > today:
        raise NotRegistrable(_("The date of registration cannot be in the future."))
    if on < document.issued_on:
        raise NotRegistrable(_("The date of registration cannot be before the document was made."))
    with transaction.atomic():
        current = Document.objects.select_for_update().get(pk=document.pk)
        if not current.awaiting_registration:
            raise NotRegistrable(
                _("The document is registered already as %(number)s.") % {"number": current.number}
            )
        taken = Document.objects.filter(agency_id=current.agency_id, number=text)
        if taken.exclude(pk=current.pk).exists():
            raise NotRegistrable(
                _("Number %(number)s is another document's already.") % {"number": text}
            )
        content: dict[str, Any] = dict(current.content)
        content["date"] = contents.long_date(on)
        if "opening" in content:
            content["opening"] = pembuka_berita_acara(on)
        Document.objects.filter(pk=current.pk, number="").update(
            number=text,
            issued_on=on,
            year=on.year,
            content=content,
            registered_at=at,
            registered_by=user,
        )
        current.refresh_from_db()
        record(
            agency=current.agency,
            actor=user,
            action="document.registered",
            obj=current,
            after={"number": text, "date": on.isoformat(), "type": current.document_type},
            at=at,
        )
        pk = current.pk
        transaction.on_commit(lambda: queue_render(pk))
    return current
