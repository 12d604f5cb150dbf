"""``jaga monitor`` against a small city network in network namespaces (issue 7,
Acceptance): a core router, two distribution switches and five OPD sites
(``tests.monitoring.city``); the monitor processes run in the city's own ``noc`` namespace,
so every probe stays inside the test's namespaces. Under CI=true these tests never skip.

Checks run every 5 s with a 1 s timeout and are down after 2 failures, so a cut must open
its case within 5 x 2 + 5 = 15 s.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from jaga.monitoring.models import CheckState, Outage, OutageKind
from jaga.workflow.models import Case, CaseSource
from tests.monitoring import city as city_network
from tests.monitoring.city import CityNetwork
from tests.monitoring.helpers import wait_for
from tests.monitoring.support import City, monitored_city

city = city_network.city
pytestmark = pytest.mark.django_db(transaction=True)

INTERVAL, RETRIES, RECOVERIES = 5, 2, 2
#: Issue 7: "cut a site's link -> one case within interval x retries + 5 s".
DETECTION_S = INTERVAL * RETRIES + 5


def database_url() -> str:
    """The test database as the monitor process must reach it from another network
    namespace: SQLite by its file, PostgreSQL by its Unix socket."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    with connection.cursor() as cursor:
        cursor.execute("SHOW unix_socket_directories")
        socket_dir = cursor.fetchone()[0].split(",")[0].strip()
    user = quote(db.get("USER") or "postgres")
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{quote(socket_dir, safe='')}/{db['NAME']}"


class Monitor:
    """One ``jaga monitor`` process in the city's noc namespace; output to ``log``."""

    def __init__(self, network: CityNetwork, log: Path) -> None:
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "JAGA_DATA_DIR": str(settings.DATA_DIR),
            "JAGA_TASK_BACKEND": "immediate",
        }
        argv = [sys.executable, "-m", "jaga", "monitor", "--flush", "0.5", "--reload", "2"]
        argv += ["--flap-threshold", "4", "--flap-window", "60"]
        self.log = log
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                network.exec_argv("noc", argv), env=env, stdout=out, stderr=subprocess.STDOUT
            )

    def stop(self, sig: int = signal.SIGTERM) -> int:
        """Send ``sig`` and wait for the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return self.process.wait(timeout=30)

    def output(self) -> str:
        return self.log.read_text(errors="replace")


class Monitors:
    """Start monitors with ``monitors()``; all are killed at the end."""

    def __init__(self, network: CityNetwork, directory: Path) -> None:
        self.network = network
        self.directory = directory
        self.started: list[Monitor] = []

    def __call__(self) -> Monitor:
        monitor = Monitor(self.network, self.directory / f"monitor-{len(self.started)}.log")
        self.started.append(monitor)
        return monitor

    def print_outputs(self) -> None:
        """Print the end of each monitor's output (pytest shows it with a failure)."""
        for monitor in self.started:
            print(f"--- {monitor.log.name} (exit {monitor.process.poll()})")
            print(monitor.output()[-4000:])


@pytest.fixture
def monitors(city: CityNetwork, tmp_path: Path) -> Iterator[Monitors]:
    started = Monitors(city, tmp_path)
    yield started
    for monitor in started.started:
        if monitor.process.poll() is None:
            monitor.stop(signal.SIGKILL)


def statuses() -> dict[str, str]:
    return dict(CheckState.objects.values_list("monitor_check__name", "status"))


def all_up() -> bool:
    found = statuses()
    return len(found) == 8 and set(found.values()) == {"up"}


def open_outages() -> list[str]:
    return list(
        Outage.objects.filter(ended_at__isnull=True).values_list("monitor_check__name", flat=True)
    )


@pytest.fixture
def town(city: CityNetwork) -> City:
    return monitored_city(
        interval_s=INTERVAL, timeout_s=1.0, retries=RETRIES, recoveries=RECOVERIES
    )


def test_outages_open_one_case_each_record_recovery_and_survive_restarts(
    city: CityNetwork, town: City, monitors: Monitors
) -> None:
    try:
        walk_outages(city, town, monitors)
    except BaseException:
        monitors.print_outputs()
        print("states:", statuses(), "outages:", list(Outage.objects.values()))
        raise


