"""The import page and its jobs' pages (issue 13 point 7): an upload starts a background
job and redirects to its page, which follows the job by htmx polling; only the agency's
administrator imports and sees the agency's jobs; bad rows are listed under the right
column header (point 12)."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from jaga.audit.models import Event
from jaga.inventory import jobs
from jaga.inventory.models import Device, ImportJob, ImportState
from jaga.inventory.tabular import COLUMNS, template
from tests.inventory.test_lists import DEVICES, IMPORT, Inventory, alpha, beta, client_for

pytestmark = pytest.mark.django_db
__all__ = ["alpha", "beta"]  # fixtures

DEVICE_HEADER = [column.header for column in COLUMNS["devices"]]


def device_csv(*rows: dict[str, str]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(DEVICE_HEADER)
    for row in rows:
        writer.writerow([row.get(name, "") for name in DEVICE_HEADER])
    return text.getvalue().encode("utf-8")


def broken_workbook() -> bytes:
    """A devices template whose sheet is not XML: openpyxl's parser fails on it."""
    source = zipfile.ZipFile(io.BytesIO(template("devices", "xlsx")))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            broken = name.startswith("xl/worksheets/")
            target.writestr(name, b"<not xml" if broken else source.read(name))
    return out.getvalue()


def upload(name: str, content: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


def post_import(client: Client, kind: str, name: str, content: bytes) -> Any:
    return client.post(IMPORT, {"kind": kind, "file": upload(name, content)})


def job_url(job: ImportJob) -> str:
    return reverse("inventory:import_job", args=[job.pk])


def htmx(client: Client, url: str) -> Any:
    return client.get(url, headers={"HX-Request": "true"})


GOOD = {"nama": "AP baru", "jenis": "access_point", "nomor_seri": "NEW-1", "kode_situs": "gudang"}


def test_it_imports_a_good_csv_in_the_background_for_the_administrator(
    alpha: Inventory, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    content = device_csv(
        GOOD,
        {
            "nama": "Switch baru",
            "jenis": "switch",
            "nomor_seri": "NEW-2",
            "kode_situs": "dinkes-pusat",
            "ip_manajemen": "10.9.9.9",
            "uplink": "ALPHA-CORE",
        },
    )
    client = client_for("alpha.admin")
    assert client.get(IMPORT).status_code == 200
    files_before = set(jobs.imports_dir().iterdir())
    with django_capture_on_commit_callbacks(execute=True):
        response = post_import(client, "devices", "perangkat.CSV", content)
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == job_url(job)
    created = Device.objects.get(agency=alpha.agency, serial_number="NEW-2")
    assert created.uplink == alpha.core
    assert [a.address for a in created.addresses.all()] == ["10.9.9.9"]
    page = client.get(job_url(job))
    html = page.content.decode()
    assert 'data-state="done"' in html
    # The page speaks Indonesian, the default language.
    assert "Impor selesai: 2 dibuat, 0 diperbarui, 0 tidak berubah." in re.sub(r"\s+", " ", html)
    assert f'href="{DEVICES}"' in html
    assert "every 1s" not in html  # done: no more polling (the bell polls on every page)
    assert set(jobs.imports_dir().iterdir()) == files_before  # the upload is deleted
    listing = client.get(IMPORT).content.decode()
    assert f'data-job="{job.pk}" data-state="done"' in listing


def test_it_queues_the_job_and_its_page_polls_until_the_job_ends(
    alpha: Inventory, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for("alpha.admin")
    with django_capture_on_commit_callbacks(execute=True):
        response = post_import(client, "devices", "perangkat.csv", device_csv(GOOD))
    job = ImportJob.objects.get()
    assert response["Location"] == job_url(job)
    assert job.state == ImportState.QUEUED
    assert DBTaskResult.objects.filter(args_kwargs__args=[job.pk]).exists()
    page = client.get(job_url(job)).content.decode()
    assert 'id="job-waiting"' in page
    assert f'hx-get="{job_url(job)}" hx-trigger="every 1s"' in page
    ImportJob.objects.filter(pk=job.pk).update(
        state=ImportState.RUNNING,
        stage="checking",
        rows_done=2000,
        rows_total=5000,
        worker=jobs.this_worker(),
        heartbeat_at=job.queued_at,
    )
    partial = htmx(client, job_url(job))
    html = partial.content.decode()
    assert html.lstrip().startswith('<div id="import-job" data-state="running"')
    assert "<html" not in html
    assert "Memeriksa baris: 2000 dari 5000." in html
    assert 'aria-valuenow="40"' in html
    assert "every 1s" in html
    ImportJob.objects.filter(pk=job.pk).update(state=ImportState.QUEUED)
    assert jobs.run_job(job.pk) == ImportState.DONE
    html = htmx(client, job_url(job)).content.decode()
    assert 'data-state="done"' in html
    assert "every 1s" not in html  # the job no longer polls (the bell still does)


def test_it_shows_every_bad_line_under_the_right_headers_and_imports_nothing(
    alpha: Inventory, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    content = device_csv(
        {"nama": "Baik", "jenis": "switch", "nomor_seri": "OK-1", "kode_situs": "gudang"},
        {"nama": "", "jenis": "switch", "kode_situs": "gudang"},
        {"nama": "Salah", "jenis": "toaster", "kode_situs": "nowhere"},
        {"nama": "IP", "jenis": "router", "kode_situs": "gudang", "ip_manajemen": "10.0.0.999"},
    )
    devices_before = Device.objects.count()
    events_before = Event.objects.count()
    client = client_for("alpha.admin")
    with django_capture_on_commit_callbacks(execute=True):
        response = post_import(client, "devices", "perangkat.csv", content)
    html = client.get(response["Location"]).content.decode()
    assert 'id="nothing-imported"' in html
    found = re.findall(r'class="row-error" data-line="(\d+)" data-column="([a-z_]+)"', html)
    assert found == [
        ("3", "nama"),
        ("4", "jenis"),
        ("4", "kode_situs"),
        ("5", "ip_manajemen"),
    ]
    assert Device.objects.count() == devices_before
    assert Event.objects.count() == events_before
    # Indonesian: the third column is the problem of the cell, not "Uraian gangguan" (the
    # description of a disruption report, which the same English word translated).
    client.cookies["django_language"] = "id"
    html = client.get(response["Location"]).content.decode()
    headers = re.findall(r"<th>([^<]*)</th>", html.split('id="row-errors"')[1])
    assert headers[:2] == ["Baris", "Kolom"]
    assert headers[2] not in ("Uraian gangguan", "")
    download = client.get(reverse("inventory:import_errors", args=[ImportJob.objects.get().pk]))
    assert download.status_code == 200
    lines = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert [row[:2] for row in lines[1:]] == [
        ["3", "nama"],
        ["4", "jenis"],
        ["4", "kode_situs"],
        ["5", "ip_manajemen"],
    ]


def test_it_shows_an_agencys_jobs_to_its_administrator_only(
    alpha: Inventory, beta: Inventory
) -> None:
    post_import(client_for("alpha.admin"), "devices", "perangkat.csv", device_csv(GOOD))
    job = ImportJob.objects.get()
    errors_url = reverse("inventory:import_errors", args=[job.pk])
    other_admin = client_for("beta.admin")
    assert other_admin.get(job_url(job)).status_code == 404
    assert other_admin.get(errors_url).status_code == 404
    assert f'data-job="{job.pk}"' not in other_admin.get(IMPORT).content.decode()
    for username in ("alpha.kadis", "alpha.dinkes"):
        assert client_for(username).get(job_url(job)).status_code == 403
    assert client_for("alpha.admin").get(job_url(job)).status_code == 200
    too_big = reverse("inventory:import_job", args=[2**64])
    assert client_for("alpha.admin").get(too_big).status_code == 404


def test_it_shows_a_job_whose_worker_died_as_failed(alpha: Inventory) -> None:
    client = client_for("alpha.admin")
    post_import(client, "devices", "perangkat.csv", device_csv(GOOD))
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(
        state=ImportState.RUNNING,
        worker="elsewhere:1",
        heartbeat_at=job.queued_at - jobs.STALE_AFTER,
    )
    html = client.get(job_url(job)).content.decode()
    assert 'data-state="failed"' in html
    assert "unggah kembali berkasnya" in html
    assert "every 1s" not in html  # the job no longer polls (the bell still does)
    assert not Device.objects.filter(serial_number="NEW-1").exists()


@pytest.mark.parametrize("username", ["alpha.kadis", "alpha.dinkes", "beta.dinkes"])
def test_it_refuses_the_import_to_anyone_but_the_administrator(
    alpha: Inventory, beta: Inventory, username: str
) -> None:
    client = client_for(username)
    assert client.get(IMPORT).status_code == 403
    content = device_csv({"nama": "X", "jenis": "switch", "kode_situs": "gudang"})
    assert post_import(client, "devices", "perangkat.csv", content).status_code == 403
    assert not Device.objects.filter(name="X").exists()
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("perangkat.txt", device_csv()),  # wrong extension
        ("perangkat", device_csv()),  # none
        ("perangkat.xlsx", b"PK\x03\x04 not really a zip"),
        ("perangkat.xlsx", b"\x00\x01\x02garbage"),
        ("perangkat.xlsx", broken_workbook()),
        ("perangkat.csv", bytes(range(256)) * 4),
        ("perangkat.csv", b"kode_situs,nama\nx,y\n"),  # the header of another kind
        ("perangkat.csv", b""),
    ],
)
def test_it_shows_a_file_it_cannot_import_as_a_form_error(
    alpha: Inventory, name: str, content: bytes
) -> None:
    before = Device.objects.count()
    response = post_import(client_for("alpha.admin"), "devices", name, content)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert 'data-error="file"' in response.content.decode()
    assert Device.objects.count() == before
    assert not ImportJob.objects.exists()


def test_it_refuses_a_file_over_the_size_limit(
    alpha: Inventory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("jaga.inventory.forms.MAX_UPLOAD_BYTES", 100)
    content = device_csv(
        *[{"nama": f"D{n}", "jenis": "switch", "kode_situs": "gudang"} for n in range(10)]
    )
    response = post_import(client_for("alpha.admin"), "devices", "perangkat.csv", content)
    assert response.status_code == 200
    assert response.context["form"].errors["file"][0]
    assert response.context["form"].has_error("file", "size")
    assert not Device.objects.filter(name="D1").exists()


def test_it_refuses_an_unknown_kind_in_the_import_form(alpha: Inventory) -> None:
    response = post_import(client_for("alpha.admin"), "toasters", "x.csv", device_csv())
    assert response.status_code == 200
    assert response.context["form"].has_error("kind")
