"""Cases (running SOP instances) and their step instances.

Case and step state are relational columns (architecture.md): a case is open until its last
step completes; each step instance records its lane, when it started, when it is due (from
the agency's calendar and the step's Mutu Baku), when it was completed, who acted and on
whose behalf, the data entered, and the outcome (branch taken, accepted, returned).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from jaga.org.models import Opd, Position
from jaga.sop.models import SopDefinition
from jaga.tenancy.models import Agency, AgencyScoped

#: The Sifat a Lembar Disposisi may tick (official Indonesian, never translated); the
#: disposition form asks for one, optionally (issue 13 point 12).
DISPOSITION_SIFAT = ("Sangat Segera", "Segera", "Rahasia", "Biasa")


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


class CaseSource(models.TextChoices):
    REPORT = "report", _("Report from an OPD")
    SCHEDULE = "schedule", _("Schedule")
    MANUAL = "manual", _("Started by hand")
    MONITOR = "monitor", _("Network monitor")

    @property
    def is_report(self) -> bool:
        """A report of a disruption: by an OPD, or by the monitor on the OPD's behalf."""
        return self in (CaseSource.REPORT, CaseSource.MONITOR)


class IntakeChannel(models.TextChoices):
    """How the request that started a case reached the agency (issue 17 point 2): through
    Jaga by the requester, or recorded by help-desk staff from a call, a WhatsApp message,
    a letter, an e-mail or a visit to the desk."""

    WEB = "web", _("Jaga (by the requester)")
    PHONE = "phone", _("Phone")
    WHATSAPP = "whatsapp", _("WhatsApp")
    LETTER = "letter", _("Letter")
    EMAIL = "email", _("E-mail")
    WALK_IN = "walk_in", _("At the desk")

    @property
    def by_staff(self) -> bool:
        """Recorded by help-desk staff on the requester's behalf."""
        return self is not IntakeChannel.WEB


