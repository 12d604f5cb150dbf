"""Loading SOP definitions into an agency: a new version when the content changed."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from jaga.audit.services import record
from jaga.org.models import Position, User
from jaga.sop import events
from jaga.sop.models import SopDefinition
from jaga.sop.schema import SopSpec, StartMode
from jaga.sop.validate import Problem, SopInvalid, line_of, load_spec, read_definition
from jaga.tenancy.models import Agency

LIBRARY = Path(__file__).resolve().parent / "library"


def content_hash(spec: SopSpec) -> str:
    """SHA-256 (hex) of the definition's canonical JSON: equal for equal content, whatever
    the YAML formatting or comments."""
    canonical = json.dumps(spec.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class LoadResult:
    """What ``load_definition`` did: ``created`` is False when the content was already the
    current version."""

    definition: SopDefinition
    created: bool


def check_positions(spec: SopSpec, agency: Agency, path: str, text: str = "") -> list[Problem]:
    """Problems for lanes naming position codes the agency does not have, each on the line
    of the position in ``text`` (the definition's YAML; without it, line 0). Messages follow
    the active language."""
    known = set(Position.objects.filter(agency=agency).values_list("code", flat=True))
    return [
        Problem(
            path,
            line_of(text, ("lanes", index, "positions", p)) if text else 0,
            _('lane "%(lane)s": agency "%(agency)s" has no position "%(code)s"')
            % {"lane": lane.key, "agency": agency.slug, "code": code},
        )
        for index, lane in enumerate(spec.lanes)
        for p, code in enumerate(lane.positions)
        if code not in known
    ]


def load_definition(
    agency: Agency, source: str, *, path: str = "<text>", by: User | None = None
) -> LoadResult:
    """Load (or upgrade) an agency's SOP from YAML ``source``, in one transaction.

    Raises ``SopInvalid`` (nothing written) when the definition has problems or names
    positions the agency lacks. Same content as the current version: nothing changes.
    Otherwise a new version (previous + 1) becomes current; running cases keep theirs,
    and the load is the audit event ``sop.sopdefinition.loaded`` by ``by`` (None: the
    system, e.g. ``jaga sop load``) with ``after`` the code, version, content hash, name,
    number and ``path``, and ``before`` the version and hash it replaced (None for the
    first version); issue 13 point 5. A new version sends ``events.definition_loaded`` in
    the transaction (the service catalogue registers the SOP's service).
    """
    spec = load_spec(source, path)
    problems = check_positions(spec, agency, path, source)
    if problems:
        raise SopInvalid(problems)
    digest = content_hash(spec)
    with transaction.atomic():
        # No row lock: two concurrent loads of a new version collide on the unique
        # (agency, code, version) constraint and the second fails, writing nothing.
        current = SopDefinition.objects.filter(
            agency=agency, code=spec.code, is_current=True
        ).first()
        if current is not None and current.content_hash == digest:
            return LoadResult(current, created=False)
        latest = (
            SopDefinition.objects.filter(agency=agency, code=spec.code)
            .order_by("-version")
            .values_list("version", flat=True)
            .first()
        )
        SopDefinition.objects.filter(agency=agency, code=spec.code, is_current=True).update(
            is_current=False
        )
        definition = SopDefinition.objects.create(
            agency=agency,
            code=spec.code,
            version=(latest or 0) + 1,
            name=spec.identity.nama,
            number=spec.identity.nomor,
            source=source,
            content_hash=digest,
            starts_by_report=StartMode.REPORT in spec.start,
            starts_by_schedule=StartMode.SCHEDULE in spec.start,
            starts_manually=StartMode.MANUAL in spec.start,
            loaded_by=by,
        )
        record(
            agency=agency,
            actor=by,
            action="sop.sopdefinition.loaded",
            obj=definition,
            before=(
                {"version": current.version, "content_hash": current.content_hash}
                if current is not None
                else None
            ),
            after={
                "code": definition.code,
                "version": definition.version,
                "content_hash": digest,
                "name": definition.name,
                "number": definition.number,
                "path": path,
            },
        )
        events.definition_loaded.send(SopDefinition, definition=definition, by=by)
    return LoadResult(definition, created=True)


def load_file(agency: Agency, path: Path, *, by: User | None = None) -> LoadResult:
    """``load_definition`` of a file; ``SopInvalid`` also when the file cannot be read, is
    not UTF-8 text or is too large (``read_definition``)."""
    return load_definition(agency, read_definition(path), path=str(path), by=by)


def current_definition(agency: Agency, code: str) -> SopDefinition:
    """The version new cases of ``code`` start with; ``SopDefinition.DoesNotExist`` if the
    agency has none."""
    return SopDefinition.objects.get(agency=agency, code=code, is_current=True)
