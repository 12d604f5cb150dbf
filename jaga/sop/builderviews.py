"""The SOP builder's pages under /sop/penyusun/ (issue 17 point 4; docs/sop-builder.md).

Only the agency's administrators (``User.is_agency_admin``) write SOPs: anyone else signed
in gets 403, and another agency's draft or SOP is a 404. Every write is a POST; the editor
saves the whole form on each change (htmx, ``builder_check``) and answers the problems
and the SOP AP preview, so nothing typed is lost even when the definition is not valid yet.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from jaga.org.models import Position, User
from jaga.sop import builder, builderdiff, stepsheet
from jaga.sop.document import SopDocument, build_document
from jaga.sop.models import SopDefinition, SopDraft
from jaga.sop.schema import SopSpec
from jaga.sop.validate import Problem, SopInvalid

logger = logging.getLogger(__name__)

#: The largest id a row can have (a signed 64-bit integer): larger ids are a 404.
MAX_ID = 2**63 - 1
#: Bytes of an upload read at most (a definition is at most 1 MiB; a steps sheet 2 MiB).
MAX_UPLOAD_BYTES = 2 * 1024 * 1024


#: What the editor's choices show, by the value written in the YAML (docs/sop-format.md).
LABELS: dict[str, Any] = {
    "activity": gettext_lazy("activity"),
    "disposition": gettext_lazy("disposition"),
    "assignment": gettext_lazy("assignment"),
    "forward": gettext_lazy("forward upward"),
    "check": gettext_lazy("check (accept or return)"),
    "decision": gettext_lazy("decision"),
    "form": gettext_lazy("form"),
    "acknowledgment": gettext_lazy("acknowledgment by the OPD"),
    "report": gettext_lazy("report"),
    "text": gettext_lazy("text"),
    "textarea": gettext_lazy("long text"),
    "integer": gettext_lazy("whole number"),
    "decimal": gettext_lazy("decimal number"),
    "date": gettext_lazy("date"),
    "choice": gettext_lazy("choice"),
    "boolean": gettext_lazy("yes / no"),
    "temuan": gettext_lazy("a finding"),
    "pekerjaan": gettext_lazy("work done"),
    "prefill_opd": gettext_lazy("the reporting OPD"),
    "prefill_description": gettext_lazy("the case's description"),
    "prefill_title": gettext_lazy("the case's title"),
    "prefill_reporter": gettext_lazy("the reporter"),
    "report_start": gettext_lazy("a report or request"),
    "schedule": gettext_lazy("a maintenance schedule"),
    "manual": gettext_lazy("by hand (administrator)"),
    "working": gettext_lazy("working time"),
    "24x7": gettext_lazy("24x7 (clock time)"),
    "required": gettext_lazy("required"),
    "optional": gettext_lazy("optional"),
    "request": gettext_lazy("request"),
    "disruption": gettext_lazy("disruption"),
    "opd": gettext_lazy("OPD users"),
    "employee": gettext_lazy("the agency's employees"),
    "staff": gettext_lazy("staff on behalf of a caller"),
    "lembar_disposisi": "Lembar Disposisi",
    "surat_tugas": "Memo / Surat Tugas",
    "berita_acara_penggantian": "Berita Acara Pengajuan Penggantian Perangkat",
    "berita_acara_pekerjaan": "Berita Acara Pekerjaan",
    "laporan_tindak_lanjut": "Laporan Tindak Lanjut",
    "rencana_kerja": "Rencana Kerja",
}


#: The identity's lists as the first page prints them (jaga.sop.document.IDENTITY_LABELS).
IDENTITY_LIST_LABELS = [
    ("dasar_hukum", "Dasar Hukum"),
    ("kualifikasi_pelaksana", "Kualifikasi Pelaksana"),
    ("keterkaitan", "Keterkaitan"),
    ("peralatan_perlengkapan", "Peralatan/Perlengkapan"),
    ("peringatan", "Peringatan"),
    ("pencatatan_pendataan", "Pencatatan dan Pendataan"),
    ("labels", gettext_lazy("Labels as printed (key: text)")),
]


def _options(values: tuple[str, ...], prefix: str = "") -> list[tuple[str, Any]]:
    return [(value, LABELS.get(prefix + value, LABELS.get(value, value))) for value in values]


@dataclass(frozen=True)
class ShownProblem:
    """A problem as the editor lists it: ``anchor`` is the id of the row it is in."""

    line: int
    message: str
    anchor: str


def _admin(request: HttpRequest) -> User:
    """The signed-in agency administrator; 403 for anyone else."""
    user = request.user
    if not isinstance(user, User) or not user.is_agency_admin or user.agency_id is None:
        raise PermissionDenied(_("Only the agency's administrators write SOPs."))
    return user


def _posted(request: HttpRequest) -> Any:
    """The editor's form data: its JSON ``payload`` (builder.js), else the plain form (no
    JavaScript). A payload that is not the editor's is a 400."""
    raw = request.POST.get("payload")
    if raw is None:
        return request.POST
    try:
        return builder.FormPairs.from_json(raw)
    except ValueError:
        raise BadRequest(_("The editor's data could not be read; reload the page.")) from None