class Case(AgencyScoped):
    """One running instance of an SOP version (``definition`` is pinned at start).

    ``number`` counts the agency's cases from 1 (issue 13 point 12: Pontianak's first case
    is #1 whatever other agencies did); it is what pages, documents and e-mails show, while
    URLs keep the primary key. ``save`` draws it from the agency's ``CaseCounter`` when it
    is empty."""

    number = models.PositiveIntegerField(_("number"), editable=False)

    definition = models.ForeignKey(
        SopDefinition, on_delete=models.PROTECT, related_name="cases", verbose_name=_("SOP")
    )
    title = models.CharField(_("title"), max_length=250)
    description = models.TextField(_("description"), blank=True)
    source = models.CharField(_("started by"), max_length=10, choices=CaseSource.choices)
    opd = models.ForeignKey(
        Opd,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("regional office (OPD)"),
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reported_cases",
        verbose_name=_("reporter"),
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="started_cases",
        verbose_name=_("started by user"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=CaseStatus.choices, default=CaseStatus.OPEN
    )
    started_at = models.DateTimeField(_("started"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # The whole procedure's deadline (SOP ``deadline``, format 2), UTC; None without one.
    due_at = models.DateTimeField(_("SOP deadline"), null=True, blank=True)
    channel = models.CharField(
        _("received through"),
        max_length=10,
        choices=IntakeChannel.choices,
        default=IntakeChannel.WEB,
    )
    data = models.JSONField(_("report data"), default=dict, blank=True)
    # What the case is about (issue 6): chosen when reporting, by the technician, or by the
    # monitor; jaga.workflow.affected.set_affected writes them.
    sites = models.ManyToManyField(
        "inventory.Site", blank=True, related_name="cases", verbose_name=_("affected sites")
    )
    devices = models.ManyToManyField(
        "inventory.Device", blank=True, related_name="cases", verbose_name=_("affected devices")
    )

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering: ClassVar = ["-started_at"]
        indexes: ClassVar = [
            models.Index(fields=["agency", "status", "-started_at"]),
            # The case list's order (newest first) without a sort of the whole agency.
            models.Index(fields=["agency", "-started_at", "-id"], name="case_agency_newest"),
        ]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["agency", "number"], name="case_number_per_agency")
        ]
        permissions: ClassVar = [
            (
                "record_request",
                _("Can record requests received by phone, WhatsApp, letter or at the desk"),
            )
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.title}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Save, first drawing the agency's next ``number`` for a new case (in the caller's
        transaction, see ``next_case_number``)."""
        if self.number is None:
            with transaction.atomic():
                self.number = next_case_number(self.agency_id)
                super().save(*args, **kwargs)
            return
        super().save(*args, **kwargs)


class CaseCounter(models.Model):
    """The last case number an agency handed out (``Case.number``); one row per agency."""

    agency = models.OneToOneField(
        Agency,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
        verbose_name=_("agency"),
    )
    last = models.PositiveIntegerField(_("last case number"), default=0)

    class Meta:
        verbose_name = _("case counter")
        verbose_name_plural = _("case counters")

    def __str__(self) -> str:
        return f"{self.agency_id}: {self.last}"


def reserve_case_numbers(agency_id: int, count: int) -> int:
    """Reserve ``count`` consecutive case numbers of agency ``agency_id`` for rows written
    without ``save`` (``bulk_create`` in a benchmark); returns the first. Same locking as
    ``next_case_number``; call it in the transaction that writes the cases."""
    last = next_case_number(agency_id) + count - 1
    CaseCounter.objects.filter(agency_id=agency_id).update(last=last)
    return last - count + 1


def next_case_number(agency_id: int) -> int:
    """The next case number of agency ``agency_id``, counted up in its ``CaseCounter`` row.

    Call it inside a transaction: the counter's UPDATE holds the row's lock until the
    transaction ends, so on PostgreSQL a concurrent start waits and then counts on from the
    committed value, and SQLite serialises writers anyway; a rolled-back start gives its
    number back. The first case of an agency creates the row; two first cases at once meet
    the row's primary key, and the loser counts on from the winner's row."""
    bumped = CaseCounter.objects.filter(agency_id=agency_id).update(last=F("last") + 1)
    if not bumped:
        try:
            with transaction.atomic():
                CaseCounter.objects.create(agency_id=agency_id, last=1)
                return 1
        except IntegrityError:
            CaseCounter.objects.filter(agency_id=agency_id).update(last=F("last") + 1)
    return CaseCounter.objects.filter(agency_id=agency_id).values_list("last", flat=True).get()


class BranchStatus(models.TextChoices):
    OPEN = "open", _("In progress")
    DONE = "done", _("Done")


class CaseBranch(AgencyScoped):
    """One visit of a fan-out (SOP ``fan_out``): the block's steps run for one ``site`` of
    the case, in parallel with the other sites' visits (issue 14: one maintenance round,
    many sites). ``key`` is the fan-out's key; ``position`` orders the visits (by site
    name) from 0. A branch is open while its steps run and done when it reached the join;
    a check after the join may reopen it (``return_step(..., branch=)``)."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="branches", verbose_name=_("case")
    )
    key = models.CharField(_("fan-out"), max_length=60)
    site = models.ForeignKey(
        "inventory.Site",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="case_branches",
        verbose_name=_("site"),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=BranchStatus.choices, default=BranchStatus.OPEN
    )
    opened_at = models.DateTimeField(_("opened"))
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)

    class Meta:
        verbose_name = _("site visit")
        verbose_name_plural = _("site visits")
        ordering: ClassVar = ["case", "key", "position", "pk"]
        indexes: ClassVar = [models.Index(fields=["case", "key", "status"])]

    def __str__(self) -> str:
        return f"{self.case_id}/{self.key}#{self.position}"


class StepStatus(models.TextChoices):
    OPEN = "open", _("Waiting")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class ActingAs(models.TextChoices):
    """On what ground the actor acted."""

    HOLDER = "holder", _("Position holder")
    PLT = "plt", _("Plt (Pelaksana Tugas)")
    PLH = "plh", _("Plh (Pelaksana Harian)")
    NAMED = "named", _("Named by a disposition or assignment")
    REPORTER = "reporter", _("Reporting OPD")
    ADMIN = "admin", _("Agency administrator on behalf")
    HELPDESK = "helpdesk", _("Help desk for the requester")


