"""The SOP pages: the agency's SOP list, an SOP's document page, and its PDF download."""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from PIL import Image
from pypdf import PdfReader

from jaga.org.models import User
from jaga.sop.services import load_definition
from jaga.tenancy.models import Agency
from tests.conftest import PASSWORD, make_agency
from tests.workflow.conftest import MINI_SOP, add_holder

pytestmark = pytest.mark.django_db


@dataclass
class Agencies:
    alpha: Agency
    beta: Agency


def with_sop(slug: str, code: str) -> Agency:
    agency = make_agency(slug)
    unit = agency.orgunit_set.get()
    for position, nip in [
        ("kabid", "197001012000031001"),
        ("kasi", "198001012005031002"),
        ("teknisi", "199001012015031003"),
    ]:
        add_holder(agency, position, position.title(), unit, f"{slug}.{position}", nip)
    load_definition(agency, MINI_SOP.replace("code: mini", f"code: {code}"), path="mini.yaml")
    return agency


@pytest.fixture
def agencies() -> Agencies:
    return Agencies(alpha=with_sop("alpha", "mini"), beta=with_sop("beta", "mini-beta"))


def client(username: str | None) -> Client:
    browser = Client()
    browser.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    if username is not None:
        assert browser.login(username=username, password=PASSWORD)
    return browser


@pytest.mark.parametrize(
    "username", ["alpha.kadis", "alpha.admin", "alpha.dinkes", "alpha.teknisi"]
)
def test_it_lists_the_agencys_current_sops_for_anyone_of_the_agency(
    agencies: Agencies, username: str
) -> None:
    response = client(username).get(reverse("sop:sops"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Penanganan Gangguan (uji)" in page
    assert reverse("sop:sop", args=["mini"]) in page
    assert reverse("sop:sop_pdf", args=["mini"]) in page
    assert reverse("sop:sop", args=["mini-beta"]) not in page
    assert f'href="{reverse("sop:sops")}"' in page  # the navigation entry


def test_it_shows_the_identity_block_and_the_flowchart(agencies: Agencies) -> None:
    response = client("alpha.dinkes").get(reverse("sop:sop", args=["mini"]))
    assert response.status_code == 200
    page = response.content.decode()
    for text in ("Nomor SOP", "Disahkan oleh", "Dasar Hukum", "DINAS UJI"):
        assert text in page
    for text in ("Pelaksana", "Mutu Baku", "Kelengkapan", "Keterangan", "Halaman 1 dari 1"):
        assert text in page
    for text in ("OPD Pelapor", "Kadis", "Tim Teknis", "Laporan masuk", "Kasi memeriksa"):
        assert text in page
    assert page.count('class="sop-flow"') == 1  # one SVG overlay for the one page
    for label in (">Diperbaiki<", ">Diganti<", ">Ya<", ">Tidak<"):
        assert label in page
    assert reverse("sop:sop_pdf", args=["mini"]) in page


def test_it_downloads_the_pdf(agencies: Agencies) -> None:
    response = client("alpha.kadis").get(reverse("sop:sop_pdf", args=["mini"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="sop-mini-v1.pdf"'
    reader = PdfReader(BytesIO(response.content))
    assert len(reader.pages) == 2  # the identity page and one flowchart page
    assert "Penanganan Gangguan (uji)" in reader.pages[0].extract_text()
    assert "Kasi memeriksa" in reader.pages[1].extract_text()


@pytest.mark.parametrize("name", ["sop:sop", "sop:sop_pdf"])
def test_it_hides_another_agencys_sop(agencies: Agencies, name: str) -> None:
    assert client("alpha.admin").get(reverse(name, args=["mini-beta"])).status_code == 404
    assert client("beta.dinkes").get(reverse(name, args=["mini"])).status_code == 404
    assert client("alpha.kadis").get(reverse(name, args=["no-such-sop"])).status_code == 404


def test_it_shows_only_the_current_version(agencies: Agencies) -> None:
    changed = MINI_SOP.replace("Penanganan Gangguan (uji)", "Penanganan Gangguan (revisi)")
    load_definition(agencies.alpha, changed, path="mini-v2.yaml")
    page = client("alpha.kadis").get(reverse("sop:sop", args=["mini"])).content.decode()
    assert "Penanganan Gangguan (revisi)" in page
    assert "v2" in page
    listing = client("alpha.kadis").get(reverse("sop:sops")).content.decode()
    assert listing.count(f'href="{reverse("sop:sop", args=["mini"])}"') == 1


@pytest.mark.parametrize(
    ("name", "args"), [("sop:sops", []), ("sop:sop", ["mini"]), ("sop:sop_pdf", ["mini"])]
)
def test_it_sends_anonymous_visitors_to_log_in(
    agencies: Agencies, name: str, args: list[str]
) -> None:
    url = reverse(name, args=args)
    response = client(None).get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


@pytest.mark.parametrize(
    ("name", "args"), [("sop:sops", []), ("sop:sop", ["mini"]), ("sop:sop_pdf", ["mini"])]
)
def test_it_refuses_users_of_no_agency(agencies: Agencies, name: str, args: list[str]) -> None:
    User.objects.create_superuser("root", password=PASSWORD)
    assert client("root").get(reverse(name, args=args)).status_code == 403


def test_it_says_so_when_the_agency_has_no_sop(db: None) -> None:
    make_agency("gamma")
    response = client("gamma.kadis").get(reverse("sop:sops"))
    assert response.status_code == 200
    assert "Your agency has no SOP loaded yet." in response.content.decode()


def test_it_prints_the_agencys_logo_in_the_identity_block(
    agencies: Agencies, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    buffer = BytesIO()
    Image.new("RGB", (8, 8), "blue").save(buffer, format="PNG")
    agencies.alpha.logo.save("logo.png", ContentFile(buffer.getvalue()))
    page = client("alpha.kadis").get(reverse("sop:sop", args=["mini"])).content.decode()
    assert '<img src="data:image/png;base64,' in page
    other = client("beta.kadis").get(reverse("sop:sop", args=["mini-beta"])).content.decode()
    assert "data:image" not in other