def _agency_id(user: User) -> int:
    """The administrator's agency (``_admin`` made sure there is one)."""
    assert user.agency_id is not None
    return user.agency_id


def _draft(request: HttpRequest, pk: int) -> tuple[User, SopDraft]:
    user = _admin(request)
    if pk > MAX_ID:
        raise Http404
    draft = get_object_or_404(
        SopDraft.objects.select_related("agency", "based_on"), pk=pk, agency_id=_agency_id(user)
    )
    return user, draft


def _shown(source: str, problems: list[Problem]) -> list[ShownProblem]:
    places = builder.anchors(source)
    return [
        ShownProblem(problem.line, problem.message, builder.anchor_of(problem.line, places))
        for problem in problems
    ]


def _preview(spec: SopSpec | None, draft: SopDraft) -> SopDocument | None:
    """The SOP AP document of a draft whose shape is right, else None."""
    if spec is None:
        return None
    try:
        return build_document(spec, draft.agency)
    except Exception:  # a definition with cross-check problems may not lay out: no preview
        logger.info("no preview for SOP draft %s", draft.pk, exc_info=True)
        return None


def _feedback(draft: SopDraft) -> dict[str, Any]:
    checked = builder.check_source(draft.source, draft.agency, path=f"draft-{draft.pk}")
    return {
        "draft": draft,
        "problems": _shown(draft.source, checked.problems),
        "doc": _preview(checked.spec, draft) if not checked.problems else None,
        "has_spec": checked.spec is not None,
    }


def _positions(draft: SopDraft) -> list[tuple[str, str]]:
    return [
        (code, f"{title} ({code})")
        for code, title in Position.objects.filter(agency=draft.agency)
        .order_by("code")
        .values_list("code", "title")
    ]


def _current(draft: SopDraft) -> SopDefinition | None:
    if not draft.code:
        return None
    return SopDefinition.objects.filter(
        agency=draft.agency, code=draft.code, is_current=True
    ).first()


@login_required
@require_safe
def drafts(request: HttpRequest) -> HttpResponse:
    """The agency's drafts and SOPs, with "new SOP" and "edit" for each SOP."""
    user = _admin(request)
    return render(
        request,
        "sop/builder/list.html",
        {
            "drafts": SopDraft.objects.filter(agency_id=_agency_id(user)).select_related(
                "updated_by", "based_on"
            ),
            "definitions": SopDefinition.objects.filter(
                agency_id=_agency_id(user), is_current=True
            ).order_by("name", "code"),
        },
    )


@login_required
@require_POST
def new(request: HttpRequest) -> HttpResponse:
    """Start a new SOP: an empty draft, then its editor."""
    user = _admin(request)
    assert user.agency is not None  # _admin
    draft = builder.new_draft(user.agency, user)
    return redirect("sop:builder_draft", pk=draft.pk)


