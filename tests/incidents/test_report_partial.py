"""The report card the case page can include (incidents/_report.html)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from jaga.org.models import User
from jaga.sop.models import SopDefinition
from tests.incidents.conftest import report, upload

pytestmark = pytest.mark.django_db


def test_it_shows_the_report_and_links_its_photos(sop_a: SopDefinition, reporter: User) -> None:
    since = dt.datetime(2026, 1, 5, 0, 30, tzinfo=dt.UTC)
    incident = report(reporter, since=since, photos=[upload("router.jpg")])
    with timezone.override("Asia/Jakarta"):
        html = render_to_string("incidents/_report.html", {"incident": incident})
    assert "Gedung A lantai 2" in html
    assert "5 Jan 2026 07:30 WIB" in html
    assert 'href="tel:0812 3456 7890"' in html
    photo = incident.attachments.get()
    assert reverse("incidents:attachment", args=[photo.pk]) in html
