"""`jaga demo` loads five agencies and running it again changes nothing."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.test import Client

from jaga.org.demo.agencies import AGENCIES
from jaga.org.models import Employee, Opd, Position, User
from jaga.sop.demo import DISRUPTION_SEEDS, EXAMPLE_SOPS
from jaga.sop.models import SopDefinition
from jaga.tenancy.models import Agency

pytestmark = pytest.mark.django_db


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of Jaga's own tables, as tuples of all column values."""
    tables: dict[str, list[tuple[Any, ...]]] = {}
    for model in [
        *apps.get_app_config("tenancy").get_models(),
        *apps.get_app_config("org").get_models(),
    ]:
        columns = [field.attname for field in model._meta.concrete_fields]
        tables[model.__name__] = sorted(model._default_manager.values_list(*columns), key=repr)
        if model is Employee:
            tables["Employee.positions"] = sorted(
                Employee.positions.through.objects.values_list("employee_id", "position_id")
            )
    return tables


def test_it_loads_five_agencies_in_their_own_time_zones() -> None:
    out = StringIO()
    call_command("demo", stdout=out)
    zones = dict(Agency.objects.values_list("slug", "timezone"))
    assert zones == {
        "bogor": "Asia/Jakarta",
        "lingga": "Asia/Jakarta",
        "pontianak": "Asia/Pontianak",
        "bolmut": "Asia/Makassar",
        "batam": "Asia/Jakarta",
    }
    assert "bolmut.kadis" in out.getvalue()
    assert "jaga-demo" in out.getvalue()


def test_it_changes_nothing_when_run_twice() -> None:
    call_command("demo", "--quiet")
    before = snapshot()
    call_command("demo", "--quiet")
    assert snapshot() == before
    assert sum(len(agency.opds) for agency in AGENCIES) == Opd.objects.count()
    # Each agency's seed SOP, the disruption SOP lent to the two that run rounds, and the
    # format 2 examples of the catalogue (issue 17).
    examples = sum(len(names) for names in EXAMPLE_SOPS.values())
    assert (
        SopDefinition.objects.filter(is_current=True).count()
        == len(AGENCIES) + len(DISRUPTION_SEEDS) + examples
    )


def test_it_gives_every_position_a_holder_with_a_login() -> None:
    call_command("demo", "--quiet")
    for position in Position.objects.all():
        holders = position.employees.all()
        assert holders, position
        assert all(holder.user is not None for holder in holders)


def test_its_logins_work_with_the_printed_password() -> None:
    call_command("demo", "--quiet")
    client = Client()
    assert client.login(username="bolmut.kadis", password="jaga-demo")
    assert client.login(username="bogor.dinkes", password="jaga-demo")
    assert User.objects.get(username="bogor.dinkes").opd is not None
    assert client.login(username="admin", password="jaga-demo")
    assert client.get("/admin/tenancy/agency/").status_code == 200
