"""Shared fixtures: agencies with an admin, an employee and an OPD user each."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import translation

from jaga.org.models import Employee, Opd, OrgUnit, Position, User
from jaga.tenancy.models import Agency
from jaga.tenancy.services import install_default_working_hours

PASSWORD = "rahasia-sekali-123"


def pytest_configure(config: pytest.Config) -> None:
    """Tests render pages without running collectstatic first (plain static storage) and
    hash passwords fast."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.postgresql":
        # A throw-away test database needs no commit to wait for its WAL to reach the disk
        # (1.5-3 ms a commit here; migrations, flushes and live-server requests commit).
        # Visibility and locking are unchanged: only durability across a crash is given up.
        options = database.setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c synchronous_commit=off".strip()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """In the PostgreSQL run (``DATABASE_URL`` set) skip the tests marked ``browser``: they
    drive views that the rest of the suite requests through Django's test client on both
    databases, and the SQLite run of ``make test`` has them. Running them twice cost about
    300 s of CPU on the two cores both runs share (``make test`` runs them at once)."""
    if not os.environ.get("DATABASE_URL"):
        return
    skip = pytest.mark.skip(
        reason="drives views the PostgreSQL run tests through Django's client: the SQLite "
        "run of make test has it"
    )
    for item in items:
        if item.get_closest_marker("browser") is not None:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _english_messages() -> Iterator[None]:
    """Direct calls see English messages (requests still negotiate their own language)."""
    with translation.override("en"):
        yield


@pytest.fixture(scope="module")
def demo_data(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    """``jaga demo`` loaded once for a test module, its files under a media directory of
    the module's own.

    The module's tests each run in a savepoint of the transaction that holds the demo
    (pytest-django's ``db`` fixture nests in it), so each sees the demo as loaded and what
    it changes is rolled back; the demo itself is rolled back when the module ends. For
    tests on ``db`` only: a ``transactional_db`` test flushes the tables and must load its
    own demo. Loading it per test cost about 2 s each, a third of the suite.
    """
    media = tmp_path_factory.mktemp("demo-media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media), transaction.atomic():
        call_command("demo", "--quiet")
        yield
        transaction.set_rollback(True)


#: Variables a test's own ``jaga`` processes must not inherit: they run on a SQLite database
#: of their own (``migrated_sqlite``), with the default settings and task backend.
OWN_PROCESS_UNSET = ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "JAGA_TASK_BACKEND")


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory whose SQLite database ``jaga migrate`` has brought up to date, made
    once per session for the tests that start real ``jaga`` processes on a database of
    their own (``jaga run``, the task worker): migrating one takes 15-30 s on a busy
    machine. Never used directly: ``copy_migrated_sqlite`` gives each test its own copy.

    Skips the tests that ask for it in the PostgreSQL run: their processes ignore the run's
    database, so the SQLite run has them already (this halves their cost in ``make test``).
    """
    if os.environ.get("DATABASE_URL"):
        pytest.skip("runs its processes on a SQLite database of its own: the SQLite run has it")
    data = tmp_path_factory.mktemp("migrated-sqlite")
    env = {key: value for key, value in os.environ.items() if key not in OWN_PROCESS_UNSET}
    env["JAGA_DATA_DIR"] = str(data)
    subprocess.run(
        [sys.executable, "-m", "jaga", "migrate", "--noinput", "-v0"],
        env=env,
        check=True,
        timeout=300,
    )
    # The static files too, as `jaga run` collects them (jaga.web.collected): its copies
    # then start without compressing every file again.
    collect = "import django; django.setup(); from jaga.web.collected import collect_static; "
    subprocess.run(
        [sys.executable, "-c", collect + "collect_static()"],
        env={**env, "DJANGO_SETTINGS_MODULE": "jaga.settings"},
        check=True,
        timeout=300,
    )
    return data


def copy_migrated_sqlite(template: Path, data_dir: Path) -> Path:
    """``data_dir`` (created if missing) holding a copy of the migrated database of
    ``template`` (``migrated_sqlite``), as if ``jaga migrate`` had just run there."""
    data_dir.mkdir(parents=True, exist_ok=True)
    for database in template.glob("jaga.sqlite3*"):  # the file, and its WAL if one is left
        shutil.copy2(database, data_dir / database.name)
    if not (data_dir / "static").exists():  # collected once; nothing writes to it
        shutil.copytree(template / "static", data_dir / "static")
    return data_dir


def make_agency(slug: str, timezone: str = "Asia/Jakarta") -> Agency:
    """An agency with a unit, a position held by an employee with a login, an OPD with a
    reporter login, and an agency-admin login ``<slug>.admin``."""
    agency = Agency.objects.create(
        slug=slug,
        name=f"Dinas Komunikasi dan Informatika {slug.title()}",
        short_name="Diskominfo",
        government_name=f"Pemerintah Kota {slug.title()}",
        region_kind="kota",
        region_name=f"Kota {slug.title()}",
        kemendagri_code="32.71",
        timezone=timezone,
    )
    install_default_working_hours(agency)
    unit = OrgUnit.objects.create(agency=agency, name=f"Dinas {slug.upper()}", kind="dinas")
    position = Position.objects.create(
        agency=agency, code="kadis", title="Kepala Dinas", unit=unit, is_head=True
    )
    user = User.objects.create_user(f"{slug}.kadis", password=PASSWORD, agency=agency)
    employee = Employee.objects.create(
        agency=agency, name=f"Kadis {slug}", nip="196712261986031002", user=user
    )
    employee.positions.add(position)
    opd = Opd.objects.create(agency=agency, name="Dinas Kesehatan", abbreviation="Dinkes")
    User.objects.create_user(f"{slug}.dinkes", password=PASSWORD, agency=agency, opd=opd)
    User.objects.create_user(f"{slug}.admin", password=PASSWORD, agency=agency, is_staff=True)
    return agency


@pytest.fixture
def agency_a(db: None) -> Agency:
    return make_agency("alpha")


@pytest.fixture
def agency_b(db: None) -> Agency:
    return make_agency("beta", timezone="Asia/Makassar")


@pytest.fixture
def platform_admin(db: None) -> User:
    return User.objects.create_superuser("root", password=PASSWORD)