def walk_outages(city: CityNetwork, town: City, monitors: Monitors) -> None:
    """The city's outages one after another (the test above)."""
    first, second = monitors(), monitors()  # two monitor processes on the same checks
    wait_for("every check up", all_up, INTERVAL * 3)

    # A site's link: one case, from either process, within interval x retries + 5 s.
    cut_at = time.time()
    city.cut("dist1", "site3")
    took = wait_for("the site3 outage", lambda: open_outages() == ["Ping site3"], DETECTION_S)
    print(f"site3 cut -> case in {took:.1f} s (limit {DETECTION_S} s)")
    outage = Outage.objects.get()
    assert outage.confirmed_at.timestamp() - cut_at <= DETECTION_S
    case = Case.objects.get()
    assert (case.source, case.opd, outage.case) == (CaseSource.MONITOR, town.opds["site3"], case)
    assert set(case.devices.all()) == {town.devices["site3"]}
    time.sleep(INTERVAL)  # both processes saw it: still one outage, one case
    assert Outage.objects.count() == 1
    assert Case.objects.count() == 1

    # Restore: the recovery is recorded on the case, which stays open for people to close.
    city.restore("dist1", "site3")
    wait_for("the site3 recovery", lambda: not open_outages(), INTERVAL * (RECOVERIES + 1) + 5)
    case.refresh_from_db()
    assert case.status == "open"
    assert case.data["monitor"]["recovered_at"]

    # A distribution link: one case for dist1; its sites unreachable without cases.
    city.cut("core", "dist1")
    wait_for("the dist1 outage", lambda: "Ping dist1" in open_outages(), DETECTION_S)
    wait_for(
        "sites 1-3 unreachable",
        lambda: all(statuses()[f"Ping site{n}"] == "unreachable" for n in (1, 2, 3)),
        INTERVAL * 2 + 5,
    )
    assert open_outages() == ["Ping dist1"]
    dist_case = Case.objects.exclude(pk=case.pk).get()
    assert town.devices["site1"] in dist_case.devices.all()

    # Kill both monitors mid-outage and start a fresh one: no duplicate case.
    assert first.stop(signal.SIGKILL) == -signal.SIGKILL
    assert second.stop(signal.SIGKILL) == -signal.SIGKILL
    third = monitors()
    time.sleep(INTERVAL * RETRIES)
    assert open_outages() == ["Ping dist1"]
    assert Case.objects.count() == 2
    city.restore("core", "dist1")
    wait_for("the dist1 recovery", lambda: not open_outages(), INTERVAL * (RECOVERIES + 1) + 5)
    wait_for("every check up again", all_up, INTERVAL * 3)
    assert Case.objects.count() == 2
    assert Outage.objects.count() == 2

    # A flapping link: cut until the monitor has seen it fail, restored until it has seen
    # it answer, again and again (in step with the monitor's runs, whatever their phase).
    site4 = CheckState.objects.filter(monitor_check=town.checks["site4"])
    flapping_seen = False
    for _ in range(8):
        city.cut("dist2", "site4")
        wait_for("site4 failing", lambda: site4.get().last_ok is False, INTERVAL * 2 + 2)
        city.restore("dist2", "site4")
        wait_for("site4 answering", lambda: site4.get().last_ok is True, INTERVAL * 2 + 2)
        if flapping_seen:
            break  # one more round while flapping: still one case
        flapping_seen = site4.get().flapping
    assert flapping_seen
    flaps = list(Outage.objects.filter(monitor_check=town.checks["site4"]))
    assert len(flaps) == 1, flaps
    assert flaps[0].kind in (OutageKind.FLAPPING, OutageKind.DOWN)
    assert Case.objects.count() == 3
    assert third.stop() == 0, third.output()[-2000:]
    mails = list((Path(settings.DATA_DIR) / "mail").glob("*.log"))
    assert mails, "outage e-mail went through the task queue to the file backend"
