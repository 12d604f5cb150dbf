"""Downloading a report's photo: whoever may see the case, 404 for everyone else."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from django.urls import reverse
from PIL import Image

from jaga.incidents.models import Attachment
from jaga.org.models import User
from jaga.sop.models import SopDefinition
from jaga.tenancy.models import Agency
from tests.incidents.conftest import client_for, image_bytes, report, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def photo(sop_a: SopDefinition, reporter: User) -> Attachment:
    return report(
        reporter, photos=[upload("router rusak.png", image_bytes("PNG"))]
    ).attachments.get()


def url(item: Attachment) -> str:
    return reverse("incidents:attachment", args=[item.pk])


@pytest.mark.parametrize("username", ["alpha.dinkes", "alpha.kadis", "alpha.admin"])
def test_it_serves_the_photo_to_the_reporter_and_agency_staff(
    username: str, photo: Attachment, media: Path
) -> None:
    response = client_for(username).get(url(photo))
    assert response.status_code == 200
    # Stored re-encoded (issue 13 point 6): a PNG without transparency became a JPEG, and
    # the name it is served under says so.
    body = response.getvalue()
    assert body == (media / photo.file.name).read_bytes()
    with Image.open(BytesIO(body)) as served:
        assert (served.format, served.size) == ("JPEG", (8, 6))
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("inline")
    assert "router rusak.jpg" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_it_answers_404_to_another_opds_user(photo: Attachment, other_opd_user: User) -> None:
    assert client_for("alpha.kecamatan").get(url(photo)).status_code == 404


@pytest.mark.parametrize("username", ["beta.dinkes", "beta.kadis", "beta.admin"])
def test_it_answers_404_to_another_agencys_users(
    username: str, photo: Attachment, agency_b: Agency
) -> None:
    assert client_for(username).get(url(photo)).status_code == 404


def test_it_sends_anonymous_users_to_the_login(photo: Attachment) -> None:
    response = client_for(None).get(url(photo))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_answers_404_when_the_file_is_gone(photo: Attachment, media: Path) -> None:
    (media / photo.file.name).unlink()
    assert client_for("alpha.dinkes").get(url(photo)).status_code == 404
