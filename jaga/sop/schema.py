"""The SOP definition format (``format: jaga-sop/1``), validated with pydantic.

It mirrors the SOP AP document of Permenpan-RB 35/2012 (docs/domain.md, docs/sop-format.md):
the identity block; the lanes (Pelaksana, the flowchart's swimlane columns); the steps
(Kegiatan) with their Mutu Baku (Kelengkapan, Waktu, Output) and Keterangan; decisions with
labelled branches; and how a case starts. The ``kind`` of a step tells the engine what the
actor does and records.

This module checks the shape of one definition. Cross-references (unknown lanes, jumps to
missing steps, unreachable steps, no path to the end) are checked by
``jaga.sop.validate``, which also maps every problem to a line of the YAML file.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
)

from jaga.tenancy.timestandard import TimeStandard, TimeStandardError, parse_time_standard

#: The first format: every file written before issue 17 (all still load unchanged).
FORMAT = "jaga-sop/1"
#: The next format (issue 17 point 3): a service block, an overall deadline, waktu by a
#: decision's branch, bounds in waktu, assignments to several lanes, the forward kind and
#: the employee requester's lane. A 1 file using any of them is refused with a message
#: naming the format to write (docs/sop-format.md, "Format 2").
FORMAT_2 = "jaga-sop/2"
END: Literal["end"] = "end"

Key = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]*$", max_length=60)]

# Bounds of a definition (issue 13 point 11: a 5 MB file loaded and its SOP document took
# 71 s to render). Generous for any printed SOP (the longest text of the library is 435
# characters, the longest SOP 17 steps); documented in docs/sop-format.md, "Limits".
#: Characters of a title or label: names, numbers, dates, lane/branch/field labels.
MAX_TITLE = 500
#: Characters of a description: a step's kegiatan, kelengkapan, output, keterangan, an item
#: of the identity's lists (dasar hukum, peringatan…), a field's help.
MAX_DESCRIPTION = 5000
#: Characters of a time standard ("30 menit", "2 x 24 jam").
MAX_WAKTU = 100
#: Steps of one SOP (the flowchart table's rows).
MAX_STEPS = 200
#: Items of any other list (lanes, branches, fields, choices, positions, identity lines…).
MAX_ITEMS = 100
#: Characters of all texts of a definition together (keys and values; the longest SOP of
#: the library has under 8,000): what the SOP document lays out, so what bounds the time it
#: takes to render, which grows with the text (on a shared two-core machine under load: a
#: library SOP 7 s, 10 steps of 4,900 characters 42 s).
MAX_TEXT_TOTAL = 30_000

#: A title or label: at most MAX_TITLE characters, surrounding blanks dropped.
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_TITLE)]
#: A description: at most MAX_DESCRIPTION characters, surrounding blanks dropped.
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_DESCRIPTION)]


def _step_number(value: object) -> object:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


#: A step number as the No column prints it: "1", "2", or "1a" for a continued row.
StepNo = Annotated[
    str,
    BeforeValidator(_step_number),
    StringConstraints(pattern=r"^[1-9][0-9]*[a-z]?$", max_length=6),
]
#: Where a step leads: another step's number, or "end".
Target = StepNo | Literal["end"]
#: When reminders go out, in percent of a step's Mutu Baku (issue 15 point 3): up to five
#: shares from 1 to 99, e.g. [50, 80]; [] sends none. The escalation at 100 % is always.
ReminderShares = Annotated[list[Annotated[int, Field(ge=1, le=99)]], Field(max_length=5)]


class Strict(BaseModel):
    """Base: unknown keys are errors (a typo must not pass silently)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class StepKind(StrEnum):
    """What the actor of a step does and records (issue 3, "step kinds")."""

    ACTIVITY = "activity"  # does the work, notes what was done
    DISPOSITION = "disposition"  # forwards to one holder of the next lane, with instructions
    ASSIGNMENT = "assignment"  # appoints one or more people of a lane (technicians)
    CHECK = "check"  # accepts, or returns the case to an earlier step with a reason
    DECISION = "decision"  # chooses one of the labelled branches
    FORM = "form"  # fills in the fields the SOP declares
    ACKNOWLEDGMENT = "acknowledgment"  # the reporting OPD acknowledges (Berita Acara)
    REPORT = "report"  # writes a report up the chain
    FORWARD = "forward"  # forwards the case upward to a superior's lane (format 2)


