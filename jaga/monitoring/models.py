"""What the network monitor keeps (docs/monitoring.md).

``Check``: one periodic check of an inventory device or link (ICMP, TCP, HTTP(S), DNS or
SNMP), with its interval, timeout, and the failures (``retries``) and successes
(``recoveries``) that confirm a change of state. ``CheckState``: the restart-safe state of a
check (one row per check, written by the monitor). ``Outage``: one confirmed outage (or a
flapping spell) of a check, with the case it opened; the database allows one open outage per
check, which is how several monitor processes and restarts open a single case.
``MaintenanceWindow``: planned work on a site or device; results inside it count neither for
nor against availability and open no case. ``Agent``: a remote ``jaga agent`` and the hash of
its token; ``AppliedBatch``: the result batches an agent already delivered.
``MonitorHeartbeat``: a ``jaga monitor`` process's last sign of life and ICMP figures.
``ResultMinute``/``ResultHour``/``ResultDay``: the results of each check rolled up.

``CheckState`` and the rollups are high-volume child rows of ``Check`` and are scoped to the
agency through it (they carry no ``agency`` column of their own).
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jaga.inventory.models import Device, Link, Site
from jaga.tenancy.models import AgencyScoped

#: The shortest interval a check may have, in seconds (issue 7: "down to 5 s").
MIN_INTERVAL_S = 5
#: The longest interval, in seconds (one day).
MAX_INTERVAL_S = 86_400


class CheckKind(models.TextChoices):
    ICMP = "icmp", _("ICMP ping")
    TCP = "tcp", _("TCP connect")
    HTTP = "http", _("HTTP(S)")
    DNS = "dns", _("DNS")
    SNMP = "snmp", _("SNMP")


class CheckStatus(models.TextChoices):
    """A check's confirmed state (``jaga.monitoring.state``)."""

    UNKNOWN = "unknown", _("Unknown")
    UP = "up", _("Up")
    DOWN = "down", _("Down")
    UNREACHABLE = "unreachable", _("Unreachable")


class Agent(AgencyScoped):
    """A remote ``jaga agent``: it runs the checks assigned to it and pushes their results,
    authenticated by a token of which only the SHA-256 is stored."""

    name = models.CharField(_("name"), max_length=100)
    token_sha256 = models.CharField(max_length=64, unique=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)

    class Meta:
        verbose_name = _("monitoring agent")
        verbose_name_plural = _("monitoring agents")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["agency", "name"], name="agent_name_per_agency")
        ]

    def __str__(self) -> str:
        return self.name


class AppliedBatch(models.Model):
    """A batch of results that an agent sent and the server applied, kept so that the same
    batch sent again (its answer was lost, the agent retried) is answered "already
    applied" instead of counted twice (issue 13 point 8). ``batch_id`` is the agent's id of
    the batch (``jaga.monitoring.spool``; 1 to ``BATCH_ID_LENGTH`` characters),
    ``applied_at`` when it was applied (UTC), ``results`` how many results it held. Rows
    older than ``api.BATCH_RETENTION_S`` are pruned as the agent sends more. A child row of
    ``Agent``, scoped to the agency through it."""

    BATCH_ID_LENGTH = 100

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="applied_batches")
    batch_id = models.CharField(max_length=BATCH_ID_LENGTH)
    applied_at = models.DateTimeField()
    results = models.PositiveIntegerField()

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["agent", "batch_id"], name="applied_batch_once")
        ]
        indexes: ClassVar = [
            models.Index(fields=["agent", "applied_at"], name="applied_batch_agent_age")
        ]

    def __str__(self) -> str:
        return self.batch_id


