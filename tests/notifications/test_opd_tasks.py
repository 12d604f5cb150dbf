"""The reporting OPD's tasks (issue 15 point 5): its steps are in its Tugas Saya, with a
badge, the Berita Acara linked on the acknowledgment's card, and acknowledge or dispute."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from jaga.documents.models import Document
from jaga.org.models import User
from jaga.workflow.models import Case, StepInstance
from jaga.workflow.services import complete_step
from tests.conftest import PASSWORD
from tests.notifications.conftest import WIB, Org, waiting

pytestmark = pytest.mark.django_db

MONDAY_9 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=WIB)


def client_for(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def at_acknowledgment(org: Org) -> tuple[Case, StepInstance]:
    case = org.report(MONDAY_9)
    complete_step(waiting(case), org.kadis, named=[org.kabid], at=MONDAY_9)
    complete_step(waiting(case), org.kabid, named=[org.kasi], at=MONDAY_9)
    complete_step(waiting(case), org.kasi, named=[org.tech1], at=MONDAY_9)
    complete_step(waiting(case), org.tech1, at=MONDAY_9)
    return case, waiting(case)


def test_it_lists_the_acknowledgment_in_the_opd_s_tasks_with_its_berita_acara(
    org: Org,
) -> None:
    case, step = at_acknowledgment(org)
    ba = Document.objects.get(case=case)
    page = client_for(org.opd_colleague).get(reverse("workflow:inbox")).content.decode()
    assert f'data-step="{step.pk}"' in page
    assert reverse("documents:download", args=[ba.pk]) in page
    assert ba.number in page
    # The navigation's "Tugas Saya" carries the count.
    assert 'Tugas Saya</span>\n              <span class="badge bg-red text-red-fg ms-2">1<' in page


def test_it_shows_the_document_on_the_card_and_offers_the_dispute(org: Org) -> None:
    case, _ = at_acknowledgment(org)
    ba = Document.objects.get(case=case)
    page = client_for(org.reporter).get(reverse("workflow:case", args=[case.pk])).content
    text = page.decode()
    assert 'id="acknowledge-document-number">' + ba.number in text
    assert 'name="action" value="dispute"' in text
    assert 'name="action" value="acknowledge"' in text


def test_it_disputes_with_a_reason_through_the_form(org: Org) -> None:
    case, step = at_acknowledgment(org)
    client = client_for(org.reporter)
    url = reverse("workflow:act", args=[case.pk, step.pk])
    empty = client.post(url, {"action": "dispute", "reason": ""})
    assert empty.status_code == 200
    assert "Sebutkan apa yang tidak benar" in empty.content.decode()
    assert waiting(case).pk == step.pk  # nothing changed
    answer = client.post(url, {"action": "dispute", "reason": "Nomor seri salah"})
    assert answer.status_code == 302
    redo = waiting(case)
    assert (redo.step_no, redo.visit) == ("5", 2)


def test_it_acknowledges_through_the_form(org: Org) -> None:
    case, step = at_acknowledgment(org)
    url = reverse("workflow:act", args=[case.pk, step.pk])
    assert client_for(org.reporter).post(url, {"action": "acknowledge"}).status_code == 302
    assert waiting(case).step_no == "7"
