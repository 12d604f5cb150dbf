"""The report's admin: read-only and kept inside the admin's agency. (It is not registered
yet: see jaga/incidents/admin.py.)"""

from __future__ import annotations

import pytest
from django.contrib.admin import AdminSite
from django.test import RequestFactory

from jaga.incidents.admin import IncidentAdmin
from jaga.incidents.models import Incident
from jaga.org.models import User
from jaga.sop.models import SopDefinition
from tests.incidents.conftest import report

pytestmark = pytest.mark.django_db


def test_it_is_read_only_and_shows_only_the_admins_agency(
    sop_a: SopDefinition, sop_b: SopDefinition, reporter: User
) -> None:
    own = report(reporter)
    report(User.objects.get(username="beta.dinkes"))
    request = RequestFactory().get("/")
    request.user = User.objects.get(username="alpha.admin")
    model_admin = IncidentAdmin(Incident, AdminSite())
    assert model_admin.has_view_permission(request, own)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, own)
    assert not model_admin.has_delete_permission(request, own)
    assert list(model_admin.get_queryset(request)) == [own]
