"""``jaga scheduler`` queues again the rendering of a document whose PDF a lost task (a
worker killed mid-render) never archived: once a lease has passed since its issue, then
after two leases, four… (at most a day apart); never one that has its PDF or waits for its
SRIKANDI number (``jaga.documents.scheduling``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.conf import settings as django_settings
from pytest_django.fixtures import Settings

from jaga.documents import scheduling
from jaga.documents.models import Document, NumberedBy, ReportType
from jaga.documents.services import issue_report
from jaga.org.models import User
from jaga.tenancy.models import Agency

NOW = dt.datetime(2026, 12, 2, 3, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _fresh_sweep(settings: Settings) -> Iterator[None]:
    """A lease of 300 s, and no memory of earlier passes."""
    settings.JAGA_RENDER_LEASE_SECONDS = 300
    scheduling._requeued.clear()
    yield
    scheduling._requeued.clear()


@pytest.fixture
def queued(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The document ids whose rendering the sweep queued, in order."""
    found: list[int] = []
    monkeypatch.setattr("jaga.documents.services.queue_render", found.append)
    return found


def issued(agency: Agency, minutes_ago: float) -> Document:
    """A report document of ``agency`` issued ``minutes_ago`` before ``NOW``, without PDF."""
    kadis = User.objects.get(username=f"{agency.slug}.kadis")
    at = NOW - dt.timedelta(minutes=minutes_ago)
    return issue_report(agency, ReportType.REKAPITULASI, kadis, at, {"rows": []})


def test_it_queues_again_a_document_still_without_its_pdf_a_lease_after_its_issue(
    agency_a: Agency, queued: list[int]
) -> None:
    old = issued(agency_a, 10)
    young = issued(agency_a, 0.5)
    ancient = issued(agency_a, 90 * 24 * 60)  # its worker died long ago (or a back date)

    def at(minutes: float) -> int:
        queued.clear()
        return scheduling.run_once(lambda: NOW + dt.timedelta(minutes=minutes))

    assert at(0) == 2
    assert queued == [ancient.pk, old.pk]  # oldest first
    # Within the lease, nothing again: those tasks may still be running.
    assert at(4) == 0
    # The young one's lease is over; the others wait two leases after their requeueing.
    assert at(6) == 1
    assert queued == [young.pk]
    assert at(9) == 0
    assert at(11) == 2
    assert queued == [ancient.pk, old.pk]
    # Then four leases (20 minutes), eight…: a rendering that keeps failing is tried less.
    assert at(30) == 1
    assert queued == [young.pk]  # its second time, two leases after its first
    assert at(32) == 2
    assert set(queued) == {ancient.pk, old.pk}
    assert scheduling._requeued[old.pk] == (NOW + dt.timedelta(minutes=32), 3)


def test_it_waits_at_most_a_day_between_two_requeueings(
    agency_a: Agency, queued: list[int]
) -> None:
    document = issued(agency_a, 10)
    scheduling._requeued[document.pk] = (NOW - dt.timedelta(days=1), 20)
    assert scheduling.run_once(lambda: NOW) == 1
    assert queued == [document.pk]


def test_it_leaves_documents_with_a_pdf_or_waiting_for_their_srikandi_number(
    agency_a: Agency, queued: list[int]
) -> None:
    rendered = issued(agency_a, 10)
    Document.objects.filter(pk=rendered.pk).update(sha256="ab" * 32, pdf="documents/x.pdf")
    waiting = issued(agency_a, 10)
    Document.objects.filter(pk=waiting.pk).update(
        numbered_by=NumberedBy.SRIKANDI, number="", sequence=None
    )
    registered = issued(agency_a, 10)
    Document.objects.filter(pk=registered.pk).update(numbered_by=NumberedBy.SRIKANDI)

    assert scheduling.run_once(lambda: NOW) == 1
    assert queued == [registered.pk]  # numbered by SRIKANDI already: it has its number


def test_it_forgets_a_document_once_its_pdf_is_archived(
    agency_a: Agency, queued: list[int]
) -> None:
    document = issued(agency_a, 10)
    scheduling.run_once(lambda: NOW)
    assert set(scheduling._requeued) == {document.pk}
    Document.objects.filter(pk=document.pk).update(sha256="cd" * 32)
    assert scheduling.run_once(lambda: NOW + dt.timedelta(minutes=30)) == 0
    assert scheduling._requeued == {}


def test_it_runs_in_every_scheduler_pass() -> None:
    assert "jaga.documents.scheduling.run_once" in django_settings.JAGA_SCHEDULER_PASSES
