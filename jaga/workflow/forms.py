"""Forms of the Diskominfo side: one form per step kind, and starting a case by hand.

A step form collects and checks what the person enters, then ``act`` hands it to the engine
(``jaga.workflow.services``). The engine checks again; its ``InvalidInput`` errors come back
as field errors through ``add_service_errors``. The step's declared fields (``fields`` in the
SOP) are named ``f_<key>`` so that they never clash with the form's own fields.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from jaga.inventory.fields import IdsChoiceField
from jaga.inventory.models import Device, DeviceStatus, Site
from jaga.inventory.replacement import ReplacementChoice
from jaga.org.models import Opd, User
from jaga.sop.models import SopDefinition
from jaga.sop.schema import (
    CasePrefill,
    FieldType,
    FormField,
    ReplacementMode,
    SopSpec,
    Step,
    StepKind,
)
from jaga.tenancy.models import Agency
from jaga.workflow.actors import lane_holders
from jaga.workflow.models import DISPOSITION_SIFAT, Case, CaseBranch, StepInstance
from jaga.workflow.replacing import (
    REPLACEMENT_FIELDS,
    DevicesChoiceField,
    check_like_device,
    near_case,
    replacement_fields,
)
from jaga.workflow.revisits import earlier_values
from jaga.workflow.services import (
    accept,
    complete_step,
    decide,
    dispute,
    issuing_step,
    return_step,
)

FIELD_PREFIX = "f_"
#: Declared fields pre-filled from the case's first linked device (seed 003 step 9a).
DEVICE_FIELDS = ("nama_barang", "merk_tipe", "no_seri")
ACCEPT = "accept"
RETURN = "return"
ACKNOWLEDGE = "acknowledge"
DISPUTE = "dispute"
#: Joins a return target and the fan-out visit it reopens in a check's choice ("7@12").
VISIT_SEPARATOR = "@"


def field_name(key: str) -> str:
    """The form field of the step's declared field ``key``."""
    return FIELD_PREFIX + key


def person(user: User | None) -> str:
    """How a person is named on the pages: full name, else employee name, else username."""
    if user is None:
        return ""
    employee = getattr(user, "employee", None)
    name = user.get_full_name() or (employee.name if employee is not None else "")
    return f"{name} ({user.username})" if name and name != user.username else user.username


class PersonChoiceField(forms.ModelChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return person(obj)


class PeopleChoiceField(IdsChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return person(obj)


class CommaDecimalField(forms.DecimalField):
    """A decimal number written with ``,`` or ``.`` as the decimal sign (both are usual in
    Indonesia; the SOP format accepts both)."""

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip().replace(",", ".")
        return super().to_python(value)


def form_field(declared: FormField) -> forms.Field:
    """The Django form field for a field the SOP declares on a step."""
    common: dict[str, Any] = {
        "label": declared.label,
        "help_text": declared.help,
        "required": declared.required,
    }
    kind = declared.type
    if kind is FieldType.TEXTAREA:
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), **common)
    if kind is FieldType.INTEGER:
        return forms.IntegerField(**common)
    if kind is FieldType.DECIMAL:
        return CommaDecimalField(widget=forms.TextInput(attrs={"inputmode": "decimal"}), **common)
    if kind is FieldType.DATE:
        return forms.DateField(
            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **common
        )
    if kind is FieldType.CHOICE:
        choices = [("", "—"), *((choice, choice) for choice in declared.choices)]
        return forms.ChoiceField(choices=choices, **common)
    if kind is FieldType.BOOLEAN:
        return forms.BooleanField(**{**common, "required": False})
    return forms.CharField(max_length=1000, **common)