def _readable_time_standard(value: str) -> str:
    try:
        parse_time_standard(value)
    except TimeStandardError as exc:
        raise ValueError(str(exc)) from None
    return value


#: A time standard as printed ("30 Menit", "1-3 hari", "kondisional"), checked readable.
Waktu = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=MAX_WAKTU),
    AfterValidator(_readable_time_standard),
]


class StartMode(StrEnum):
    """How a case of the SOP starts."""

    REPORT = "report"  # a disruption report from an OPD
    SCHEDULE = "schedule"  # a maintenance schedule
    MANUAL = "manual"  # started by hand by an agency admin


class CalendarChoice(StrEnum):
    """Which clock a time standard runs on: working time (the agency's calendar) or 24x7."""

    WORKING = "working"
    ALWAYS = "24x7"


class DocumentType(StrEnum):
    """The official documents a step can issue (glossary; the documents issue renders them)."""

    LEMBAR_DISPOSISI = "lembar_disposisi"
    SURAT_TUGAS = "surat_tugas"  # Memo / Surat Tugas
    BERITA_ACARA_PENGGANTIAN = "berita_acara_penggantian"  # Pengajuan Penggantian Perangkat
    BERITA_ACARA_PEKERJAAN = "berita_acara_pekerjaan"
    LAPORAN_TINDAK_LANJUT = "laporan_tindak_lanjut"
    RENCANA_KERJA = "rencana_kerja"


class FieldType(StrEnum):
    TEXT = "text"
    TEXTAREA = "textarea"
    INTEGER = "integer"
    DECIMAL = "decimal"
    DATE = "date"
    CHOICE = "choice"
    BOOLEAN = "boolean"


class ReplacementMode(StrEnum):
    """Whether a step replaces a broken device with a spare from the store (issue 6)."""

    REQUIRED = "required"  # the step is the replacement (seed 003 step 10)
    OPTIONAL = "optional"  # the step repairs or replaces (seed 000 step 3b)


class Official(Strict):
    """The official who signed the SOP (Disahkan oleh)."""

    jabatan: Text
    nama: Text = ""
    nip: Text = ""
    pangkat: Text = ""


class Identity(Strict):
    """The identity block of the SOP AP's first page, as printed. Dates stay text because
    SOPs print partial dates ("November 2017", "2020")."""

    nomor: Text = ""
    nama: Text
    instansi: list[Text] = Field(min_length=1, max_length=MAX_ITEMS)
    tanggal_pembuatan: Text = ""
    tanggal_revisi: Text = ""
    tanggal_efektif: Text = ""
    disahkan_oleh: Official | None = None
    dasar_hukum: list[LongText] = Field(default=[], max_length=MAX_ITEMS)
    kualifikasi_pelaksana: list[LongText] = Field(default=[], max_length=MAX_ITEMS)
    keterkaitan: list[LongText] = Field(default=[], max_length=MAX_ITEMS)
    peralatan_perlengkapan: list[LongText] = Field(default=[], max_length=MAX_ITEMS)
    peringatan: list[LongText] = Field(default=[], max_length=MAX_ITEMS)
    pencatatan_pendataan: list[LongText] = Field(default=[], max_length=MAX_ITEMS)
    # Labels as printed where the document uses a variant ("Judul SOP", "Uraian Prosedur").
    labels: dict[Key, Text] = Field(default={}, max_length=MAX_ITEMS)


class Lane(Strict):
    """A Pelaksana column. ``positions`` are Position codes of the agency that fill it; the
    ``reporter`` lane is filled by the users of the case's reporting OPD; a lane with
    ``requester: employee`` (format 2) by the agency's employee who requested the service
    (the case's reporter, "Pegawai Pemohon")."""

    key: Key
    label: Text
    positions: list[Key] = Field(default=[], max_length=MAX_ITEMS)
    reporter: bool = False
    requester: Literal["employee"] | None = None

    @property
    def requesting(self) -> bool:
        """Filled by whoever requested the case: the reporting OPD or the employee."""
        return self.reporter or self.requester is not None


