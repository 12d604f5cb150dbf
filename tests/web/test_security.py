"""Content-Security-Policy, HTTPS settings and session lifetime (issue 13 point 3)."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.utils import timezone

from jaga.tenancy.models import Agency
from jaga.web.security import HtmlCSPMiddleware
from tests.conftest import PASSWORD

REPO = Path(__file__).resolve().parents[2]
TEMPLATES = sorted((REPO / "jaga").glob("**/templates/**/*.html"))

# A <script> element without a src attribute (its attributes may span lines).
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc\s*=)[^>]*>", re.IGNORECASE)
# An inline event handler (onclick=, onchange=…), a javascript: URL or htmx's hx-on
# (evaluated code, which script-src 'self' forbids).
INLINE_HANDLER = re.compile(
    r"<[a-z][^>]*?\s(on[a-z]+\s*=|hx-on[:\-][^=\s]*\s*=|[a-z-]+\s*=\s*[\"']?\s*javascript:)",
    re.IGNORECASE | re.DOTALL,
)


def directives(header: str) -> dict[str, list[str]]:
    parts = (part.strip().split() for part in header.split(";") if part.strip())
    return {part[0]: part[1:] for part in parts}


@pytest.mark.django_db
def test_pages_carry_a_policy_that_forbids_inline_script(agency_a: Agency) -> None:
    client = Client()
    for url in ("/login/", "/verifikasi/"):
        response = client.get(url)
        policy = directives(response["Content-Security-Policy"])
        assert policy["script-src"] == ["'self'"]
        assert policy["object-src"] == ["'none'"]
        assert policy["frame-ancestors"] == ["'none'"]
        assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert client.login(username="alpha.kadis", password=PASSWORD)
    assert "script-src 'self'" in client.get("/kasus/")["Content-Security-Policy"]


def test_a_pdf_answer_carries_no_policy() -> None:
    request = RequestFactory().get("/dokumen/1/unduh/")
    middleware = HtmlCSPMiddleware(lambda r: HttpResponse(b"%PDF-1.7", "application/pdf"))
    pdf = middleware(request)
    assert isinstance(pdf, HttpResponse)
    assert "Content-Security-Policy" not in pdf
    page = HtmlCSPMiddleware(lambda r: HttpResponse(b"<p>", "text/html"))(request)
    assert isinstance(page, HttpResponse)
    assert "Content-Security-Policy" in page


def test_the_template_patterns_catch_inline_script() -> None:
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert INLINE_SCRIPT.search('<script type="module">x()</script>')
    assert not INLINE_SCRIPT.search("<script\n  src=\"{% static 'a.js' %}\" defer></script>")
    assert INLINE_HANDLER.search('<select name="x"\n onchange="this.form.submit()">')
    assert INLINE_HANDLER.search('<a href="javascript:void(0)">')
    assert INLINE_HANDLER.search('<button hx-on:click="x()">')
    assert not INLINE_HANDLER.search('<select data-submit-on-change name="language">')
    assert not INLINE_HANDLER.search('<input name="monday" value="on">')


def test_no_template_has_an_inline_script_or_event_handler() -> None:
    assert len(TEMPLATES) > 20
    offenders = [
        f"{path.relative_to(REPO)}: {match.group(0)[:80]!r}"
        for path in TEMPLATES
        for pattern in (INLINE_SCRIPT, INLINE_HANDLER)
        for match in pattern.finditer(path.read_text())
    ]
    assert offenders == []


def run_jaga(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m jaga ARGS`` in a fresh process with only ``env`` (plus PATH and the
    worktree on PYTHONPATH) as its environment."""
    full = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(REPO), **env}
    return subprocess.run(
        [sys.executable, "-m", "jaga", *args],
        env=full,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )


def production_env(data: Path) -> dict[str, str]:
    """The settings documented in README "Configuration" for a server behind a TLS proxy."""
    return {
        "JAGA_DATA_DIR": str(data),
        "JAGA_SECRET_KEY": secrets.token_urlsafe(50),
        "JAGA_ALLOWED_HOSTS": "jaga.example.go.id",
        "JAGA_PUBLIC_URL": "https://jaga.example.go.id",
        "JAGA_CSRF_TRUSTED_ORIGINS": "https://jaga.example.go.id",
        "JAGA_BEHIND_PROXY": "true",
        "JAGA_SECURE_COOKIES": "true",
    }


def test_check_deploy_is_clean_behind_a_tls_proxy(tmp_path: Path) -> None:
    result = run_jaga(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def test_check_deploy_warns_without_https(tmp_path: Path) -> None:
    env = {**production_env(tmp_path), "JAGA_SECURE_COOKIES": "false"}
    result = run_jaga(env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    for check in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert check in result.stderr


SHOW = (
    "from django.conf import settings as s; import json; print(json.dumps({"
    "'redirect': s.SECURE_SSL_REDIRECT, 'hsts': s.SECURE_HSTS_SECONDS, "
    "'subdomains': s.SECURE_HSTS_INCLUDE_SUBDOMAINS, 'preload': s.SECURE_HSTS_PRELOAD, "
    "'session': s.SESSION_COOKIE_AGE, 'proxies': s.JAGA_PROXY_COUNT, "
    "'limit': s.AXES_FAILURE_LIMIT, 'cooloff': s.AXES_COOLOFF_TIME.total_seconds()}))"
)


def settings_with(env: dict[str, str]) -> dict[str, object]:
    result = run_jaga(env, "shell", "-c", SHOW)
    assert result.returncode == 0, result.stderr
    loaded: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return loaded


def test_https_and_session_settings_follow_the_environment(tmp_path: Path) -> None:
    assert settings_with({"JAGA_DATA_DIR": str(tmp_path)}) == {
        "redirect": False,
        "hsts": 0,
        "subdomains": True,
        "preload": False,
        "session": 12 * 3600,
        "proxies": 0,
        "limit": 5,
        "cooloff": 15 * 60.0,
    }
    assert settings_with(production_env(tmp_path)) | {"session": None} == {
        "redirect": True,
        "hsts": 31_536_000,
        "subdomains": True,
        "preload": False,
        "session": None,
        "proxies": 1,
        "limit": 5,
        "cooloff": 15 * 60.0,
    }
    chosen = {
        **production_env(tmp_path),
        "JAGA_SSL_REDIRECT": "false",
        "JAGA_HSTS_SECONDS": "3600",
        "JAGA_HSTS_PRELOAD": "true",
        "JAGA_SESSION_HOURS": "8",
        "JAGA_PROXY_COUNT": "2",
        "JAGA_LOGIN_FAILURE_LIMIT": "10",
        "JAGA_LOGIN_COOLOFF_MINUTES": "30",
    }
    assert settings_with(chosen) == {
        "redirect": False,
        "hsts": 3600,
        "subdomains": True,
        "preload": True,
        "session": 8 * 3600,
        "proxies": 2,
        "limit": 10,
        "cooloff": 30 * 60.0,
    }


def test_it_refuses_a_session_of_zero_hours(tmp_path: Path) -> None:
    result = run_jaga({"JAGA_DATA_DIR": str(tmp_path), "JAGA_SESSION_HOURS": "0"}, "check")
    assert result.returncode == 2
    assert "JAGA_SESSION_HOURS" in result.stderr


@pytest.mark.django_db
def test_a_session_ends_after_the_configured_hours(agency_a: Agency) -> None:
    assert settings.SESSION_COOKIE_AGE == 12 * 3600
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client = Client()
        assert client.login(username="alpha.kadis", password=PASSWORD)
    with time_machine.travel(start + timedelta(hours=11, minutes=59), tick=False):
        assert client.get("/kasus/").status_code == 200
    with time_machine.travel(start + timedelta(hours=12, minutes=1), tick=False):
        assert client.get("/kasus/").status_code == 302