@login_required
@require_POST
def edit_sop(request: HttpRequest, code: str) -> HttpResponse:
    """Edit an SOP: its draft, or a new one from its current version."""
    user = _admin(request)
    definition = get_object_or_404(
        SopDefinition, agency_id=_agency_id(user), code=code, is_current=True
    )
    draft = builder.draft_of(definition, user)
    return redirect("sop:builder_draft", pk=draft.pk)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def editor(request: HttpRequest, pk: int) -> HttpResponse:
    """The editor of a draft. A POST (the Save button, or the form without JavaScript)
    keeps the form as the draft and shows it again."""
    user, draft = _draft(request, pk)
    if request.method == "POST":
        builder.save_form(draft, _posted(request), user)
        messages.success(request, _("The draft is saved."))
        return redirect("sop:builder_draft", pk=draft.pk)
    try:
        data: object = builder.parse_yaml(draft.source)
    except Exception:
        data = None
    state = builder.editor_state(data)
    known = {code for code, _label in _positions(draft)}
    named = {code for lane in state["lanes"] for code in lane["positions"]}
    context = {
        **_feedback(draft),
        "state": state,
        "positions": _positions(draft)
        + [
            (code, _("%(code)s (not in this agency)") % {"code": code})
            for code in sorted(named - known)
        ],
        "current": _current(draft),
        "choices": {
            "kinds": _options(builder.STEP_KINDS),
            "field_types": _options(builder.FIELD_TYPES),
            "field_records": _options(builder.FIELD_RECORDS),
            "field_prefills": _options(builder.FIELD_PREFILLS, "prefill_"),
            "documents": _options(builder.DOCUMENTS),
            "start_modes": [
                (mode, LABELS["report_start"] if mode == "report" else LABELS[mode])
                for mode in builder.START_MODES
            ],
            "calendars": _options(builder.CALENDARS),
            "replacements": _options(builder.REPLACEMENTS),
            "categories": _options(builder.SERVICE_CATEGORIES),
            "requesters": _options(builder.REQUESTERS),
            "lane_requesters": _options(builder.LANE_REQUESTERS),
            "formats": (builder.V1, builder.V2),
        },
        "readable": isinstance(data, dict),
        "identity_lists": [
            (key, label, state["identity"][key]) for key, label in IDENTITY_LIST_LABELS
        ],
    }
    return render(request, "sop/builder/editor.html", context)