class StepInstance(AgencyScoped):
    """One visit of a case to one step of its SOP. A step returned to is visited again
    (``visit`` 2, 3…, counted per ``branch``). ``branch`` is the fan-out visit the step runs
    in (None: the case's trunk). Times are UTC; ``due_at`` is empty for "kondisional";
    ``earliest_at`` is the minimum of a bounded waktu ("1-3 hari")."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="steps", verbose_name=_("case")
    )
    # The fan-out visit the step runs in; None on the case's trunk.
    branch = models.ForeignKey(
        CaseBranch,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="steps",
        verbose_name=_("site visit"),
    )
    step_no = models.CharField(_("step"), max_length=6)
    lane = models.CharField(_("lane"), max_length=60)
    kind = models.CharField(_("kind"), max_length=20)
    visit = models.PositiveSmallIntegerField(_("visit"), default=1)
    status = models.CharField(
        _("status"), max_length=10, choices=StepStatus.choices, default=StepStatus.OPEN
    )
    started_at = models.DateTimeField(_("started"))
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    # The lower bound of a bounded waktu ("1-3 hari", "min. 1 hari"; format 2): done before
    # it is recorded as early, never refused. None without one.
    earliest_at = models.DateTimeField(_("earliest"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acted by"),
    )
    acting_as = models.CharField(
        _("acting as"), max_length=10, choices=ActingAs.choices, blank=True
    )
    on_behalf_of = models.ForeignKey(
        Position,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("on behalf of position"),
    )
    # Who the step waits for, fixed when it opens and cleared when it completes (the inbox
    # query; jaga.workflow.actors decides eligibility): the people named for its lane, else
    # the positions of its lanes; ``for_reporter`` when the reporting OPD's users may act.
    assignees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("named people")
    )
    positions = models.ManyToManyField(
        Position, blank=True, related_name="+", verbose_name=_("positions")
    )
    for_reporter = models.BooleanField(_("for the reporting OPD"), default=False)
    outcome = models.CharField(_("outcome"), max_length=60, blank=True)
    next_step_no = models.CharField(_("next step"), max_length=6, blank=True)
    note = models.TextField(_("note"), blank=True)
    output = models.TextField(_("output"), blank=True)
    data = models.JSONField(_("data entered"), default=dict, blank=True)

    class Meta:
        verbose_name = _("step")
        verbose_name_plural = _("steps")
        ordering: ClassVar = ["case", "started_at", "pk"]
        indexes: ClassVar = [
            models.Index(fields=["agency", "status", "lane", "due_at"]),
            models.Index(fields=["case", "status"]),
            # The inbox ("Tugas Saya", jaga.workflow.permissions.inbox) and its badge: the
            # agency's open steps in due order, with the id its "waits for" lookups check
            # and what an OPD user's parts test (for_reporter, branch, case), so a page
            # stops after its rows and the COUNT reads this small index only (a few
            # percent of the steps are open), not the steps scattered over the table.
            models.Index(
                fields=["agency", "due_at", "started_at", "id"],
                include=["for_reporter", "branch", "case"],
                condition=models.Q(status="open"),
                name="step_open_by_due",
            ),
            # An OPD user's inbox: the open steps its OPD acts on.
            models.Index(
                fields=["case", "branch", "id"],
                condition=models.Q(status="open", for_reporter=True),
                name="step_open_for_reporter",
            ),
        ]
        # One open step on the trunk and one in each fan-out visit. Two conditional
        # constraints: PostgreSQL treats NULLs as distinct, so (case, branch) alone would
        # let the trunk hold two open steps.
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(status="open", branch__isnull=True),
                name="one_open_step_per_case",
            ),
            models.UniqueConstraint(
                fields=["branch"],
                condition=models.Q(status="open", branch__isnull=False),
                name="one_open_step_per_branch",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}/{self.step_no}#{self.visit}"

    @property
    def is_late(self) -> bool:
        """Completed after its due time, or still open past it (compared with now)."""
        from django.utils import timezone

        if self.due_at is None:
            return False
        return (self.completed_at or timezone.now()) > self.due_at

    @property
    def is_early(self) -> bool:
        """Completed before the minimum of its bounded waktu (``earliest_at``)."""
        return (
            self.earliest_at is not None
            and self.completed_at is not None
            and self.completed_at < self.earliest_at
        )


class LaneAssignee(AgencyScoped):
    """A person a disposition or an assignment named for a lane of a case: the case's
    later steps in that lane go to these people rather than to every holder."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="assignees", verbose_name=_("case")
    )
    lane = models.CharField(_("lane"), max_length=60)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("person"),
    )
    named_by = models.ForeignKey(
        StepInstance,
        on_delete=models.CASCADE,
        related_name="named",
        verbose_name=_("named in step"),
    )

    class Meta:
        verbose_name = _("named person")
        verbose_name_plural = _("named people")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["case", "lane", "user", "named_by"], name="lane_assignee_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.lane}: {self.user}"
