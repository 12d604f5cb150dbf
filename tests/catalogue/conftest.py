"""An agency with the workflow tests' people, its disruption SOP (the mini SOP), a format 2
service request SOP, and a help-desk clerk."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Permission

from jaga.catalogue.models import Service
from jaga.org.models import User
from jaga.sop.services import load_definition
from tests.conftest import PASSWORD
from tests.workflow.conftest import World
from tests.workflow.conftest import world as workflow_world

INSTALL_SOP = """
format: jaga-sop/2
code: pemasangan
identity: {nama: Pemasangan Jaringan, instansi: [DINAS UJI]}
start: [report]
deadline: 5 hari kalender
service:
  name: Pemasangan jaringan baru
  description: Titik jaringan baru di kantor OPD.
  requesters: [opd, employee, staff]
  fields:
    - {key: ruangan, label: Ruangan}
    - {key: titik, label: Jumlah titik, type: integer}
lanes:
  - {key: kasi, label: Kasi, positions: [kasi]}
  - {key: teknis, label: Teknis, positions: [teknisi]}
steps:
  - {no: 1, kegiatan: Kasi menunjuk, lane: kasi, kind: assignment, to_lane: teknis,
     waktu: 1 jam}
  - {no: 2, kegiatan: Pemasangan, lane: teknis, waktu: 1-3 hari}
"""


@dataclass
class Desk:
    world: World
    install: Service
    disruption: Service
    clerk: User


#: The workflow tests' agency and people, as this directory's ``world`` fixture.
world = workflow_world


@pytest.fixture
def desk(world: World) -> Desk:
    load_definition(world.agency, INSTALL_SOP, path="pemasangan.yaml")
    clerk = User.objects.create_user("gamma.desk", password=PASSWORD, agency=world.agency)
    clerk.user_permissions.add(Permission.objects.get(codename="record_request"))
    return Desk(
        world=world,
        install=Service.objects.get(agency=world.agency, code="pemasangan"),
        disruption=Service.objects.get(agency=world.agency, code="mini"),
        clerk=User.objects.get(pk=clerk.pk),  # a fresh instance: no cached permissions
    )