class Branch(Strict):
    """One labelled arrow out of a decision ("Ya", "Tidak", "Ringan"...)."""

    key: Key
    label: Text
    next: Target


class FieldRecord(StrEnum):
    """What a field's value is a record of, for the case's reports (issue 18 point 1)."""

    TEMUAN = "temuan"  # a finding: what was found, measured or diagnosed
    PEKERJAAN = "pekerjaan"  # work done: what was repaired, configured, replaced


class CasePrefill(StrEnum):
    """What the case already holds that a field starts with (issue 20 point 1), so that
    nobody retypes it: seed 001 step 2 records the reporting unit and the description the
    OPD gave when it reported."""

    OPD = "opd"  # the reporting OPD's name
    DESCRIPTION = "description"  # the case's description (the report's text)
    TITLE = "title"  # the case's title
    REPORTER = "reporter"  # the reporter's name


class FormField(Strict):
    """A field the actor fills in (a form step, or findings recorded on any step).

    ``printable``: the value is printed on the official document the step issues; by
    default it is recorded and shown in the case only (issue 13 point 12: what people type
    for their colleagues does not reach official letters unless the SOP says so).
    ``records`` (``temuan`` or ``pekerjaan``): the value is a finding or work done, printed
    under "Temuan" or "Pekerjaan yang dilakukan" on the case's Berita Acara Pekerjaan and
    Laporan Tindak Lanjut issued after it, whichever step issues them (issue 18 point 1).
    ``prefill`` (``opd``, ``description``, ``title``, ``reporter``): the form starts with
    that value of the case, which the actor may change (issue 20 point 1)."""

    key: Key
    label: Text
    type: FieldType = FieldType.TEXT
    required: bool = True
    choices: list[Text] = Field(default=[], max_length=MAX_ITEMS)
    help: LongText = ""
    printable: bool = False
    records: FieldRecord | None = None
    prefill: CasePrefill | None = None


class WaktuByBranch(Strict):
    """A step's time standard chosen by the branch an earlier decision took (format 2): a
    fix whose Mutu Baku depends on the kind of problem classified at ``decision``
    ("ringan: 1 hari, sedang: 3 hari, berat: 7 hari"). ``branches`` maps branch keys of that
    decision to waktu; a branch left out, or a case that did not pass the decision, runs on
    the step's own ``waktu``."""

    decision: StepNo
    branches: dict[Key, Waktu] = Field(min_length=1, max_length=MAX_ITEMS)


DEFAULT_INSTRUCTIONS = [
    "Tindak lanjuti",
    "Untuk diketahui",
    "Pelajari",
    "Koordinasikan",
    "Siapkan jawaban",
]


