"""report_disruption: the report, its case and its photos, all or nothing."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.utils import timezone
from PIL import Image

from jaga.audit.models import Event
from jaga.incidents import services
from jaga.incidents.models import Attachment, Incident
from jaga.incidents.services import MAX_PHOTO_BYTES, case_title, reporting_sop
from jaga.org.models import User
from jaga.sop.models import SopDefinition
from jaga.tenancy.models import Agency
from jaga.workflow.errors import CannotStart, InvalidInput
from jaga.workflow.models import Case, CaseSource, StepStatus
from jaga.workflow.services import open_step
from tests.incidents.conftest import files_under, image_bytes, load_report_sop, report, upload

pytestmark = pytest.mark.django_db


def test_it_creates_the_report_and_a_case_that_waits_on_the_step_after_the_report(
    sop_a: SopDefinition, reporter: User
) -> None:
    since = timezone.now() - dt.timedelta(hours=2)
    incident = report(
        reporter, problem="Internet mati\nSejak pagi semua PC tidak bisa akses", since=since
    )
    case = incident.case
    assert Incident.objects.get() == incident
    assert case.definition == sop_a
    assert case.source == CaseSource.REPORT
    assert (case.reporter, case.opd) == (reporter, reporter.opd)
    assert (incident.reporter, incident.opd, incident.agency) == (
        reporter,
        reporter.opd,
        sop_a.agency,
    )
    assert case.title == "Internet mati"
    assert case.description == "Internet mati\nSejak pagi semua PC tidak bisa akses"
    assert case.data == {
        "location": "Gedung A lantai 2",
        "since": since.astimezone(dt.UTC).isoformat(),
        "contact_name": "Siti Aminah",
        "contact_phone": "0812 3456 7890",
    }
    first = case.steps.get(step_no="1")
    assert (first.status, first.actor) == (StepStatus.DONE, reporter)
    waiting = open_step(case)
    assert waiting is not None
    assert waiting.step_no == "2"


def test_it_cuts_the_title_to_the_first_line_of_120_characters() -> None:
    assert case_title("\n  AP lantai 3 mati  \nsisanya") == "AP lantai 3 mati"
    long = case_title("x" * 300)
    assert len(long) == 120
    assert long.endswith("…")


def test_it_takes_the_first_reporting_sop_by_code_or_the_one_named(
    agency_a: Agency, sop_a: SopDefinition, reporter: User
) -> None:
    other = load_report_sop(agency_a, "zz-gangguan")
    assert reporting_sop(agency_a) == sop_a  # "aaa-rutin" sorts first but is not by report
    assert report(reporter).case.definition == sop_a
    assert report(reporter, sop="zz-gangguan").case.definition == other
    with pytest.raises(CannotStart, match="no SOP nope"):
        report(reporter, sop="nope")


def test_it_refuses_a_user_without_an_opd(sop_a: SopDefinition) -> None:
    kadis = User.objects.get(username="alpha.kadis")
    with pytest.raises(CannotStart, match="does not belong to an OPD"):
        report(kadis)
    assert not Case.objects.exists()


def test_it_refuses_when_the_agency_has_no_reporting_sop(reporter: User) -> None:
    with pytest.raises(CannotStart, match="no SOP for disruption reports"):
        report(reporter)
    assert not Case.objects.exists()


def test_it_stores_photos_on_disk_outside_the_database_under_random_names(
    sop_a: SopDefinition, reporter: User, media: Path
) -> None:
    png = image_bytes("PNG")
    at = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)
    incident = report(
        reporter,
        photos=[upload("router.jpg"), upload("kabel.jpg", png)],
        since=at - dt.timedelta(hours=1),
        at=at,
    )
    first, second = incident.attachments.order_by("pk")
    # The content decides, not the name or the declared type; both are stored re-encoded,
    # as JPEG since neither has transparency (issue 13 point 6).
    assert [(item.original_name, item.content_type) for item in (first, second)] == [
        ("router.jpg", "image/jpeg"),
        ("kabel.jpg", "image/jpeg"),
    ]
    folder = f"attachments/{sop_a.agency_id}/2026/11/"
    for item in (first, second):
        assert item.file.name.startswith(folder)
        stored = Path(item.file.name).name
        assert stored.endswith(".jpg")
        assert len(stored) == 32 + len(".jpg")  # a random name, not the one sent
        assert (item.uploaded_by, item.uploaded_at) == (reporter, at)
        assert item.size == (media / item.file.name).stat().st_size
    assert (media / second.file.name).read_bytes() != png
    assert len(files_under(media)) == 2


def test_it_rejects_a_text_file_renamed_jpg_and_writes_nothing(
    sop_a: SopDefinition, reporter: User, media: Path
) -> None:
    fake = upload("foto.jpg", b"this is not a picture at all\n" * 10)
    with pytest.raises(InvalidInput) as caught:
        report(reporter, photos=[upload("good.jpg"), fake])
    assert list(caught.value.errors) == ["photos"]
    assert "foto.jpg is not a photo" in caught.value.errors["photos"]
    assert not Incident.objects.exists()
    assert not Case.objects.exists()
    assert not Attachment.objects.exists()
    assert files_under(media) == []


@pytest.mark.parametrize("kind", ["GIF", "BMP"])
def test_it_rejects_images_of_other_formats(
    kind: str, sop_a: SopDefinition, reporter: User
) -> None:
    with pytest.raises(InvalidInput, match="not a photo"):
        report(reporter, photos=[upload("x.jpg", image_bytes(kind))])


def test_it_accepts_webp_and_stores_it_as_jpeg(sop_a: SopDefinition, reporter: User) -> None:
    incident = report(reporter, photos=[upload("x.webp", image_bytes("WEBP"))])
    assert incident.attachments.get().content_type == "image/jpeg"


def test_it_rejects_an_11_mb_image(sop_a: SopDefinition, reporter: User, media: Path) -> None:
    big = image_bytes() + b"\0" * (11 * 1024 * 1024)
    with Image.open(io.BytesIO(big)) as image:  # still a readable JPEG, only too large
        assert image.format == "JPEG"
    with pytest.raises(InvalidInput) as caught:
        report(reporter, photos=[upload("besar.jpg", big)])
    assert "besar.jpg is larger than 10" in caught.value.errors["photos"]
    assert not Incident.objects.exists()
    assert files_under(media) == []


def test_it_accepts_a_photo_of_exactly_the_limit(sop_a: SopDefinition, reporter: User) -> None:
    content = image_bytes()
    content += b"\0" * (MAX_PHOTO_BYTES - len(content))
    stored = report(reporter, photos=[upload("pas.jpg", content)]).attachments.get()
    assert stored.content_type == "image/jpeg"
    assert stored.size < 1000  # re-encoded: the padding is not stored


def test_it_rejects_more_than_five_photos(sop_a: SopDefinition, reporter: User) -> None:
    with pytest.raises(InvalidInput, match="At most 5 photos"):
        report(reporter, photos=[upload(f"{n}.jpg") for n in range(6)])
    assert not Incident.objects.exists()


def test_it_rejects_a_start_in_the_future(sop_a: SopDefinition, reporter: User) -> None:
    with pytest.raises(InvalidInput) as caught:
        report(reporter, since=timezone.now() + dt.timedelta(hours=1))
    assert caught.value.errors == {"since": "The disruption cannot start in the future."}
    assert not Case.objects.exists()


def test_it_rejects_empty_fields_by_name(sop_a: SopDefinition, reporter: User) -> None:
    with pytest.raises(InvalidInput) as caught:
        report(reporter, location=" ", problem="", contact_phone="1" * 41)
    assert set(caught.value.errors) == {"location", "problem", "contact_phone"}
    assert not Case.objects.exists()


def test_it_deletes_written_photos_when_the_transaction_fails(
    sop_a: SopDefinition, reporter: User, media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_record(**kwargs: object) -> None:
        assert files_under(media), "the photos were written before the failure"
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(services, "record", broken_record)
    with pytest.raises(RuntimeError, match="audit log unavailable"):
        report(reporter, photos=[upload("a.jpg"), upload("b.jpg")])
    assert not Incident.objects.exists()
    assert not Case.objects.exists()
    assert files_under(media) == []


def test_it_records_the_report_in_the_audit_log(sop_a: SopDefinition, reporter: User) -> None:
    incident = report(reporter, photos=[upload("router.jpg")])
    event = Event.objects.get(action="incident.reported")
    assert event.object_id == str(incident.pk)
    assert event.actor_id == reporter.pk
    assert event.after is not None
    assert event.after["case"] == incident.case_id
    assert event.after["photos"] == ["router.jpg"]