@login_required
@require_POST
def check(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx: keep the form as the draft; answer its problems and (out of band) its preview."""
    user, draft = _draft(request, pk)
    builder.save_form(draft, _posted(request), user)
    return render(request, "sop/builder/_feedback.html", {**_feedback(draft), "oob": True})


@login_required
@require_POST
def publish(request: HttpRequest, pk: int) -> HttpResponse:
    """Keep the form (when posted with it) and load the draft as the SOP's new version."""
    user, draft = _draft(request, pk)
    form = _posted(request)
    if "format" in form:  # published from the editor: its form first
        builder.save_form(draft, form, user)
    try:
        result = builder.publish(draft, user)
    except SopInvalid as exc:
        messages.error(
            request,
            _("The SOP was not published: it has %(count)s problem(s); see the list.")
            % {"count": len(exc.problems)},
        )
        return redirect("sop:builder_draft", pk=draft.pk)
    definition = result.definition
    if result.created:
        messages.success(
            request,
            _("Published: %(name)s is now version %(version)s.")
            % {"name": definition.name, "version": definition.version},
        )
    else:
        messages.info(request, _("Nothing changed since the current version; nothing published."))
    return redirect("sop:builder_versions", code=definition.code)


@login_required
@require_safe
def export(request: HttpRequest, pk: int) -> HttpResponse:
    """The draft's YAML as a download."""
    _user, draft = _draft(request, pk)
    response = HttpResponse(draft.source, content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{builder.export_name(draft)}"'
    return response


def _upload(request: HttpRequest) -> bytes | None:
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose a file to import."))
        return None
    if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
        messages.error(request, _("The file is too large (at most 2 MiB)."))
        return None
    content: bytes = upload.read(MAX_UPLOAD_BYTES + 1)
    return content


@login_required
@require_POST
def import_yaml(request: HttpRequest, pk: int) -> HttpResponse:
    """Replace the draft by an uploaded YAML definition (refused whole if it is not YAML)."""
    user, draft = _draft(request, pk)
    content = _upload(request)
    if content is not None:
        try:
            checked = builder.import_yaml(draft, content, user)
        except builder.ImportRefused as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            if checked.problems:
                messages.warning(
                    request,
                    _("Imported, with %(count)s problem(s) to fix: see the list.")
                    % {"count": len(checked.problems)},
                )
            else:
                messages.success(request, _("Imported: the definition is valid."))
    return redirect("sop:builder_draft", pk=draft.pk)


@login_required
@require_POST
def import_steps(request: HttpRequest, pk: int) -> HttpResponse:
    """Replace the draft's steps by an XLSX sheet laid out like the SOP AP table."""
    user, draft = _draft(request, pk)
    content = _upload(request)
    if content is not None:
        try:
            count = stepsheet.import_steps(draft, content, user)
        except stepsheet.SheetInvalid as exc:
            messages.error(request, _("Nothing was imported:"))
            for error in exc.errors:
                messages.error(request, error)
        else:
            messages.success(request, _("%(count)s step(s) imported.") % {"count": count})
    return redirect("sop:builder_draft", pk=draft.pk)


@login_required
@require_safe
def steps_template(request: HttpRequest, pk: int) -> HttpResponse:
    """An XLSX of the draft's steps table (its lanes as columns): the import's template."""
    _user, draft = _draft(request, pk)
    content = stepsheet.template(draft)
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="langkah-sop-{draft.pk}.xlsx"'
    return response


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def source(request: HttpRequest, pk: int) -> HttpResponse:
    """The draft's YAML text, to edit by hand (kept as typed, valid or not)."""
    user, draft = _draft(request, pk)
    if request.method == "POST":
        text = request.POST.get("source", "")
        builder.save_draft(draft, text.replace("\r\n", "\n"), user)
        messages.success(request, _("The draft is saved."))
        return redirect("sop:builder_source", pk=draft.pk)
    return render(request, "sop/builder/source.html", _feedback(draft))


@login_required
@require_POST
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Throw the draft away (published versions stay)."""
    _user, draft = _draft(request, pk)
    draft.delete()
    messages.success(request, _("The draft is deleted."))
    return redirect("sop:builder")


@login_required
@require_safe
def draft_diff(request: HttpRequest, pk: int) -> HttpResponse:
    """What the draft changes against the SOP's current version."""
    _user, draft = _draft(request, pk)
    current = _current(draft)
    diff = builderdiff.diff_sources(current.source if current else "", draft.source)
    return render(
        request,
        "sop/builder/diff.html",
        {
            "draft": draft,
            "current": current,
            "diff": diff,
            "old_label": _("version %(version)s") % {"version": current.version}
            if current
            else _("nothing"),
            "new_label": _("the draft"),
        },
    )


def _version(versions: list[SopDefinition], text: str | None) -> SopDefinition | None:
    return next((item for item in versions if str(item.version) == text), None)


@login_required
@require_safe
def versions(request: HttpRequest, code: str) -> HttpResponse:
    """The versions of the SOP ``code`` (who loaded each, when) and the readable diff of
    any two (``?a=<version>&b=<version>``; by default the previous and the current)."""
    user = _admin(request)
    rows = list(
        SopDefinition.objects.filter(agency_id=_agency_id(user), code=code)
        .select_related("loaded_by")
        .order_by("-version")
    )
    if not rows:
        raise Http404
    newer = _version(rows, request.GET.get("b")) or rows[0]
    older = _version(rows, request.GET.get("a")) or (rows[1] if len(rows) > 1 else None)
    diff = builderdiff.diff_sources(older.source, newer.source) if older is not None else None
    return render(
        request,
        "sop/builder/versions.html",
        {
            "code": code,
            "rows": rows,
            "current": next((row for row in rows if row.is_current), rows[0]),
            "older": older,
            "newer": newer,
            "diff": diff,
            "drafts": SopDraft.objects.filter(agency_id=_agency_id(user), code=code),
        },
    )
