"""A step sent back by a check (issue 13 point 12): its card says why, and its form keeps
what was entered the last time."""

from __future__ import annotations

import re

import pytest

from jaga.sop.services import load_definition
from jaga.workflow.models import CaseSource
from jaga.workflow.services import complete_step, return_step, start_case
from tests.workflow.conftest import World
from tests.workflow.test_views import client_for, page, post, report, to_check, waiting

pytestmark = pytest.mark.django_db

FORM_AND_CHECK = """
format: jaga-sop/1
code: revisi
identity:
  nama: Formulir dengan pemeriksaan (uji)
  instansi: [DINAS UJI]
start: [manual]
lanes:
  - {key: kadis, label: Kadis, positions: [kadis]}
steps:
  - no: 1
    kegiatan: Mengisi formulir
    lane: kadis
    kind: form
    waktu: 1 Jam
    fields:
      - {key: lokasi, label: Lokasi}
      - {key: jumlah, label: Jumlah, type: integer}
      - {key: tingkat, label: Tingkat, type: choice, choices: [ringan, berat]}
  - {no: 2, kegiatan: Memeriksa, lane: kadis, kind: check, return_to: [1], waktu: 1 Jam}
"""


def test_it_shows_the_return_reason_on_the_returned_steps_card(world: World) -> None:
    case = report(world)
    to_check(world, case)
    kasi = client_for(world.kasi)
    post(kasi, case, {"action": "return", "return_to": "7", "reason": "Foto kurang jelas"})

    html = page(client_for(world.tech1), case)
    card = html[html.index('id="current-step"') : html.index('id="step-form"')]
    assert 'id="return-reason"' in card
    assert "Sent back at step 9" in card
    assert "Foto kurang jelas" in card


def test_it_shows_no_return_reason_on_a_first_visit(world: World) -> None:
    case = report(world)
    html = page(client_for(world.kadis), case)
    assert 'id="return-reason"' not in html


def test_it_keeps_the_earlier_note_in_the_returned_steps_form(world: World) -> None:
    case = report(world)
    to_check(world, case)  # step 7 was completed without a note on its way to the check
    seven = waiting(case)
    kasi = client_for(world.kasi)
    post(kasi, case, {"action": "return", "return_to": "7", "reason": "Tulis rinciannya"})
    tech = client_for(world.tech1)
    post(tech, case, {"note": "Kabel diganti di rak 2"})
    post(client_for(world.reporter), case, {})
    post(kasi, case, {"action": "return", "return_to": "7", "reason": "Foto kurang"})
    assert waiting(case).visit == 3
    assert seven.visit == 1

    html = page(tech, case)
    form = html[html.index('id="step-form"') :]
    assert re.search(r'<textarea name="note"[^>]*>\s*Kabel diganti di rak 2</textarea>', form)


def test_it_keeps_the_earlier_field_values_in_the_returned_steps_form(world: World) -> None:
    definition = load_definition(world.agency, FORM_AND_CHECK, path="revisi.yaml").definition
    case = start_case(definition, source=CaseSource.MANUAL, title="Uji", by=world.kadis)
    complete_step(
        waiting(case),
        world.kadis,
        data={"lokasi": "Ruang server", "jumlah": "3", "tingkat": "berat"},
        note="Sudah diisi",
    )
    return_step(waiting(case), world.kadis, "1", "Jumlah salah")

    html = page(client_for(world.kadis), case)
    form = html[html.index('id="step-form"') :]
    assert re.search(r'name="f_lokasi"[^>]*value="Ruang server"', form)
    assert re.search(r'name="f_jumlah"[^>]*value="3"', form)
    assert re.search(r'<option value="berat" selected>', form)
    assert "Jumlah salah" in html
