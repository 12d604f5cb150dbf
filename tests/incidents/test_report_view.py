"""The "Report a disruption" page: OPD users only, field errors without writing, a case
on success."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from jaga.incidents.models import Incident
from jaga.sop.models import SopDefinition
from jaga.tenancy.models import Agency
from jaga.workflow.models import Case
from tests.incidents.conftest import client_for, files_under, image_bytes, upload

pytestmark = pytest.mark.django_db

URL = reverse("incidents:report")


def form_data(**extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "location": "Gedung B, ruang server",
        "problem": "Switch lantai 2 mati\nLampu indikator padam",
        "since": "2026-01-05T08:15",
        "contact_name": "Budi Santoso",
        "contact_phone": "0251 8321075",
    }
    data.update(extra)
    return data


def test_it_sends_anonymous_users_to_the_login() -> None:
    response = client_for(None).get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("username", ["alpha.kadis", "alpha.admin"])
def test_it_forbids_the_form_to_diskominfo_users(username: str, sop_a: SopDefinition) -> None:
    client = client_for(username)
    assert client.get(URL).status_code == 403
    assert client.post(URL, form_data()).status_code == 403
    assert not Case.objects.exists()


def test_it_shows_the_opd_and_prefills_the_contact(sop_a: SopDefinition) -> None:
    reporter = sop_a.agency.users.get(username="alpha.dinkes")
    reporter.first_name, reporter.last_name, reporter.phone = "Siti", "Aminah", "0812-1111-2222"
    reporter.save()
    response = client_for("alpha.dinkes").get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Dinas Kesehatan" in page
    assert 'name="opd"' not in page  # shown, not editable
    form = response.context["form"]
    assert form["contact_name"].value() == "Siti Aminah"
    assert form["contact_phone"].value() == "0812-1111-2222"
    assert 'type="datetime-local"' in page
    assert 'enctype="multipart/form-data"' in page
    photos = str(form["photos"])
    assert 'type="file"' in photos
    assert "multiple" in photos
    assert 'accept="image/*"' in photos


def test_it_reports_and_goes_to_my_reports_naming_the_case(
    sop_a: SopDefinition, media: Path
) -> None:
    client = client_for("alpha.dinkes")
    response = client.post(URL, form_data(photos=[upload("a.jpg"), upload("b.png")]))
    assert response.status_code == 302
    assert response["Location"] == reverse("incidents:mine")
    incident = Incident.objects.get()
    assert incident.case.title == "Switch lantai 2 mati"
    assert incident.attachments.count() == 2
    assert len(files_under(media)) == 2
    shown = [str(message) for message in get_messages(response.wsgi_request)]
    assert shown == [f"Your report was received as case #{incident.case.number}."]


def test_it_reads_since_in_the_agencys_zone(sop_b: SopDefinition) -> None:
    """Agency beta runs on WITA (UTC+8): 09:30 there is 01:30 UTC."""
    response = client_for("beta.dinkes").post(URL, form_data(since="2026-01-05T09:30"))
    assert response.status_code == 302
    since = Incident.objects.get().since
    assert since == dt.datetime(2026, 1, 5, 1, 30, tzinfo=dt.UTC)


def test_it_shows_a_field_error_for_a_text_file_named_jpg_and_writes_nothing(
    sop_a: SopDefinition, media: Path
) -> None:
    fake = upload("foto.jpg", b"GIF89a? no, just text\n" * 20)
    response = client_for("alpha.dinkes").post(URL, form_data(photos=[upload("ok.jpg"), fake]))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["photos"]
    assert "foto.jpg is not a photo" in errors["photos"][0]
    assert "is-invalid" in str(response.context["form"]["photos"])
    assert not Incident.objects.exists()
    assert not Case.objects.exists()
    assert files_under(media) == []


def test_it_shows_a_field_error_for_an_image_over_10_mb(sop_a: SopDefinition) -> None:
    big = upload("besar.jpg", image_bytes() + b"\0" * (11 * 1024 * 1024))
    response = client_for("alpha.dinkes").post(URL, form_data(photos=[big]))
    assert response.status_code == 200
    assert "larger than 10" in response.context["form"].errors["photos"][0]
    assert not Incident.objects.exists()


def test_it_shows_a_field_error_for_a_start_in_the_future(sop_a: SopDefinition) -> None:
    tomorrow = (timezone.localtime() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client_for("alpha.dinkes").post(URL, form_data(since=tomorrow))
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "since": ["The disruption cannot start in the future."]
    }
    assert not Case.objects.exists()


def test_it_shows_field_errors_for_missing_fields(sop_a: SopDefinition) -> None:
    response = client_for("alpha.dinkes").post(
        URL, form_data(location="", problem="", contact_phone="call me")
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"location", "problem", "contact_phone"}
    assert not Case.objects.exists()


def test_it_explains_when_the_agency_has_no_reporting_sop(agency_a: Agency) -> None:
    client = client_for("alpha.dinkes")
    assert "has not set up an SOP" in client.get(URL).content.decode()
    response = client.post(URL, form_data())
    assert response.status_code == 200
    assert "no SOP for disruption reports" in str(response.context["form"].non_field_errors())
    assert not Case.objects.exists()


def test_it_stores_a_photo_that_django_spooled_to_a_temporary_file(
    sop_a: SopDefinition, media: Path
) -> None:
    """Uploads over FILE_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) arrive as temporary files."""
    content = image_bytes() + b"\0" * (3 * 1024 * 1024)
    response = client_for("alpha.dinkes").post(
        URL, form_data(photos=[upload("besar.jpg", content)])
    )
    assert response.status_code == 302
    item = Incident.objects.get().attachments.get()
    stored = (media / item.file.name).read_bytes()
    assert item.size == len(stored) < len(content)  # re-encoded: the padding is gone
    with Image.open(io.BytesIO(stored)) as image:
        assert (image.format, image.size) == ("JPEG", (8, 6))