class StepForm(forms.Form):
    """What the actor of one open step enters: the step's declared fields and a note;
    subclasses add what their kind needs and call the engine in ``act``."""

    #: Engine error keys (``InvalidInput.errors``) that are not declared fields, mapped to
    #: this form's fields.
    service_fields: dict[str, str] = {}
    declares_fields = True
    #: The replacement's fields, which the template draws together (``_replacement.html``).
    replacement_names = REPLACEMENT_FIELDS

    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(
        self,
        *args: Any,
        case: Case,
        step: StepInstance,
        spec_step: Step,
        spec: SopSpec,
        on: dt.date,
        kept: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.case, self.step, self.spec_step, self.spec, self.on = case, step, spec_step, spec, on
        self.kept = kept if not self.is_bound else None
        self.add_kind_fields()
        if spec_step.replacement is not None:
            self.add_replacement_fields(spec_step.replacement is ReplacementMode.REQUIRED)
        if self.declares_fields:
            for declared in spec_step.fields:
                self.fields[field_name(declared.key)] = form_field(declared)
            self.prefill_device_fields()
            self.prefill_from_case()
        if "note" in self.fields:
            self.fields["note"] = self.fields.pop("note")  # last
        if not self.is_bound and self.declares_fields:
            self.prefill_earlier_values()
        if self.kept is not None:
            self.keep_values(self.kept)

    def keep_values(self, kept: Mapping[str, Any]) -> None:
        """Show ``kept`` (a submitted form's data, not saved: the form redrawn for another
        site, issue 20 point 4) as the unbound form's values, read as each widget reads
        its data."""
        for name, field in self.fields.items():
            self.initial[name] = field.widget.value_from_datadict(kept, {}, self.add_prefix(name))

    def prefill_earlier_values(self) -> None:
        """A step sent back by a check keeps what was entered at its previous completion
        (issue 13 point 12; ``jaga.workflow.revisits``)."""
        for name, value in earlier_values(self.step, FIELD_PREFIX).items():
            if name == "output" and value == self.spec_step.output:
                continue  # the standard output recorded for an empty report
            if name in self.fields:
                self.initial[name] = value

    def prefill_from_case(self) -> None:
        """Start each declared field marked ``prefill`` with what the case already holds
        (``jaga.sop.schema.CasePrefill``; issue 20 point 1): seed 001 step 2's reporting
        unit and description are the ones the OPD reported, not retyped. An empty value
        leaves the field empty; values entered before a return win
        (``prefill_earlier_values`` runs after)."""
        case = self.case
        for declared in self.spec_step.fields:
            if declared.prefill is None or field_name(declared.key) not in self.fields:
                continue
            value = {
                CasePrefill.OPD: case.opd.name if case.opd_id and case.opd else "",
                CasePrefill.DESCRIPTION: case.description,
                CasePrefill.TITLE: case.title,
                CasePrefill.REPORTER: (
                    (case.reporter.get_full_name() or case.reporter.username)
                    if case.reporter is not None
                    else ""
                ),
            }[declared.prefill]
            if value:
                self.fields[field_name(declared.key)].initial = value

    def add_kind_fields(self) -> None:
        """Add the fields of the step's kind (before the declared fields)."""

    def prefill_device_fields(self) -> None:
        """Pre-fill the item fields of a Berita Acara form (``nama_barang``, ``merk_tipe``,
        ``no_seri``, as seed 003 step 9a names them) from the first device linked to the
        case, so the OPD does not copy them by hand."""
        wanted = {field_name(key) for key in DEVICE_FIELDS} & set(self.fields)
        if not wanted:
            return
        device = self.case.devices.order_by("pk").first()
        if device is None:
            return
        values = {
            "nama_barang": device.name,
            "merk_tipe": " ".join(part for part in (device.vendor, device.model) if part),
            "no_seri": device.serial_number,
        }
        for key, value in values.items():
            if field_name(key) in wanted and value:
                self.fields[field_name(key)].initial = value

    def add_replacement_fields(self, required: bool) -> None:
        """The site, the broken device there, the spare replacing it (of the same kind) and
        what the broken one becomes (``jaga.inventory.replacement``); all three devices'
        fields or none when the step may also repair. A spare of another model asks for a
        confirmation (``jaga.workflow.replacing``, issue 13 point 13); a fan-out visit's
        form starts at the visit's site (issue 20 point 4)."""
        branch = self.step.branch if self.step.branch_id is not None else None
        self.fields.update(
            replacement_fields(
                self.case,
                required,
                self.data if self.is_bound else None,
                kept=self.kept,
                visit_site=branch.site if branch is not None else None,
            )
        )

    def replacement(self) -> ReplacementChoice | None:
        """The replacement chosen, or None (no replacement fields, or left empty)."""
        removed = self.cleaned_data.get("removed")
        installed = self.cleaned_data.get("installed")
        if removed is None or installed is None:
            return None
        status = self.cleaned_data.get("removed_status") or DeviceStatus.IN_REPAIR.value
        return ReplacementChoice(removed, installed, status)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "removed" in self.fields:
            removed, installed = cleaned.get("removed"), cleaned.get("installed")
            if (removed is None) != (installed is None):
                missing = "installed" if installed is None else "removed"
                if missing not in self.errors:
                    self.add_error(
                        missing, _("Choose both devices, or neither when it was repaired.")
                    )
            check_like_device(self, cleaned)
        return cleaned

    def holders(self) -> QuerySet[User]:
        """The people the step may name: holders today of its ``to_lane`` (or, for an
        assignment of several lanes, of any of its ``to_lanes``)."""
        lanes = self.spec_step.target_lanes
        assert lanes  # the validator requires a lane for these kinds
        people = lane_holders(self.case, self.spec.lane(lanes[0]), self.on)
        for key in lanes[1:]:
            people = people | lane_holders(self.case, self.spec.lane(key), self.on)
        return people.distinct().order_by("username").select_related("employee")

    def step_data(self) -> dict[str, Any]:
        """The declared fields that were filled in, by their keys."""
        data: dict[str, Any] = {}
        for declared in self.spec_step.fields:
            value = self.cleaned_data.get(field_name(declared.key))
            if value is None or value == "":
                continue
            data[declared.key] = value
        return data

    def act(self, user: User) -> StepInstance:
        """Complete the step as ``user`` through the engine (raises its errors)."""
        return complete_step(
            self.step,
            user,
            note=self.cleaned_data.get("note", ""),
            data=self.step_data(),
            replacement=self.replacement(),
        )

    def add_service_errors(self, errors: dict[str, str]) -> None:
        """Show the engine's ``InvalidInput.errors`` on the fields they concern."""
        for key, message in errors.items():
            name = self.service_fields.get(key, field_name(key))
            if name not in self.fields and key in ("removed", "installed", "removed_status"):
                name = key  # the replacement's own fields
            self.add_error(name if name in self.fields else None, message)


class WorkForm(StepForm):
    """An activity, a form, an acknowledgment: the declared fields and a note."""


class ReportForm(StepForm):
    """A report up the chain: the declared fields, the report itself (output) and a note."""

    def add_kind_fields(self) -> None:
        self.fields["output"] = forms.CharField(
            label=_("Report"),
            required=False,
            widget=forms.Textarea(attrs={"rows": 3}),
            help_text=_("Left empty, the step's standard output is recorded: %(output)s")
            % {"output": self.spec_step.output or "—"},
        )

    def act(self, user: User) -> StepInstance:
        return complete_step(
            self.step,
            user,
            note=self.cleaned_data.get("note", ""),
            output=self.cleaned_data.get("output", ""),
            data=self.step_data(),
            replacement=self.replacement(),
        )


class DispositionForm(StepForm):
    """A disposition: exactly one recipient of ``to_lane``, the checklist, a note."""

    service_fields = {"named": "recipient", "instructions": "instructions", "sifat": "sifat"}

    def add_kind_fields(self) -> None:
        self.fields["recipient"] = PersonChoiceField(
            queryset=self.holders(), label=_("Forward to"), empty_label="—"
        )
        self.fields["sifat"] = forms.ChoiceField(
            label=_("Nature (sifat)"),
            required=False,
            choices=[("", "—"), *((item, item) for item in DISPOSITION_SIFAT)],
            help_text=_("Printed on the Lembar Disposisi only when chosen."),
        )
        self.fields["instructions"] = forms.MultipleChoiceField(
            label=_("Instructions"),
            required=False,
            choices=[(item, item) for item in self.spec_step.disposition_instructions],
            widget=forms.CheckboxSelectMultiple,
        )

    def act(self, user: User) -> StepInstance:
        return complete_step(
            self.step,
            user,
            note=self.cleaned_data.get("note", ""),
            data=self.step_data(),
            named=[self.cleaned_data["recipient"]],
            instructions=self.cleaned_data.get("instructions", []),
            sifat=self.cleaned_data.get("sifat", ""),
        )


class ForwardForm(StepForm):
    """A forward upward (SOP format 2 ``kind: forward``): optionally one person of
    ``to_lane`` (left empty, every holder of the lane may act on the next step), the
    declared fields and a note that says why."""

    service_fields = {"named": "recipient"}

    def add_kind_fields(self) -> None:
        self.fields["recipient"] = PersonChoiceField(
            queryset=self.holders(),
            label=_("Forward to"),
            empty_label=_("— every holder of the position —"),
            required=False,
        )

    def act(self, user: User) -> StepInstance:
        recipient = self.cleaned_data.get("recipient")
        return complete_step(
            self.step,
            user,
            note=self.cleaned_data.get("note", ""),
            data=self.step_data(),
            named=[recipient] if recipient is not None else [],
        )


class AssignmentForm(StepForm):
    """An assignment: ``min_assignees``..``max_assignees`` people of ``to_lane``."""

    service_fields = {"named": "people"}

    def add_kind_fields(self) -> None:
        self.fields["people"] = PeopleChoiceField(
            queryset=self.holders(),
            label=_("Appoint"),
            widget=forms.CheckboxSelectMultiple,
            help_text=self._how_many(),
        )

    def _how_many(self) -> str:
        low, high = self.spec_step.min_assignees, self.spec_step.max_assignees
        if high is None:
            return str(_("At least %(min)d.") % {"min": low})
        if high == low:
            return str(_("Exactly %(count)d.") % {"count": low})
        return str(_("From %(min)d to %(max)d.") % {"min": low, "max": high})

    def clean_people(self) -> list[User]:
        people = list(self.cleaned_data["people"])
        low, high = self.spec_step.min_assignees, self.spec_step.max_assignees
        if len(people) < low or (high is not None and len(people) > high):
            raise forms.ValidationError(
                _("Appoint the right number of people: %(rule)s") % {"rule": self._how_many()}
            )
        return people

    def act(self, user: User) -> StepInstance:
        return complete_step(
            self.step,
            user,
            note=self.cleaned_data.get("note", ""),
            data=self.step_data(),
            named=self.cleaned_data["people"],
        )


class DecisionForm(StepForm):
    """A decision: one of the labelled branches, and the findings the step declares."""

    service_fields = {"branch": "branch"}

    def add_kind_fields(self) -> None:
        self.fields["branch"] = forms.ChoiceField(
            label=_("Decision"),
            choices=[(branch.key, branch.label) for branch in self.spec_step.branches],
            widget=forms.RadioSelect,
        )

    def act(self, user: User) -> StepInstance:
        return decide(
            self.step,
            user,
            self.cleaned_data["branch"],
            note=self.cleaned_data.get("note", ""),
            data=self.step_data(),
        )


class CheckForm(StepForm):
    """A check: accept (with an optional note), or return to one of ``return_to`` with a
    reason. The two submit buttons carry ``action``."""

    service_fields = {"to": "return_to", "reason": "reason", "branch": "return_to"}
    declares_fields = False  # accept and return record no fields

    action = forms.ChoiceField(
        choices=[(ACCEPT, _("Accept")), (RETURN, _("Return"))], widget=forms.HiddenInput
    )

    def add_kind_fields(self) -> None:
        label = _("Step %(no)s: %(kegiatan)s")
        visit_label = _("%(no)s — %(site)s: %(kegiatan)s")
        choices = []
        for no in self.spec_step.return_to:
            kegiatan = self.spec.step(no).kegiatan
            fan = self.spec.fan_out_of(no) if self.step.branch_id is None else None
            if fan is None:
                choices.append((no, label % {"no": no, "kegiatan": kegiatan}))
                continue
            # A return into a fan-out reopens one site's visit: one choice per visit.
            visits = CaseBranch.objects.filter(case=self.case, key=fan.key).select_related("site")
            for visit in visits.order_by("position", "pk"):
                site = visit.site.name if visit.site is not None else "—"
                choices.append(
                    (
                        f"{no}{VISIT_SEPARATOR}{visit.pk}",
                        visit_label % {"no": no, "site": site, "kegiatan": kegiatan},
                    )
                )
        self.fields["return_to"] = forms.ChoiceField(
            label=_("Return to step"), choices=choices, required=False
        )
        self.fields["reason"] = forms.CharField(
            label=_("Reason for returning"),
            required=False,
            widget=forms.Textarea(attrs={"rows": 2}),
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("action") == RETURN:
            if not cleaned.get("return_to"):
                self.add_error("return_to", _("Choose the step to return to."))
            if not (cleaned.get("reason") or "").strip():
                self.add_error("reason", _("Say why the work goes back."))
        return cleaned

    @property
    def returning(self) -> bool:
        """The person chose to return (the return part of the form is shown open)."""
        return self.is_bound and self.data.get("action") == RETURN

    def act(self, user: User) -> StepInstance:
        if self.cleaned_data["action"] == RETURN:
            to, _sep, visit = self.cleaned_data["return_to"].partition(VISIT_SEPARATOR)
            return return_step(
                self.step,
                user,
                to,
                self.cleaned_data["reason"],
                branch=int(visit) if visit else None,
            )
        return accept(self.step, user, note=self.cleaned_data.get("note", ""))


class AcknowledgmentForm(StepForm):
    """An acknowledgment (issue 15 point 5): acknowledge (the declared fields and a note),
    or, when an earlier step issued the document being acknowledged, dispute it with a
    reason, which sends the case back to that step. The submit buttons carry ``action``
    (a form posted without one acknowledges)."""

    service_fields = {"reason": "reason"}

    action = forms.ChoiceField(
        choices=[(ACKNOWLEDGE, _("Acknowledge")), (DISPUTE, _("Dispute"))],
        widget=forms.HiddenInput,
        required=False,
    )

    def add_kind_fields(self) -> None:
        self.issuer = issuing_step(self.step)
        if self.issuer is not None:
            self.fields["reason"] = forms.CharField(
                label=_("Why the document is not right"),
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    @property
    def may_dispute(self) -> bool:
        """A document was issued for this acknowledgment, so it can be disputed."""
        return self.issuer is not None

    @property
    def disputing(self) -> bool:
        """The person chose to dispute (the dispute part of the form is shown open)."""
        return self.is_bound and self.data.get("action") == DISPUTE

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("action") == DISPUTE:
            if not self.may_dispute:
                self.add_error(None, _("There is no document to dispute."))
            elif not (cleaned.get("reason") or "").strip():
                self.add_error("reason", _("Say what is not right in the document."))
        return cleaned

    def act(self, user: User) -> StepInstance:
        if self.cleaned_data.get("action") == DISPUTE:
            return dispute(self.step, user, self.cleaned_data["reason"])
        return super().act(user)


FORMS: dict[StepKind, type[StepForm]] = {
    StepKind.ACTIVITY: WorkForm,
    StepKind.FORM: WorkForm,
    StepKind.ACKNOWLEDGMENT: AcknowledgmentForm,
    StepKind.REPORT: ReportForm,
    StepKind.DISPOSITION: DispositionForm,
    StepKind.ASSIGNMENT: AssignmentForm,
    StepKind.FORWARD: ForwardForm,
    StepKind.DECISION: DecisionForm,
    StepKind.CHECK: CheckForm,
}


def step_form(
    case: Case,
    step: StepInstance,
    on: dt.date,
    data: Any = None,
    kept: Mapping[str, Any] | None = None,
) -> StepForm:
    """The form for ``step`` (open) of ``case``, bound to ``data`` when given, else unbound
    showing ``kept`` (a submitted form redrawn unsaved) when given; ``on`` is the agency's
    local date (who holds a lane that day)."""
    spec = case.definition.spec
    spec_step = spec.step(step.step_no)
    form_class = FORMS[spec_step.kind]
    return form_class(data, case=case, step=step, spec_step=spec_step, spec=spec, on=on, kept=kept)


def needs_opd(spec: SopSpec) -> bool:
    """The SOP has steps in the reporting OPD's lane outside its fan-outs, so a case must
    name the OPD (inside a fan-out, each visited site's OPD acts)."""
    return bool(spec.reporter_steps_outside_fan_outs())


class SopChoiceField(forms.ModelChoiceField[SopDefinition]):
    def label_from_instance(self, obj: SopDefinition) -> str:
        return f"{obj.name} ({obj.code}, v{obj.version})"


class StartCaseForm(forms.Form):
    """An agency administrator starts a case of a periodic (or hand-started) SOP."""

    definition = SopChoiceField(queryset=SopDefinition.objects.none(), label=_("SOP"))
    opd = forms.ModelChoiceField(
        queryset=Opd.objects.none(),
        label=_("Regional office (OPD)"),
        required=False,
        help_text=_("Required when the SOP has steps for the OPD, such as an acknowledgment."),
    )
    sites = forms.ModelMultipleChoiceField(
        queryset=Site.objects.none(),
        label=_("Sites of the round"),
        required=False,
        help_text=_(
            "For an SOP whose steps run once per site (a maintenance round): each site gets "
            "its own visit."
        ),
    )
    title = forms.CharField(label=_("Title"), max_length=250)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, agency: Agency, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        definitions = self.fields["definition"]
        opds = self.fields["opd"]
        sites = self.fields["sites"]
        assert isinstance(definitions, forms.ModelChoiceField)
        assert isinstance(opds, forms.ModelChoiceField)
        assert isinstance(sites, forms.ModelMultipleChoiceField)
        definitions.queryset = SopDefinition.objects.filter(
            Q(starts_manually=True) | Q(starts_by_schedule=True), agency=agency, is_current=True
        ).order_by("name", "code")
        opds.queryset = Opd.objects.filter(agency=agency, is_active=True).order_by("name")
        sites.queryset = (
            Site.objects.filter(agency=agency, is_store=False)
            .select_related("opd")
            .order_by("name", "pk")
        )
        # The sites of a round are asked for only when some SOP runs steps per site.
        if not any(definition.spec.fan_out for definition in definitions.queryset):
            del self.fields["sites"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        definition = cleaned.get("definition")
        if definition is not None and cleaned.get("opd") is None and needs_opd(definition.spec):
            self.add_error(
                "opd",
                _("This SOP has steps for the OPD (such as an acknowledgment): choose the OPD."),
            )
        if (
            definition is not None
            and definition.spec.fan_out
            and "sites" in self.fields
            and not cleaned.get("sites")
        ):
            self.add_error(
                "sites", _("This SOP runs steps once per site: choose the sites of the round.")
            )
        return cleaned


class AffectedForm(forms.Form):
    """The sites and devices a case is about (``jaga.workflow.affected.set_affected``).
    Sites: the agency's; devices: ``near_case`` ones, where the chosen sites stand for the
    case's linked ones, so that choosing a site offers its devices in the same form before
    anything is saved (issue 20 point 4; ``jaga.workflow.sitedevices`` redraws the device
    choices). ``kept`` is a submitted form's data shown unbound (the form redrawn for other
    sites without JavaScript, or the htmx request's query)."""

    sites = IdsChoiceField[Site](
        label=_("Affected sites"), queryset=Site.objects.none(), required=False
    )
    devices = DevicesChoiceField(
        label=_("Affected devices"), queryset=Device.objects.none(), required=False
    )

    def __init__(
        self, *args: Any, case: Case, kept: Mapping[str, Any] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.case = case
        chosen = self.data if self.is_bound else kept
        agency_sites = Site.objects.filter(agency_id=case.agency_id)
        self.fields["sites"].queryset = agency_sites.order_by("code")  # type: ignore[attr-defined]
        #: Ids given for sites that are not the agency's (or not ids): shown as an error.
        self.refused_sites: list[str] = []
        site_ids: Any = None  # the case's linked sites
        if chosen is not None:
            raw = chosen.getlist("sites") if hasattr(chosen, "getlist") else []
            wanted = {int(v) for v in raw if isinstance(v, str) and v.isdigit() and len(v) < 19}
            site_ids = list(agency_sites.filter(pk__in=wanted).values_list("pk", flat=True))
            known = {str(pk) for pk in site_ids}
            self.refused_sites = [value for value in raw if str(value) not in known]
        self.fields["devices"].queryset = (  # type: ignore[attr-defined]
            Device.objects.filter(agency_id=case.agency_id)
            .filter(near_case(case, site_ids))
            .select_related("site")
            .order_by("site__code", "name", "pk")
        )
        if kept is not None and not self.is_bound:
            self.initial = {
                name: field.widget.value_from_datadict(kept, {}, self.add_prefix(name))
                for name, field in self.fields.items()
            }
        elif not self.is_bound:
            self.initial = {
                "sites": list(case.sites.values_list("pk", flat=True)),
                "devices": list(case.devices.values_list("pk", flat=True)),
            }
