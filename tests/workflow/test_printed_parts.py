"""What official documents print of what people typed (issue 13 point 12): the Lembar
Disposisi prints Sifat only when the disposition form asked for it, and a step's note and
fields reach a document only when the SOP declares them printable."""

from __future__ import annotations

import re

import pytest
from django.template.loader import render_to_string

from jaga.documents.models import Document
from jaga.documents.services import template_for
from jaga.sop.services import load_definition
from jaga.workflow.errors import InvalidInput
from jaga.workflow.models import Case, CaseSource
from jaga.workflow.services import complete_step, start_case
from tests.workflow.conftest import World
from tests.workflow.test_views import client_for, page, post, report, waiting

pytestmark = pytest.mark.django_db

PRINTING = """
format: jaga-sop/1
code: cetak
identity: {nama: Cetak (uji), instansi: [DINAS UJI]}
start: [manual]
lanes:
  - {key: kadis, label: Kadis, positions: [kadis]}
  - {key: kabid, label: Kabid, positions: [kabid]}
steps:
  - {no: 1, kegiatan: Disposisi, lane: kadis, kind: disposition, to_lane: kabid,
     waktu: 1 Jam, document: lembar_disposisi, note_printable: true}
  - no: 2
    kegiatan: Laporan
    lane: kabid
    kind: report
    waktu: 1 Jam
    document: laporan_tindak_lanjut
    fields:
      - {key: temuan, label: Hasil pemeriksaan, printable: true}
      - {key: bisik, label: Catatan internal, required: false}
"""


def html_of(document: Document) -> str:
    return render_to_string(template_for(document.document_type), {"doc": document.content})


def disposition(case: Case) -> Document:
    return Document.objects.get(case=case, document_type="lembar_disposisi")


def test_it_prints_the_sifat_the_disposition_form_chose(world: World) -> None:
    case = report(world)
    kadis = client_for(world.kadis)
    assert re.search(r'<select name="sifat"', page(kadis, case))
    post(kadis, case, {"recipient": world.kabid.pk, "sifat": "Sangat Segera"})

    document = disposition(case)
    assert document.content["sifat"] == "Sangat Segera"
    html = html_of(document)
    assert "Sifat:" in html
    assert '<span class="box">X</span>Sangat Segera' in html
    assert '<span class="box"></span>Segera' in html


def test_it_prints_no_sifat_when_the_form_left_it_empty(world: World) -> None:
    case = report(world)  # a report: Sifat was once made up as "Segera"
    post(client_for(world.kadis), case, {"recipient": world.kabid.pk, "sifat": ""})

    document = disposition(case)
    assert document.content["sifat"] == ""
    assert "Sifat" not in html_of(document)


def test_it_refuses_a_sifat_outside_the_list_or_on_another_step(world: World) -> None:
    case = report(world)
    with pytest.raises(InvalidInput) as refused:
        complete_step(waiting(case), world.kadis, named=[world.kabid], sifat="Kilat")
    assert "sifat" in refused.value.errors
    complete_step(waiting(case), world.kadis, named=[world.kabid])
    complete_step(waiting(case), world.kabid, named=[world.kasi])
    with pytest.raises(InvalidInput):
        complete_step(waiting(case), world.kasi, named=[world.tech1], sifat="Biasa")


def test_it_keeps_a_notes_off_the_document_unless_the_step_prints_it(world: World) -> None:
    # MINI_SOP's step 2 issues a Lembar Disposisi without note_printable.
    case = report(world)
    complete_step(waiting(case), world.kadis, named=[world.kabid], note="Pak Kabid, ini rahasia")
    document = disposition(case)
    assert document.content["note"] == ""
    assert "ini rahasia" not in html_of(document)


def test_it_prints_the_note_and_the_printable_fields_only(world: World) -> None:
    definition = load_definition(world.agency, PRINTING, path="cetak.yaml").definition
    case = start_case(definition, source=CaseSource.MANUAL, title="Uji cetak", by=world.kadis)
    complete_step(waiting(case), world.kadis, named=[world.kabid], note="Segera ditangani")
    assert "Segera ditangani" in html_of(disposition(case))

    complete_step(
        waiting(case),
        world.kabid,
        data={"temuan": "Kabel putus", "bisik": "Kunci rak dibawa Pak Budi"},
        note="Jangan dicetak",
    )
    report_document = Document.objects.get(case=case, document_type="laporan_tindak_lanjut")
    html = html_of(report_document)
    assert "Kabel putus" in html
    assert "Hasil pemeriksaan" in html
    assert "Pak Budi" not in html
    assert "Catatan internal" not in html
    assert "Jangan dicetak" not in html
