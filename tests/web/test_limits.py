"""A request body over the configured limit is refused before it is read (issue 13 point 6):
``jaga.web.limits.RequestBodyLimitMiddleware``, first in MIDDLEWARE, answers from the
headers alone."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from django.test import Client
from pytest_django.fixtures import Settings

from jaga.incidents.services import MAX_PHOTO_BYTES, MAX_PHOTOS
from jaga.inventory.forms import MAX_UPLOAD_BYTES as INVENTORY_IMPORT_CAP

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


class WatchedInput(io.RawIOBase):
    """A ``wsgi.input`` that counts what is read from it and would give ``size`` bytes."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.bytes_read = 0
        self.reads = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        self.reads += 1
        count = min(len(buffer), self.size - self.bytes_read)
        buffer[:count] = b"x" * count
        self.bytes_read += count
        return count


def call_wsgi(environ_extra: dict[str, str], body: WatchedInput) -> tuple[str, bytes]:
    """Call Jaga's WSGI application as a server would; returns the status line and body."""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/verifikasi/",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "HTTP_HOST": "127.0.0.1",
        "CONTENT_TYPE": "multipart/form-data; boundary=xyz",
        "wsgi.input": body,
        "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(),
        **environ_extra,
    }
    status: list[str] = []

    def start_response(
        line: str, headers: list[tuple[str, str]], exc_info: Any = None, /
    ) -> Callable[[bytes], object]:
        status.append(line)
        return lambda data: None

    # As Django's test client does: keep the test's database connection open.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        response = WSGIHandler()(environ, start_response)
        content = b"".join(response)
        response.close()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
    return status[0], content


def test_it_refuses_a_200_mb_anonymous_post_without_reading_the_body(
    settings: Settings,
) -> None:
    settings.JAGA_MAX_REQUEST_BYTES = 60 * MB
    body = WatchedInput(200 * MB)
    english = f"{settings.LANGUAGE_COOKIE_NAME}=en"
    status, content = call_wsgi({"CONTENT_LENGTH": str(200 * MB), "HTTP_COOKIE": english}, body)
    assert status.startswith("413")
    assert (body.reads, body.bytes_read) == (0, 0)
    page = content.decode().replace("\xa0", " ")
    assert "The request is 200.0 MB; the server accepts at most 60.0 MB" in page
    assert len(content) < 1000


def test_it_refuses_a_chunked_body_of_no_stated_length_without_reading_it() -> None:
    body = WatchedInput(200 * MB)
    status, _ = call_wsgi({"HTTP_TRANSFER_ENCODING": "chunked"}, body)
    assert status.startswith("411")
    assert body.reads == 0


def test_it_refuses_a_malformed_length() -> None:
    body = WatchedInput(10)
    status, _ = call_wsgi({"CONTENT_LENGTH": "ten"}, body)
    assert status.startswith("400")
    assert body.reads == 0


def test_it_lets_a_body_within_the_limit_through_to_the_page() -> None:
    """The same POST, small: the verification page reads it and answers."""
    body = WatchedInput(1000)
    token = "a" * 32
    status, content = call_wsgi(
        {
            "CONTENT_LENGTH": "1000",
            "CONTENT_TYPE": "application/x-www-form-urlencoded",
            "HTTP_COOKIE": f"{settings.CSRF_COOKIE_NAME}={token}",
            "HTTP_X_CSRFTOKEN": token,
        },
        body,
    )
    assert status.startswith("200")
    assert body.bytes_read == 1000
    assert b"<form" in content


def test_it_refuses_through_the_test_client_by_content_length(settings: Settings) -> None:
    settings.JAGA_MAX_REQUEST_BYTES = 1 * MB
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(
        "/verifikasi/",
        data=b"%PDF-1.7 small",
        content_type="application/pdf",
        CONTENT_LENGTH=str(1 * MB + 1),
    )
    assert response.status_code == 413
    assert "Upload too large" in response.content.decode()


def test_it_accepts_a_body_of_exactly_the_limit_and_refuses_one_byte_more(
    settings: Settings,
) -> None:
    settings.JAGA_MAX_REQUEST_BYTES = 2000
    client = Client()
    exact = client.post("/verifikasi/", data=b"x" * 2000, content_type="text/plain")
    assert exact.status_code == 200
    over = client.post("/verifikasi/", data=b"x" * 2001, content_type="text/plain")
    assert over.status_code == 413


def test_the_default_limit_fits_a_full_report_and_the_inventory_import() -> None:
    """A report with five photos at their size limit, and an inventory file at its cap,
    are never refused by the request limit."""
    assert settings.JAGA_MAX_REQUEST_BYTES >= MAX_PHOTOS * MAX_PHOTO_BYTES + 1 * MB
    assert settings.JAGA_MAX_REQUEST_BYTES >= INVENTORY_IMPORT_CAP + 1 * MB
