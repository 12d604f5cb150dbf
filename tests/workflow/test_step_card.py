"""The step card shows what its actor decides on (issue 20 point 1): a reviewer the report
under review with its content and its PDF, the verdicts of the checks before; a form step
starts with what the case already holds; the case's documents are listed by type with the
version in force first (point 5)."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from jaga.documents.models import Document
from jaga.documents.review import reviewed_step_no
from jaga.sop.models import SopDefinition
from jaga.workflow.casedocs import group_documents
from jaga.workflow.forms import field_name, step_form
from jaga.workflow.models import Case, StepInstance, StepStatus
from tests.workflow.seeds_support import Path, prepare_inventory, run_until, user
from tests.workflow.test_seeds import (
    BATAM_ACCEPTED,
    BOLMUT_FINDINGS,
    BOLMUT_REPLACED,
    LINGGA,
    PONTIANAK_MEDIUM,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def demo(demo_data: None, db: None) -> None:
    """Every test here runs on the demo's agencies and seed SOPs."""


def walk(path: Path, step_no: str) -> Case:
    """``run_until`` with the devices a path replaces in stock first (as ``run`` does)."""
    if any(act.replaces is not None for act in path.acts):
        prepare_inventory(path)
    return run_until(path, step_no)


def page_as(username: str, case: Case) -> str:
    client = Client()
    client.force_login(user(username))
    response = client.get(reverse("workflow:case", args=[case.pk]))
    assert response.status_code == 200
    return response.content.decode()


def review_panel(page: str) -> str:
    """The review panel's HTML (up to the step's form), or "" when the card has none."""
    found = re.search(r'id="review-panel".*?(?=id="step-form")', page, re.S)
    return found.group(0) if found else ""


def spec_of(slug: str, code: str) -> SopDefinition:
    return SopDefinition.objects.get(agency__slug=slug, code=code, is_current=True)


def test_it_follows_return_to_through_the_checks_to_the_report() -> None:
    bolmut = spec_of("bolmut", "maintenance-gangguan-jaringan").spec
    assert reviewed_step_no(bolmut, "12") == ("11", [])
    assert reviewed_step_no(bolmut, "14") == ("11", ["13", "12"])
    assert reviewed_step_no(bolmut, "2") is None
    batam = spec_of("batam", "pemeliharaan-jaringan-berkala").spec
    assert reviewed_step_no(batam, "8") == ("7", [])
    # Step 9 is a report right after check 8: the Kabid receives what the Kasi checked.
    assert reviewed_step_no(batam, "9") == ("7", ["8"])
    assert reviewed_step_no(batam, "10") == ("9", [])
    # A report to someone is received by the next step, in the addressee's lane.
    pontianak = spec_of("pontianak", "pemeliharaan-komponen-jaringan").spec
    assert reviewed_step_no(pontianak, "4b") == ("4a", [])
    # The case's opening report is the summary's, and an acknowledgment has its panel.
    assert reviewed_step_no(bolmut, "2") is None
    assert reviewed_step_no(bolmut, "11a") is None


def test_it_shows_the_kasi_the_berita_acara_under_review() -> None:
    case = walk(BOLMUT_REPLACED, "12")
    document = Document.objects.get(case=case, document_type="berita_acara_pekerjaan")
    panel = review_panel(page_as("bolmut.kasi", case))
    assert panel, "the Kasi's card has no review panel"
    assert document.number in panel
    assert reverse("documents:download", args=[document.pk]) in panel
    assert reverse("verify", args=[document.token]) in panel
    # The devices the Berita Acara lists (the replaced switch and its spare).
    assert "SN22020CDG" in panel


def test_it_shows_the_kabid_the_report_its_findings_and_the_kasis_verdict() -> None:
    case = walk(BOLMUT_REPLACED, "13")
    panel = review_panel(page_as("bolmut.kabid", case))
    current = Document.objects.get(
        case=case, document_type="berita_acara_pekerjaan", superseded_by__isnull=True
    )
    superseded = Document.objects.get(case=case, supersedes__isnull=True, superseded_by=current)
    assert current.number in panel
    assert f'data-document="{superseded.pk}"' not in panel  # only the version in force
    first_line = BOLMUT_FINDINGS.splitlines()[0]
    assert first_line in panel  # the step's recorded findings and the document's content
    assert 'class="mb-2 review-verdict" data-step="12"' in panel
    # Step 11's note for colleagues is shown to the reviewer (it is never printed).
    assert "BA sudah dicetak untuk ditandatangani" in panel


def test_it_shows_the_kadis_every_verdict_before_the_review() -> None:
    case = walk(BOLMUT_REPLACED, "14")
    panel = review_panel(page_as("bolmut.kadis", case))
    assert re.findall(r'review-verdict" data-step="(\w+)"', panel) == ["13", "12"]