class Step(Strict):
    """One row of the flowchart table.

    ``no`` is the number as printed ("1", or "1a" for a continued row; YAML integers are
    accepted). ``next`` defaults to the following step (the last step ends the case); a
    decision's ``branches`` and a check's ``return_to`` name other steps. ``to_lane`` is the lane a
    disposition forwards to or an assignment appoints from. ``waktu`` is the time standard as
    written ("30 Menit", "kondisional"); ``calendar`` overrides the SOP's clock for this step.
    ``replacement`` makes the step take a spare from the store into service in place of a
    broken device (``jaga.inventory.replacement``), in the step's transaction.
    ``keterangan`` is the SOP's own Keterangan column (shown and printed);
    ``transcription_note`` is a remark of whoever transcribed the SOP into this format
    (a quirk of the printed document, an interpretation), kept for maintainers only: never
    shown on pages nor printed (issue 13 point 12). ``note_printable`` prints the free note
    the actor writes on the document the step issues (default: the note stays in the case).
    """

    no: StepNo
    kegiatan: LongText
    lane: Key | None = None
    lanes: list[Key] = Field(default=[], max_length=MAX_ITEMS)
    kind: StepKind = StepKind.ACTIVITY
    kelengkapan: LongText = ""
    waktu: Waktu
    waktu_by: WaktuByBranch | None = None
    output: LongText = ""
    keterangan: LongText = ""
    transcription_note: LongText = ""
    note_printable: bool = False
    next: Target | None = None
    branches: list[Branch] = Field(default=[], max_length=MAX_ITEMS)
    return_to: list[StepNo] = Field(default=[], max_length=MAX_ITEMS)
    to_lane: Key | None = None
    to_lanes: list[Key] = Field(default=[], max_length=MAX_ITEMS)
    min_assignees: int = Field(default=1, ge=1)
    max_assignees: int | None = Field(default=None, ge=1)
    instructions: list[Text] = Field(default=[], max_length=MAX_ITEMS)
    fields: list[FormField] = Field(default=[], max_length=MAX_ITEMS)
    calendar: CalendarChoice | None = None
    document: DocumentType | None = None
    replacement: ReplacementMode | None = None
    # None: the SOP's ``reminders``, else 50 % and 80 % (jaga.notifications.reminders).
    reminders: ReminderShares | None = None

    @property
    def all_lanes(self) -> list[str]:
        """``lane`` and ``lanes`` together, in order, without repeats."""
        ordered = ([self.lane] if self.lane else []) + list(self.lanes)
        return list(dict.fromkeys(ordered))

    @property
    def time_standard(self) -> TimeStandard:
        """``waktu`` parsed."""
        return parse_time_standard(self.waktu)

    @property
    def target_lanes(self) -> list[str]:
        """The lanes a disposition, assignment or forward names people of: ``to_lane``,
        else ``to_lanes`` (format 2: an assignment of people of several lanes)."""
        return [self.to_lane] if self.to_lane else list(self.to_lanes)

    def standard_for(self, branch: str | None) -> TimeStandard:
        """The standard a visit of this step runs on when its ``waktu_by`` decision took
        ``branch`` (None: not taken on this path): that branch's waktu, else ``waktu``."""
        if self.waktu_by is not None and branch in self.waktu_by.branches:
            return parse_time_standard(self.waktu_by.branches[branch])
        return self.time_standard

    @property
    def disposition_instructions(self) -> list[str]:
        """The checklist a disposition offers: the step's own or the usual Lembar Disposisi."""
        return self.instructions or DEFAULT_INSTRUCTIONS


class FanOutOver(StrEnum):
    """What a fan-out runs its steps once for: ``sites``, the sites of the case
    (``Case.sites``: the round's locations)."""

    SITES = "sites"


class FanOut(Strict):
    """Steps that run once per site of the case, in parallel ("Kunjungan per lokasi").

    ``steps`` are consecutive rows of the table, in order; the first is the block's only
    entry from outside. Every visit (branch) walks the block on its own; the steps lead
    out of the block to one join step, which opens once when every visit is done.
    ``label`` is printed on the SOP document beside the block's frame."""

    key: Key
    label: Text
    over: FanOutOver
    steps: list[StepNo] = Field(min_length=1, max_length=MAX_ITEMS)

    @property
    def entry(self) -> str:
        """The block's first step: where each visit begins."""
        return self.steps[0]


class Requester(StrEnum):
    """Who may request a service (format 2, ``service.requesters``)."""

    OPD = "opd"  # users of an OPD, for their office
    EMPLOYEE = "employee"  # the agency's own employees, for themselves
    STAFF = "staff"  # help-desk staff, on behalf of a caller (phone, WhatsApp, letter, desk)


class ServiceCategory(StrEnum):
    """What a service handles: a disruption (gangguan, an incident) or a request
    (permintaan layanan: an installation, an account, a relocation)."""

    DISRUPTION = "disruption"
    REQUEST = "request"


class Service(Strict):
    """The service an SOP that starts by request provides in the agency's catalogue
    (format 2, issue 17 point 1). ``key`` defaults to the SOP's code and ``name`` to its
    identity's nama; ``fields`` are what the requester fills in, checked at intake."""

    key: Key | None = None
    name: Text = ""
    description: LongText = ""
    category: ServiceCategory = ServiceCategory.REQUEST
    # Default: OPD users, and the help desk recording a call for them.
    requesters: list[Requester] = Field(
        default=[Requester.OPD, Requester.STAFF], min_length=1, max_length=3
    )
    fields: list[FormField] = Field(default=[], max_length=MAX_ITEMS)


