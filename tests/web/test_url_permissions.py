"""Every page, as every role, with its own and other agencies' and OPDs' object ids.

The table below lists the expected status of a GET for each named URL of Jaga's own pages
(admin excluded: tests/tenancy/test_admin_isolation.py covers it) and each role. A new URL
must be added here: the test fails for a page the table does not know.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from PIL import Image

from jaga.documents.models import Document, ReportType
from jaga.documents.services import issue_report
from jaga.incidents.models import Attachment, Incident
from jaga.incidents.services import report_disruption
from jaga.inventory.models import Device, ImportJob, Link, Site
from jaga.maintenance.agenda import feed_for
from jaga.maintenance.inspections import record_inspection
from jaga.maintenance.models import (
    ChecklistItem,
    ChecklistTemplate,
    MaintenancePlan,
    MaintenanceRound,
)
from jaga.notifications.models import Notification
from jaga.org.models import Opd, User
from jaga.reports import availability
from jaga.signatures.models import EsignClient, Signature, SignatureStatus
from jaga.sop.models import SopDraft
from jaga.sop.services import load_definition
from jaga.workflow.models import Case, StepInstance
from jaga.workflow.services import complete_step
from tests.conftest import PASSWORD, make_agency
from tests.workflow.conftest import MINI_SOP, add_holder

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "reporter",  # OPD user of the case's OPD
    "other_opd",  # OPD user of another OPD of the same agency
    "employee",  # the Kadis, who may act on the case's waiting step
    "admin",  # the agency's administrator
    "other_admin",  # another agency's administrator
    "other_reporter",  # another agency's OPD user
    "platform",  # platform administrator
]

# url name -> expected GET status per role, in ROLES order.
EXPECTED: dict[str, list[int]] = {
    "home": [200, 200, 200, 200, 200, 200, 200, 200],
    "health": [200, 200, 200, 200, 200, 200, 200, 200],
    "login": [200, 302, 302, 302, 302, 302, 302, 302],
    "logout": [405, 405, 405, 405, 405, 405, 405, 405],
    "password_change": [302, 200, 200, 200, 200, 200, 200, 200],
    "password_change_done": [302, 200, 200, 200, 200, 200, 200, 200],
    "incidents:report": [302, 200, 200, 403, 403, 403, 200, 403],
    "incidents:mine": [302, 200, 200, 403, 403, 403, 200, 403],
    "incidents:attachment": [302, 200, 404, 200, 200, 404, 404, 200],
    # Tugas Saya: OPD users' own tasks too (an acknowledgment waiting for them; issue 15).
    "workflow:inbox": [302, 200, 200, 200, 200, 200, 200, 200],
    "workflow:cases": [302, 200, 200, 200, 200, 200, 200, 200],
    # The list's exports: the same cases as the list, its filters applied (issue 16).
    "workflow:export_csv": [302, 200, 200, 200, 200, 200, 200, 200],
    "workflow:export_xlsx": [302, 200, 200, 200, 200, 200, 200, 200],
    "workflow:case": [302, 200, 404, 200, 200, 404, 404, 200],
    "workflow:act": [302, 405, 405, 405, 405, 405, 405, 405],
    "workflow:affected": [302, 403, 404, 200, 200, 404, 404, 403],
    # The device choices of a site, drawn in the form that chose it (issue 20 point 4): as
    # the affected page; a step's only where the step replaces devices (this one does not).
    "workflow:affected_devices": [302, 403, 404, 200, 200, 404, 404, 403],
    "workflow:step_devices": [302, 404, 404, 404, 404, 404, 404, 404],
    "workflow:start": [302, 403, 403, 403, 200, 200, 403, 403],
    "documents:download": [302, 200, 404, 200, 200, 404, 404, 200],
    "documents:correct": [302, 403, 404, 403, 200, 404, 404, 403],
    "documents:srikandi": [302, 403, 403, 403, 200, 200, 403, 403],
    "documents:srikandi_export": [302, 403, 403, 403, 200, 200, 403, 403],
    "documents:metadata": [302, 403, 403, 403, 200, 404, 403, 403],
    "documents:register": [302, 405, 405, 405, 405, 405, 405, 405],
    # Public: the QR code on a printed document opens it for anyone.
    "verify": [200, 200, 200, 200, 200, 200, 200, 200],
    # TTE (issue 18 point 6): the agency's esign-client is inactive in this world, so nobody
    # may sign (403 for those who see the document); it has no signed version (404); its
    # unknown attempt is reconciled by its signer or the agency's administrator.
    "signatures:sign": [302, 403, 404, 403, 403, 404, 404, 403],
    "signatures:download": [302, 404, 404, 404, 404, 404, 404, 404],
    "signatures:reconcile": [302, 403, 403, 200, 200, 404, 404, 200],
    "verify_upload": [200, 200, 200, 200, 200, 200, 200, 200],
    # The agency's SOPs; the platform administrator belongs to no agency.
    "sop:sops": [302, 200, 200, 200, 200, 200, 200, 403],
    "sop:sop": [302, 200, 200, 200, 200, 404, 404, 403],
    "sop:sop_pdf": [302, 200, 200, 200, 200, 404, 404, 403],
    # The SOP builder (issue 17 point 4): the agency's administrators only.
    "sop:builder": [302, 403, 403, 403, 200, 200, 403, 403],
    "sop:builder_new": [302, 405, 405, 405, 405, 405, 405, 405],
    "sop:builder_edit_sop": [302, 405, 405, 405, 405, 405, 405, 405],
    "sop:builder_versions": [302, 403, 403, 403, 200, 404, 403, 403],
    "sop:builder_draft": [302, 403, 403, 403, 200, 404, 403, 403],
    "sop:builder_check": [302, 405, 405, 405, 405, 405, 405, 405],
    "sop:builder_publish": [302, 405, 405, 405, 405, 405, 405, 405],
    "sop:builder_export": [302, 403, 403, 403, 200, 404, 403, 403],
    "sop:builder_import": [302, 405, 405, 405, 405, 405, 405, 405],
    "sop:builder_import_steps": [302, 405, 405, 405, 405, 405, 405, 405],
    "sop:builder_steps_template": [302, 403, 403, 403, 200, 404, 403, 403],
    "sop:builder_source": [302, 403, 403, 403, 200, 404, 403, 403],
    "sop:builder_delete": [302, 405, 405, 405, 405, 405, 405, 405],
    "sop:builder_diff": [302, 403, 403, 403, 200, 404, 403, 403],
    # The agency's inventory: an OPD user sees their own OPD's part (the objects of the world
    # stand at the case's OPD); like the SOP pages, nothing for a user of no agency.
    "inventory:sites": [302, 200, 200, 200, 200, 200, 200, 403],
    "inventory:devices": [302, 200, 200, 200, 200, 200, 200, 403],
    "inventory:links": [302, 200, 200, 200, 200, 200, 200, 403],
    "inventory:site": [302, 200, 404, 200, 200, 404, 404, 403],
    "inventory:device": [302, 200, 404, 200, 200, 404, 404, 403],
    "inventory:link": [302, 200, 404, 200, 200, 404, 404, 403],
    "inventory:opd": [302, 200, 404, 200, 200, 404, 404, 403],
    "inventory:export": [302, 200, 200, 200, 200, 200, 200, 403],
    "inventory:template": [302, 200, 200, 200, 200, 200, 200, 403],
    "inventory:import": [302, 403, 403, 403, 200, 200, 403, 403],
    "inventory:import_job": [302, 403, 403, 403, 200, 404, 403, 403],
    "inventory:import_errors": [302, 403, 403, 403, 200, 404, 403, 403],
    # The network monitor: its checks follow the inventory's devices (an OPD user sees their
    # OPD's); nothing for a user of no agency.
    "monitoring:overview": [302, 200, 200, 200, 200, 200, 200, 403],
    # The agents' protocol (a token only; sessions get nothing): test_agent_api.py.
    "monitoring_api:assignments": [401, 401, 401, 401, 401, 401, 401, 401],
    "monitoring_api:results": [405, 405, 405, 405, 405, 405, 405, 405],
    # Preventive maintenance: plans and the calendar for the Diskominfo side (another
    # agency's administrator sees their own, empty, lists), edited by the administrator and
    # the Kasi; checklists edited by the same; a device inspected by the Diskominfo staff;
    # an inspection seen by whoever sees the device's site; the feed by its token alone;
    # the events need a period (400 without one); pause and reset are POSTs.
    "maintenance:plans": [302, 403, 403, 200, 200, 200, 403, 403],
    "maintenance:plan_create": [302, 403, 403, 403, 200, 200, 403, 403],
    "maintenance:plan": [302, 403, 403, 200, 200, 404, 403, 403],
    "maintenance:plan_edit": [302, 403, 403, 403, 200, 404, 403, 403],
    "maintenance:plan_pause": [302, 405, 405, 405, 405, 405, 405, 405],
    "maintenance:calendar": [302, 403, 403, 200, 200, 200, 403, 403],
    "maintenance:calendar_events": [302, 403, 403, 400, 400, 400, 403, 403],
    "maintenance:feed_reset": [302, 405, 405, 405, 405, 405, 405, 405],
    "maintenance:feed": [200, 200, 200, 200, 200, 200, 200, 200],
    "maintenance:templates": [302, 403, 403, 403, 200, 200, 403, 403],
    "maintenance:template_create": [302, 403, 403, 403, 200, 200, 403, 403],
    "maintenance:template_edit": [302, 403, 403, 403, 200, 404, 403, 403],
    "maintenance:inspect": [302, 403, 404, 200, 200, 404, 404, 403],
    "maintenance:inspection": [302, 200, 404, 200, 200, 404, 404, 403],
    "maintenance:photo": [302, 200, 404, 200, 200, 404, 404, 403],
    # A round's Rencana Kerja: read by the Diskominfo side, like the plan it came from.
    "maintenance:work_plan": [302, 403, 403, 200, 200, 404, 403, 403],
    # The OPD's page of the rounds at its sites: each OPD user their own (no object id:
    # isolation is what it lists, tests/maintenance/test_opd_rounds.py); the Diskominfo
    # side has the calendar.
    "maintenance:opd_rounds": [302, 200, 200, 403, 403, 403, 200, 403],
    # Each user's own notifications (no object of another user's: tests/notifications);
    # marking read and opening one are POSTs.
    "notifications:list": [302, 200, 200, 200, 200, 200, 200, 200],
    "notifications:bell": [302, 200, 200, 200, 200, 200, 200, 200],
    "notifications:read_all": [302, 405, 405, 405, 405, 405, 405, 405],
    "notifications:open": [302, 405, 405, 405, 405, 405, 405, 405],
    "notifications:preferences": [302, 200, 200, 200, 200, 200, 200, 200],
    "notifications:push_subscribe": [302, 405, 405, 405, 405, 405, 405, 405],
    "notifications:push_unsubscribe": [302, 405, 405, 405, 405, 405, 405, 405],
    "notifications:telegram_code": [302, 405, 405, 405, 405, 405, 405, 405],
    "notifications:telegram_unlink": [302, 405, 405, 405, 405, 405, 405, 405],
    # Mutu Baku compliance: the Diskominfo side of an agency (a technician sees their own
    # steps, a unit head their units'; tests/reports); not OPD users, not the platform.
    "reports:index": [302, 403, 403, 200, 200, 200, 403, 403],
    "reports:compliance": [302, 403, 403, 200, 200, 200, 403, 403],
    # Operational figures: the heads of units and the administrators (the Kadis here).
    "reports:operations": [302, 403, 403, 200, 200, 200, 403, 403],
    "reports:compliance_steps": [302, 403, 403, 200, 200, 200, 403, 403],
    # The rekapitulasi and periodic reports: the Kepala Dinas, the heads and the
    # administrators (another agency's sees their own); the XLSX needs a period (400
    # without); issuing is a POST; an issued PDF only in its own agency.
    "reports:periodic": [302, 403, 403, 200, 200, 200, 403, 403],
    "reports:periodic_xlsx": [302, 403, 403, 400, 400, 400, 403, 403],
    "reports:periodic_issue": [302, 405, 405, 405, 405, 405, 405, 405],
    "reports:periodic_document": [302, 403, 403, 200, 200, 404, 403, 403],
    # An OPD's availability report: its own users and the Diskominfo side of its agency
    # (another agency's administrator and users see their own, empty, form); issued PDFs
    # by whoever may see that OPD; issuing is a POST.
    "reports:availability": [302, 200, 200, 200, 200, 200, 200, 403],
    "reports:availability_xlsx": [302, 400, 400, 400, 400, 400, 400, 403],
    "reports:availability_issue": [302, 405, 405, 405, 405, 405, 405, 405],
    "reports:availability_document": [302, 200, 404, 200, 200, 404, 404, 403],
    # The SPBE evidence bundle: the readers of the whole agency (the Kadis, the agency's
    # administrators; another agency's administrator gets their own form); building is a
    # POST on the same page.
    "reports:spbe": [302, 403, 403, 200, 200, 200, 403, 403],
    # The organisation import, its empty workbook and the setup checklist (issue 17 point
    # 5): the agency's administrators only, each for their own agency.
    "org:import": [302, 403, 403, 403, 200, 200, 403, 403],
    "org:template": [302, 403, 403, 403, 200, 200, 403, 403],
    "org:setup": [302, 403, 403, 403, 200, 200, 403, 403],
    # The service catalogue (issue 17 points 1-2): every user of an agency sees what is open
    # to them. "mini" is a disruption service: its request is the OPD's report form
    # (a redirect); the Kadis and the administrator are no requesters of it, and only the
    # help desk records for a caller. Another agency has no service "mini" (404).
    "catalogue:catalogue": [302, 200, 200, 200, 200, 200, 200, 403],
    "catalogue:requests": [302, 200, 200, 200, 200, 200, 200, 403],
    "catalogue:request": [302, 302, 302, 403, 403, 404, 404, 403],
    "catalogue:record": [302, 403, 403, 403, 403, 404, 404, 403],
    # The service worker is public, as browsers fetch it.
    "service_worker": [200, 200, 200, 200, 200, 200, 200, 200],
}
SKIPPED_NAMESPACES = {"admin"}
SKIPPED_NAMES = {"set_language"}  # Django's language switch (POST), tested in tests/web


def png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, format="PNG")
    return SimpleUploadedFile("foto.png", buffer.getvalue(), content_type="image/png")


def named_urls(resolver: URLResolver | None = None, prefix: str = "") -> set[str]:
    resolver = resolver or get_resolver()
    names: set[str] = set()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace in SKIPPED_NAMESPACES:
                continue
            inner = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            names |= named_urls(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name and entry.name not in SKIPPED_NAMES:
            names.add(prefix + entry.name)
    return names


@pytest.fixture
def world(settings: Any, tmp_path: Any) -> dict[str, Any]:
    settings.MEDIA_ROOT = tmp_path
    agency = make_agency("sigma")
    unit = agency.orgunit_set.get()
    for code, username, nip in [
        ("kabid", "sigma.kabid", "197001012000031001"),
        ("kasi", "sigma.kasi", "198001012005031002"),
        ("teknisi", "sigma.tek", "199001012015031003"),
    ]:
        add_holder(agency, code, code.title(), unit, username, nip)
    load_definition(agency, MINI_SOP, path="mini.yaml")
    other_opd = Opd.objects.create(agency=agency, name="Dinas Pendidikan", abbreviation="Disdik")
    User.objects.create_user("sigma.disdik", password=PASSWORD, agency=agency, opd=other_opd)
    make_agency("tau")
    User.objects.create_superuser("root", password=PASSWORD)
    reporter = User.objects.get(username="sigma.dinkes")
    incident = report_disruption(
        reporter,
        location="Ruang server",
        problem="Internet mati",
        since=dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.UTC),
        contact_name="Budi",
        contact_phone="0812",
        photos=[png()],
        at=dt.datetime(2026, 11, 2, 2, 0, tzinfo=dt.UTC),
    )
    case = Case.objects.get(pk=incident.case_id)
    # The inventory of the case's OPD: its office, a router there with an ISP link.
    site = Site.objects.create(agency=agency, code="dinkes-pusat", name="Dinkes", opd=case.opd)
    router = Device.objects.create(
        agency=agency, site=site, name="Router Dinkes", kind="router", serial_number="R-1"
    )
    link = Link.objects.create(
        agency=agency, a_device=router, medium="fibre", bandwidth_mbps=100, provider="Telkom"
    )
    # A second report whose disposition has issued a Lembar Disposisi.
    second = report_disruption(
        reporter,
        location="Aula",
        problem="Wi-Fi mati",
        since=dt.datetime(2026, 11, 3, 1, 0, tzinfo=dt.UTC),
        contact_name="Budi",
        contact_phone="0812",
        at=dt.datetime(2026, 11, 3, 2, 0, tzinfo=dt.UTC),
    )
    disposition = StepInstance.objects.get(case_id=second.case_id, status="open")
    complete_step(
        disposition,
        User.objects.get(username="sigma.kadis"),
        named=[User.objects.get(username="sigma.kabid")],
        at=dt.datetime(2026, 11, 3, 3, 0, tzinfo=dt.UTC),
    )
    # Preventive maintenance: a plan (written directly: the mini SOP does not start on a
    # schedule), a router checklist with a photo item, an inspection of the router with a
    # photo, and the Kadis's calendar feed.
    plan = MaintenancePlan.objects.create(
        agency=agency,
        name="Pemeliharaan bulanan",
        sop_code="mini",
        rrule="FREQ=MONTHLY",
        start_date=dt.date(2026, 11, 1),
        visit_time=dt.time(8, 0),
    )
    started = MaintenanceRound.objects.create(
        agency=agency,
        plan=plan,
        nominal_date=dt.date(2026, 11, 2),
        visit_at=dt.datetime(2026, 11, 3, 1, 0, tzinfo=dt.UTC),
        due_at=dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.UTC),
        started_at=dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.UTC),
        case=second.case,
    )
    template = ChecklistTemplate.objects.create(agency=agency, name="Router", device_kind="router")
    ChecklistItem.objects.create(
        agency=agency, template=template, position=1, kind="pass_fail", label="Lampu"
    )
    photo_item = ChecklistItem.objects.create(
        agency=agency, template=template, position=2, kind="photo", label="Foto", required=False
    )
    inspection = record_inspection(
        router,
        template,
        {template.items.get(position=1).pk: {"passed": "pass"}},
        User.objects.get(username="sigma.tek"),
        photos={photo_item.pk: png()},
        at=dt.datetime(2026, 11, 3, 5, 0, tzinfo=dt.UTC),
    )
    import_job = ImportJob.objects.create(
        agency=agency,
        kind="devices",
        file_name="perangkat.csv",
        file_format="csv",
        state="failed",
        errors=[[2, "nama", "A value is required."]],
        queued_at=dt.datetime(2026, 11, 3, 4, 0, tzinfo=dt.UTC),
    )
    assert case.opd is not None
    report = availability.build(case.opd, availability.Month(2026, 11))
    availability_document = issue_report(
        agency,
        ReportType.LAPORAN_KETERSEDIAAN,
        User.objects.get(username="sigma.kadis"),
        dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC),
        availability.document_content(report),
        title=availability.document_title(report),
    )
    periodic_document = issue_report(
        agency,
        ReportType.REKAPITULASI,
        User.objects.get(username="sigma.kadis"),
        dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC),
        {"period": {"label": "November 2026"}},
        title="Rekapitulasi November 2026",
    )
    document = Document.objects.get(case_id=second.case_id)
    return {
        "availability_document": availability_document,
        "periodic_document": periodic_document,
        "plan": plan,
        "round": started,
        "template": template,
        "inspection": inspection,
        "photo": inspection.answers.get(kind="photo"),
        "feed": feed_for(User.objects.get(username="sigma.kadis")).token,
        "case": case,
        "import_job": import_job,
        "sop_draft": SopDraft.objects.create(agency=agency, code="mini", source=MINI_SOP),
        "document": document,
        "signature": Signature.objects.create(
            agency=agency,
            document=document,
            signer=User.objects.get(username="sigma.kadis"),
            client=EsignClient.objects.create(
                agency=agency, base_url="http://127.0.0.1:9", is_active=False
            ),
            api_version=2,
            status=SignatureStatus.UNKNOWN,
            started_at=dt.datetime(2026, 12, 1, 3, 0, tzinfo=dt.UTC),
        ),
        "notification": Notification.objects.filter(recipient__username="sigma.kadis").first(),
        "step": StepInstance.objects.get(case=case, status="open"),
        "attachment": Attachment.objects.get(incident=incident),
        "site": site,
        "device": router,
        "link": link,
        "users": {
            "reporter": "sigma.dinkes",
            "other_opd": "sigma.disdik",
            "employee": "sigma.kadis",
            "admin": "sigma.admin",
            "other_admin": "tau.admin",
            "other_reporter": "tau.dinkes",
            "platform": "root",
        },
    }


def url_for(name: str, world: dict[str, Any]) -> str:
    args: dict[str, list[Any]] = {
        "incidents:attachment": [world["attachment"].pk],
        "workflow:case": [world["case"].pk],
        "workflow:act": [world["case"].pk, world["step"].pk],
        "workflow:affected": [world["case"].pk],
        "workflow:affected_devices": [world["case"].pk],
        "workflow:step_devices": [world["case"].pk, world["step"].pk],
        "documents:download": [world["document"].pk],
        "documents:correct": [world["document"].pk],
        "documents:metadata": [world["document"].pk],
        "documents:register": [world["document"].pk],
        "verify": [world["document"].token],
        "signatures:sign": [world["document"].pk],
        "signatures:download": [world["document"].pk],
        "signatures:reconcile": [world["signature"].pk],
        "sop:sop": ["mini"],
        "catalogue:request": ["mini"],
        "catalogue:record": ["mini"],
        "sop:sop_pdf": ["mini"],
        "sop:builder_edit_sop": ["mini"],
        "sop:builder_versions": ["mini"],
        **{
            name: [world["sop_draft"].pk]
            for name in (
                "sop:builder_draft",
                "sop:builder_check",
                "sop:builder_publish",
                "sop:builder_export",
                "sop:builder_import",
                "sop:builder_import_steps",
                "sop:builder_steps_template",
                "sop:builder_source",
                "sop:builder_delete",
                "sop:builder_diff",
            )
        },
        "inventory:site": [world["site"].pk],
        "inventory:device": [world["device"].pk],
        "inventory:link": [world["link"].pk],
        "inventory:opd": [world["case"].opd_id],
        "inventory:export": ["devices"],
        "inventory:template": ["devices"],
        "inventory:import_job": [world["import_job"].pk],
        "inventory:import_errors": [world["import_job"].pk],
        "maintenance:plan": [world["plan"].pk],
        "maintenance:plan_edit": [world["plan"].pk],
        "maintenance:plan_pause": [world["plan"].pk],
        "maintenance:feed": [world["feed"]],
        "maintenance:template_edit": [world["template"].pk],
        "maintenance:inspect": [world["device"].pk],
        "maintenance:inspection": [world["inspection"].pk],
        "maintenance:photo": [world["photo"].pk],
        "maintenance:work_plan": [world["round"].pk],
        "notifications:open": [world["notification"].pk],
        "reports:availability_document": [world["availability_document"].pk],
        "reports:periodic_document": [world["periodic_document"].pk],
    }
    return reverse(name, args=args.get(name, []))


def client_for(role: str, world: dict[str, Any]) -> Client:
    client = Client()
    if role != "anonymous":
        assert client.login(username=world["users"][role], password=PASSWORD)
    return client


def test_it_has_an_expectation_for_every_page() -> None:
    assert named_urls() == set(EXPECTED)


@pytest.mark.parametrize("role", ROLES)
def test_it_answers_each_page_as_expected_for_the_role(role: str, world: dict[str, Any]) -> None:
    client = client_for(role, world)
    actual = {name: client.get(url_for(name, world)).status_code for name in EXPECTED}
    expected = {name: statuses[ROLES.index(role)] for name, statuses in EXPECTED.items()}
    assert actual == expected


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 302),
        ("reporter", 403),
        ("other_opd", 404),
        ("other_admin", 404),
        ("other_reporter", 404),
    ],
)
def test_it_refuses_a_step_action_from_anyone_who_may_not_act(
    role: str, status: int, world: dict[str, Any]
) -> None:
    response = client_for(role, world).post(url_for("workflow:act", world), {"note": "x"})
    assert response.status_code == status
    world["step"].refresh_from_db()
    assert world["step"].status == "open"


def test_it_lets_the_kadis_act_on_the_waiting_step(world: dict[str, Any]) -> None:
    kabid = User.objects.get(username="sigma.kabid")
    response = client_for("employee", world).post(
        url_for("workflow:act", world), {"recipient": kabid.pk, "instructions": ["Tindak lanjuti"]}
    )
    assert response.status_code == 302
    world["step"].refresh_from_db()
    assert world["step"].status == "done"
    assert Incident.objects.count() == 2  # the two reports of the world; acting adds none


def test_it_shows_the_report_and_its_photos_on_the_case_page(world: dict[str, Any]) -> None:
    page = client_for("employee", world).get(url_for("workflow:case", world)).content.decode()
    assert "Ruang server" in page
    assert reverse("incidents:attachment", args=[world["attachment"].pk]) in page