def test_it_shows_the_kasi_each_sites_berita_acara_in_a_round() -> None:
    case = walk(BATAM_ACCEPTED, "8")
    panel = review_panel(page_as("batam.kasi", case))
    berita_acara = Document.objects.filter(
        case=case, document_type="berita_acara_pekerjaan", superseded_by__isnull=True
    )
    assert berita_acara.count() == len(BATAM_ACCEPTED.sites)
    for document in berita_acara:
        assert f'data-review-download="{document.pk}"' in panel


def test_it_shows_the_kadis_the_laporan_tindak_lanjut_under_review() -> None:
    case = walk(BATAM_ACCEPTED, "10")
    panel = review_panel(page_as("batam.kadis", case))
    report = Document.objects.get(case=case, document_type="laporan_tindak_lanjut")
    assert f'data-review-download="{report.pk}"' in panel
    # The Berita Acara were reviewed at step 8; step 10 reviews the Kabid's report only.
    for ba in Document.objects.filter(case=case, document_type="berita_acara_pekerjaan"):
        assert f'data-review-download="{ba.pk}"' not in panel


def test_it_shows_the_kabid_the_seksis_report_of_a_medium_damage() -> None:
    case = walk(PONTIANAK_MEDIUM, "4b")
    report = StepInstance.objects.get(case=case, step_no="4a")
    panel = review_panel(page_as("pontianak.kabid", case))
    assert 'review-work" data-step="4a"' in panel
    assert report.actor is not None
    assert report.actor.get_full_name() in panel


def test_it_shows_no_review_panel_on_a_step_that_reviews_nothing() -> None:
    case = walk(BOLMUT_REPLACED, "2")
    assert review_panel(page_as("bolmut.kadis", case)) == ""
    assert 'id="review-panel"' not in page_as("bolmut.kadis", case)


def test_it_prefills_the_reporting_unit_and_the_description_of_seed_001_step_2() -> None:
    case = walk(LINGGA, "2")
    step = StepInstance.objects.get(case=case, step_no="2", status=StepStatus.OPEN)
    form = step_form(case, step, step.started_at.date())
    assert case.opd is not None
    assert form[field_name("unit_kerja")].value() == case.opd.name
    assert form[field_name("uraian_gangguan")].value() == case.description
    # What the Kasubbag types instead is what is recorded.
    bound = step_form(
        case,
        step,
        step.started_at.date(),
        data={
            field_name("unit_kerja"): "Bagian Umum",
            field_name("cara_pengaduan"): "Lisan",
            field_name("uraian_gangguan"): "Wi-Fi lantai 2 mati",
        },
    )
    assert bound.is_valid(), bound.errors
    assert bound.cleaned_data[field_name("unit_kerja")] == "Bagian Umum"


def _document(pk: int, kind: str, supersedes: int | None = None) -> Document:
    return Document(pk=pk, document_type=kind, title=kind.title(), supersedes_id=supersedes)


def test_it_groups_documents_by_type_with_the_version_in_force_first() -> None:
    documents = [
        _document(1, "surat_tugas"),
        _document(2, "berita_acara_pekerjaan"),
        _document(3, "berita_acara_pekerjaan", supersedes=2),
        _document(4, "laporan_tindak_lanjut"),
        _document(5, "berita_acara_pekerjaan", supersedes=3),
        _document(6, "berita_acara_pekerjaan"),  # another site's
    ]
    groups = group_documents(documents)
    assert [g.document_type for g in groups] == [
        "surat_tugas",
        "berita_acara_pekerjaan",
        "laporan_tindak_lanjut",
    ]
    ba = groups[1]
    assert [(e.current.pk, [d.pk for d in e.earlier]) for e in ba.entries] == [
        (5, [3, 2]),
        (6, []),
    ]
    listed = [d.pk for g in groups for e in g.entries for d in [e.current, *e.earlier]]
    assert sorted(listed) == [1, 2, 3, 4, 5, 6]


def test_it_folds_a_superseded_berita_acara_under_its_correction_on_the_case_page() -> None:
    case = walk(BOLMUT_REPLACED, "13")
    current = Document.objects.get(
        case=case, document_type="berita_acara_pekerjaan", superseded_by__isnull=True
    )
    old = Document.objects.get(superseded_by=current)
    page = page_as("bolmut.kabid", case)
    documents = page[page.index('id="documents"') :]
    current_at = documents.index(f'data-document="{current.pk}"')
    folded = documents.index(f'data-earlier-of="{current.pk}"')
    old_at = documents.index(f'data-document="{old.pk}" data-superseded')
    assert current_at < folded < old_at