class MonitorHeartbeat(models.Model):
    """The newest figures of one ``jaga monitor`` (issue 19), written by it every
    ``heartbeat.HEARTBEAT_S`` seconds and when it stops: ``name`` its host (and the agencies
    it is limited to), ``agency_ids`` the ids of those agencies (empty: every agency);
    ``started_at``/``seen_at`` when it started and last wrote (UTC); ``checks`` how many it
    runs; the ``icmp_*`` totals of its ICMP engine since it started (``EngineCounters``):
    requests sent, replies, timeouts, and replies or ICMP errors the kernel dropped unread
    for a full receive buffer (each one an answered probe reported lost);
    ``missed_intervals`` the scheduler's since it started (runs that started more than one
    interval late); ``probe_cpu_s`` and ``bookkeeping_cpu_s`` the CPU seconds (user + system)
    of its probing and its bookkeeping process since they started. A process-wide row, not an
    agency's: a monitor may serve several."""

    name = models.CharField(_("monitor"), max_length=200, unique=True)
    agency_ids = models.JSONField(default=list, blank=True)
    started_at = models.DateTimeField(_("started"))
    seen_at = models.DateTimeField(_("last seen"))
    checks = models.PositiveIntegerField(_("checks"), default=0)
    icmp_sent = models.PositiveBigIntegerField(_("ICMP requests sent"), default=0)
    icmp_replies = models.PositiveBigIntegerField(_("ICMP replies"), default=0)
    icmp_timeouts = models.PositiveBigIntegerField(_("ICMP timeouts"), default=0)
    icmp_dropped = models.PositiveBigIntegerField(_("ICMP replies dropped"), default=0)
    missed_intervals = models.PositiveBigIntegerField(_("missed intervals"), default=0)
    probe_cpu_s = models.FloatField(_("probing CPU (s)"), default=0.0)
    bookkeeping_cpu_s = models.FloatField(_("bookkeeping CPU (s)"), default=0.0)

    class Meta:
        verbose_name = _("monitor heartbeat")
        verbose_name_plural = _("monitor heartbeats")

    def __str__(self) -> str:
        return self.name

    @property
    def probe_cpu_per_1000(self) -> float | None:
        """Probing CPU seconds per 1,000 ICMP requests sent (None before the first)."""
        return self.probe_cpu_s / self.icmp_sent * 1000 if self.icmp_sent else None

    @property
    def bookkeeping_cpu_per_1000(self) -> float | None:
        """Bookkeeping CPU seconds per 1,000 ICMP requests sent (None before the first)."""
        return self.bookkeeping_cpu_s / self.icmp_sent * 1000 if self.icmp_sent else None