class SopSpec(Strict):
    """A whole SOP definition. ``code`` is stable within an agency (versions share it)."""

    format: Literal["jaga-sop/1", "jaga-sop/2"]
    code: Key
    identity: Identity
    start: list[StartMode] = Field(min_length=1)
    # Format 2: the catalogue entry of an SOP that starts by request.
    service: Service | None = None
    # Format 2: the whole procedure's time standard (tenggat), e.g. "14 hari kalender".
    deadline: Waktu | None = None
    # None: the agency's calendar setting decides (working time unless it runs 24x7).
    calendar: CalendarChoice | None = None
    lanes: list[Lane] = Field(min_length=1, max_length=MAX_ITEMS)
    steps: list[Step] = Field(min_length=1, max_length=MAX_STEPS)
    # Blocks of steps run once per site of the case (a maintenance round's visits).
    fan_out: list[FanOut] = Field(default=[], max_length=MAX_ITEMS)
    # Reminder shares of every step's Mutu Baku unless a step sets its own (None: 50, 80).
    reminders: ReminderShares | None = None

    @property
    def deadline_standard(self) -> TimeStandard | None:
        """``deadline`` parsed, or None when the SOP sets no overall deadline."""
        return parse_time_standard(self.deadline) if self.deadline is not None else None

    @property
    def intake_fields(self) -> list[FormField]:
        """What a request of this SOP asks at intake: the service's ``fields``, else the
        fields of a first step that the request itself completes (in the requester's lane)."""
        if self.service is not None and self.service.fields:
            return list(self.service.fields)
        first = self.steps[0]
        if any(self.lane(key).requesting for key in first.all_lanes if self.has_lane(key)):
            return list(first.fields)
        return []

    def has_lane(self, key: str) -> bool:
        """Whether a lane ``key`` exists."""
        return any(lane.key == key for lane in self.lanes)

    def step(self, no: str) -> Step:
        """The step numbered ``no``; ``KeyError`` if there is none."""
        for step in self.steps:
            if step.no == no:
                return step
        raise KeyError(no)

    def lane(self, key: str) -> Lane:
        """The lane ``key``; ``KeyError`` if there is none."""
        for lane in self.lanes:
            if lane.key == key:
                return lane
        raise KeyError(key)

    def following(self, step: Step) -> Target:
        """Where an ordinary step goes: its ``next``, else the next step in the table, else
        the end."""
        if step.next is not None:
            return step.next
        index = self.steps.index(step)
        if index + 1 < len(self.steps):
            return self.steps[index + 1].no
        return END

    def successors(self, step: Step) -> list[Target]:
        """Every step (or the end) an instance of ``step`` can lead to."""
        if step.kind is StepKind.DECISION:
            return [branch.next for branch in step.branches]
        targets: list[Target] = [self.following(step)]
        if step.kind is StepKind.CHECK:
            targets.extend(step.return_to)
        return targets

    def fan_out_of(self, no: str) -> FanOut | None:
        """The fan-out whose block holds step ``no``, or None (a trunk step)."""
        return next((fan for fan in self.fan_out if no in fan.steps), None)

    def fan_out_entered_at(self, no: str) -> FanOut | None:
        """The fan-out whose first step is ``no`` (reaching it from the trunk opens one
        visit per site), or None."""
        return next((fan for fan in self.fan_out if fan.entry == no), None)

    def join_of(self, fan: FanOut) -> Target:
        """Where the visits of ``fan`` join: the one step outside the block that its steps
        lead to (the validator guarantees there is exactly one; ``END`` only in an
        invalid definition)."""
        inside = set(fan.steps)
        for no in fan.steps:
            step = self.step(no)
            targets = [branch.next for branch in step.branches] or [self.following(step)]
            for target in targets:
                if target not in inside:
                    return target
        return END

    def reporter_steps_outside_fan_outs(self) -> list[Step]:
        """Steps in the reporting OPD's lane that run on the trunk: they need the case's
        OPD at start (inside a fan-out, the OPD of each visit's site acts)."""
        reporter = {lane.key for lane in self.lanes if lane.reporter}
        return [
            step
            for step in self.steps
            if set(step.all_lanes) & reporter and self.fan_out_of(step.no) is None
        ]