class Check(AgencyScoped):
    """One periodic check of a device (``device``) or a link (``link``), exactly one of them.

    ``target`` is the host name or IP address to probe; empty means the device's first
    management address (for a link: its near-end device's). ``port`` is for TCP, DNS (53)
    and SNMP (161). ``params`` holds the kind's options: HTTP ``url``, ``expect_status``
    (list of ints), ``keyword``, ``cert_min_days``; DNS ``name``, ``rdtype``, ``expect``;
    SNMP ``version`` ("2c"/"3"), ``community``, ``user``, ``auth_key``, ``auth_protocol``,
    ``priv_key``, ``priv_protocol``, ``interfaces`` (list of ifIndex).
    ``interval_s`` (seconds, 5..86400) between runs; ``timeout_s`` (seconds, at most the
    interval) for one run. ``retries``: consecutive failed runs that confirm the check down
    (Nagios' max check attempts); ``recoveries``: consecutive successful runs that confirm it
    up again. ``agent`` empty means the server's own ``jaga monitor`` runs it.
    """

    name = models.CharField(_("name"), max_length=150)
    kind = models.CharField(_("kind"), max_length=10, choices=CheckKind.choices)
    device = models.ForeignKey(
        Device,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="checks",
        verbose_name=_("device"),
    )
    link = models.ForeignKey(
        Link,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="checks",
        verbose_name=_("link"),
    )
    target = models.CharField(
        _("target"),
        max_length=255,
        blank=True,
        help_text=_("Host name or IP address; empty uses the device's management address."),
    )
    port = models.PositiveIntegerField(
        _("port"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(65535)],
    )
    params = models.JSONField(_("options"), default=dict, blank=True)
    interval_s = models.PositiveIntegerField(
        _("interval (seconds)"),
        default=60,
        validators=[MinValueValidator(MIN_INTERVAL_S), MaxValueValidator(MAX_INTERVAL_S)],
    )
    timeout_s = models.FloatField(
        _("timeout (seconds)"), default=2.0, validators=[MinValueValidator(0.1)]
    )
    retries = models.PositiveSmallIntegerField(
        _("failures before down"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("Consecutive failed runs that confirm an outage."),
    )
    recoveries = models.PositiveSmallIntegerField(
        _("successes before up"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("Consecutive successful runs that confirm a recovery."),
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    agent = models.ForeignKey(
        Agent,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="checks",
        verbose_name=_("agent"),
        help_text=_("Empty: the server's own monitor runs the check."),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("check")
        verbose_name_plural = _("checks")
        ordering: ClassVar = ["name", "pk"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=(
                    models.Q(device__isnull=False, link__isnull=True)
                    | models.Q(device__isnull=True, link__isnull=False)
                ),
                name="check_device_xor_link",
            ),
            models.CheckConstraint(
                condition=models.Q(interval_s__gte=MIN_INTERVAL_S),
                name="check_interval_at_least_5s",
            ),
            models.CheckConstraint(
                condition=models.Q(timeout_s__gt=0, timeout_s__lte=models.F("interval_s")),
                name="check_timeout_within_interval",
            ),
            models.CheckConstraint(
                condition=models.Q(retries__gte=1, recoveries__gte=1),
                name="check_thresholds_positive",
            ),
        ]
        indexes: ClassVar = [models.Index(fields=["agency", "enabled", "agent"])]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """Field errors for a form: exactly one of device and link, a timeout within the
        interval, the kind's required options (HTTP url, DNS name, TCP port)."""
        errors: dict[str, str] = {}
        if (self.device_id is None) == (self.link_id is None):
            errors["device"] = str(_("Choose a device or a link, not both."))
        if self.timeout_s and self.interval_s and self.timeout_s > self.interval_s:
            errors["timeout_s"] = str(_("The timeout must not exceed the interval."))
        params = self.params if isinstance(self.params, dict) else {}
        if self.kind == CheckKind.HTTP and not str(params.get("url", "")).startswith(
            ("http://", "https://")
        ):
            errors["params"] = str(_('An HTTP check needs a "url" starting with http(s)://.'))
        if self.kind == CheckKind.DNS and not params.get("name"):
            errors["params"] = str(_('A DNS check needs the "name" to resolve.'))
        if self.kind == CheckKind.TCP and not self.port:
            errors["port"] = str(_("A TCP check needs a port."))
        if errors:
            raise ValidationError(errors)

    @property
    def subject_device(self) -> Device | None:
        """The device whose outage this check reports: the device, or a link's near end."""
        if self.device_id is not None:
            return self.device
        return self.link.a_device if self.link_id is not None and self.link else None


class CheckState(models.Model):
    """The restart-safe state of one check, written by the monitor (``jaga.monitoring.state``).

    ``fails``/``oks``: the current run of consecutive failures/successes; ``failing_since``
    and ``passing_since`` the time of its first run; ``changed_at`` when
    ``status`` last changed; ``flips``: UNIX times (seconds) of the result changes within the
    flapping window; ``last_*``: the newest result (``last_rtt_ms`` in milliseconds).
    """

    monitor_check = models.OneToOneField(
        Check, on_delete=models.CASCADE, primary_key=True, related_name="state"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=CheckStatus.choices, default=CheckStatus.UNKNOWN
    )
    flapping = models.BooleanField(_("flapping"), default=False)
    fails = models.PositiveIntegerField(default=0)
    oks = models.PositiveIntegerField(default=0)
    failing_since = models.DateTimeField(null=True, blank=True)
    passing_since = models.DateTimeField(null=True, blank=True)
    changed_at = models.DateTimeField(_("since"), null=True, blank=True)
    flips = models.JSONField(default=list, blank=True)
    last_at = models.DateTimeField(_("last run"), null=True, blank=True)
    last_ok = models.BooleanField(null=True, blank=True)
    last_rtt_ms = models.FloatField(_("last response time (ms)"), null=True, blank=True)
    last_reason = models.CharField(_("last failure"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("check state")
        verbose_name_plural = _("check states")

    def __str__(self) -> str:
        return f"{self.monitor_check_id}: {self.status}"


class OutageKind(models.TextChoices):
    DOWN = "down", _("Down")
    FLAPPING = "flapping", _("Flapping")


class Outage(AgencyScoped):
    """One confirmed outage of a check, from ``started_at`` (its first failed run) to
    ``ended_at`` (confirmed recovery; empty while it lasts). ``confirmed_at`` is when the
    monitor confirmed it and opened (or joined) ``case``. At most one open outage per check
    (a partial unique index): the row is the lock that makes one case per outage across
    restarts and monitor processes."""

    monitor_check = models.ForeignKey(
        Check, on_delete=models.CASCADE, related_name="outages", verbose_name=_("check")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=OutageKind.choices)
    started_at = models.DateTimeField(_("started"))
    confirmed_at = models.DateTimeField(_("confirmed"))
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    case = models.ForeignKey(
        "workflow.Case",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="outages",
        verbose_name=_("case"),
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("outage")
        verbose_name_plural = _("outages")
        ordering: ClassVar = ["-started_at"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["monitor_check"],
                condition=models.Q(ended_at__isnull=True),
                name="one_open_outage_per_check",
            )
        ]

    def __str__(self) -> str:
        return f"{self.monitor_check} {self.started_at:%Y-%m-%d %H:%M}"


class MaintenanceWindow(AgencyScoped):
    """Planned work on a ``site`` (all its devices) or a ``device``, from ``starts_at`` to
    ``ends_at`` (UTC): its checks open no case and its results count neither for nor against
    availability."""

    site = models.ForeignKey(
        Site,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="maintenance_windows",
        verbose_name=_("site"),
    )
    device = models.ForeignKey(
        Device,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="maintenance_windows",
        verbose_name=_("device"),
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    reason = models.CharField(_("reason"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("maintenance window")
        verbose_name_plural = _("maintenance windows")
        ordering: ClassVar = ["-starts_at"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="maintenance_ends_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(site__isnull=False) | models.Q(device__isnull=False),
                name="maintenance_has_subject",
            ),
        ]
        indexes: ClassVar = [models.Index(fields=["agency", "ends_at"])]

    def __str__(self) -> str:
        return self.reason

    def clean(self) -> None:
        """Field errors: an end after the start, and a site or a device."""
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("The window must end after it starts.")})
        if self.site_id is None and self.device_id is None:
            raise ValidationError({"site": _("Choose a site or a device.")})


class Rollup(models.Model):
    """Abstract: the results of one check in one period starting at ``start`` (UTC).

    Runs are counted by the class the monitor gave them: ``n_up`` (succeeded), ``n_down``
    (failed while the check's parents answered), ``n_unreachable`` (failed while a parent
    was failing), ``n_maintenance`` (inside a maintenance window). Round-trip times in
    milliseconds: ``rtt_sum_ms``/``rtt_count`` give the mean, with the extremes.
    """

    monitor_check = models.ForeignKey(Check, on_delete=models.CASCADE, related_name="+")
    start = models.DateTimeField()
    n_up = models.PositiveIntegerField(default=0)
    n_down = models.PositiveIntegerField(default=0)
    n_unreachable = models.PositiveIntegerField(default=0)
    n_maintenance = models.PositiveIntegerField(default=0)
    rtt_sum_ms = models.FloatField(default=0.0)
    rtt_count = models.PositiveIntegerField(default=0)
    rtt_min_ms = models.FloatField(null=True, blank=True)
    rtt_max_ms = models.FloatField(null=True, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.monitor_check_id} {self.start:%Y-%m-%d %H:%M}"


class ResultMinute(Rollup):
    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["monitor_check", "start"], name="result_minute_unique")
        ]
        indexes: ClassVar = [models.Index(fields=["start"], name="result_minute_start")]


class ResultHour(Rollup):
    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["monitor_check", "start"], name="result_hour_unique")
        ]
        indexes: ClassVar = [models.Index(fields=["start"], name="result_hour_start")]


class ResultDay(Rollup):
    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["monitor_check", "start"], name="result_day_unique")
        ]
